// The venue operator's page: create a venue (the gate token is shown once), grant annual passes
// and priority entry, and see a day's attendance and no-shows.
import { api, $, setupLargeText, showError } from './common.js';

setupLargeText($('large'));

function say(box, text, kind = 'ok') {
  box.className = `msg ${kind}`;
  box.textContent = text;
}

/** `09:00-11:00 300` lines → slots; throws with the line at fault. */
function parseSlots(text) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((line, i) => {
    const m = /^(\d{2}:\d{2})\s*[-–]\s*(\d{2}:\d{2})\s+(\d+)$/.exec(line);
    if (!m) throw Object.assign(new Error(`时段第 ${i + 1} 行应为“09:00-11:00 300”`), { field: 'slots' });
    return { start: m[1], end: m[2], capacity: Number(m[3]) };
  });
}

async function loadVenues() {
  const { venues } = await api('/venues');
  for (const select of document.querySelectorAll('.venue-select')) {
    select.innerHTML = '';
    for (const v of venues) {
      const o = document.createElement('option');
      o.value = v.id;
      o.textContent = `${v.id} · ${v.name}（${v.kind_label}）`;
      select.append(o);
    }
  }
}

async function showAttendance() {
  const venue = $('attendance-venue').value;
  const date = $('attendance-date').value;
  const body = $('attendance');
  body.innerHTML = '';
  if (!venue || !date) return;
  try {
    const a = await api(`/venues/${venue}/attendance?date=${date}`);
    for (const s of a.slots) {
      const tr = document.createElement('tr');
      for (const cell of [`${s.start}–${s.end}`, s.capacity, s.booked, s.attended, s.no_show, s.cancelled]) {
        const td = document.createElement('td');
        td.textContent = cell;
        tr.append(td);
      }
      body.append(tr);
    }
  } catch (e) {
    const tr = document.createElement('tr');
    tr.textContent = e.message;
    body.append(tr);
  }
}

$('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    await api('/review/login', { method: 'POST', body: Object.fromEntries(new FormData(ev.target)) });
    $('login-box').classList.add('hidden');
    await showAttendance();
  } catch (e) {
    showError(e, $('login-msg'));
  }
});

$('venue-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const n = (k) => Number(f.get(k));
  try {
    const config = {
      name: f.get('name'),
      kind: f.get('kind'),
      open_weekdays: f.getAll('weekday').map(Number),
      holidays: f.get('holidays'),
      slots: parseSlots(f.get('slots')),
      booking_days_ahead: n('booking_days_ahead'),
      per_holder_daily_limit: n('per_holder_daily_limit'),
      entry_early_min: n('entry_early_min'),
      entry_late_min: n('entry_late_min'),
      requires_booking: f.get('requires_booking') === 'on',
      priority_seniors: f.get('priority_seniors') === 'on',
      no_show: { limit: n('no_show_limit'), window_days: n('no_show_window'), ban_days: n('no_show_ban') },
      loan_limit: f.get('kind') === 'library' ? n('loan_limit') : 0,
    };
    const v = await api('/venues', { method: 'POST', body: { config } });
    say($('venue-msg'), `已创建场馆 ${v.id}。闸机令牌（只显示这一次，请填入本场馆闸机）：${v.gate_token}`);
    await loadVenues();
  } catch (e) {
    const detail = (e.problems || []).map((p) => p.message).join('；');
    say($('venue-msg'), detail || e.message, 'error');
  }
});

$('pass-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  try {
    const p = await api(`/venues/${f.get('venue')}/passes`, {
      method: 'POST',
      body: { id_number: f.get('id_number'), kind: f.get('kind'), valid_until: f.get('valid_until') },
    });
    say($('pass-msg'), `已登记，有效期 ${p.valid_from} 至 ${p.valid_until}`);
  } catch (e) {
    showError(e, $('pass-msg'));
  }
});

$('token-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const venue = new FormData(ev.target).get('venue');
  if (!confirm('重新生成后，旧令牌立即失效，本场馆所有闸机都要填写新令牌。继续？')) return;
  try {
    const t = await api(`/venues/${venue}/gate-token`, { method: 'POST', body: {} });
    say($('token-msg'), `新闸机令牌（只显示这一次）：${t.gate_token}`);
  } catch (e) {
    showError(e, $('token-msg'));
  }
});

$('attendance-date').value = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
$('attendance-venue').onchange = showAttendance;
$('attendance-date').onchange = showAttendance;
loadVenues().then(showAttendance).catch((e) => showError(e, $('venue-msg')));
