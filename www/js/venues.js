// Venue reservations for the holder: browse venues and free places, book a slot, see and cancel
// bookings, see a no-show ban and when it ends. The gate checks the booking offline from the
// venue's signed list; nothing about the booking is in the QR code.
import { api, $, setupLargeText, registerServiceWorker, showError } from './common.js';

setupLargeText($('large'));
registerServiceWorker();

const WEEKDAY = ['日', '一', '二', '三', '四', '五', '六'];
let venues = [];
let chosenDate = null;

/** `YYYY-MM-DD` of today + `n` days, Beijing time. */
function dayString(n) {
  const d = new Date(Date.now() + 8 * 3600_000 + n * 86_400_000);
  return d.toISOString().slice(0, 10);
}

function message(text, kind = 'error') {
  const box = $('msg');
  box.className = text ? `msg ${kind}` : '';
  box.textContent = text;
}

function needLogin(e) {
  if (e.status !== 401) return false;
  const box = $('msg');
  box.className = 'msg error';
  box.textContent = '请先登录后再预约。';
  const a = document.createElement('a');
  a.href = '/login.html?next=/venues.html';
  a.textContent = '去登录';
  box.append(' ', a);
  return true;
}

async function showBookings() {
  let data;
  try {
    data = await api('/bookings');
  } catch (e) {
    if (!needLogin(e)) showError(e, $('msg'));
    $('bookings').innerHTML = '';
    return;
  }
  const bans = $('bans');
  bans.innerHTML = '';
  for (const b of data.bans) {
    const p = document.createElement('p');
    p.className = 'warn';
    p.textContent = `${b.venue_name}：${b.message}`;
    bans.append(p);
  }
  const list = $('bookings');
  list.innerHTML = '';
  if (!data.bookings.length) list.innerHTML = '<li class="note">还没有预约</li>';
  for (const b of data.bookings) {
    const li = document.createElement('li');
    li.dataset.status = b.status;
    li.textContent = `${b.venue_name} · ${b.date} ${b.start}–${b.end} · ${b.status_label} `;
    if (b.cancellable) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = '取消预约';
      button.onclick = async () => {
        if (!confirm(`取消 ${b.venue_name} ${b.date} ${b.start} 的预约？`)) return;
        try {
          await api(`/bookings/${b.id}/cancel`, { method: 'POST', body: {} });
          message('已取消预约', 'ok');
        } catch (e) {
          showError(e, $('msg'));
        }
        await showBookings();
        await showSlots();
      };
      li.append(button);
    }
    list.append(li);
  }
}

function chosenVenue() {
  return venues.find((v) => String(v.id) === $('venue').value);
}

function showDays() {
  const v = chosenVenue();
  const days = $('days');
  days.innerHTML = '';
  if (!v) return;
  $('venue-info').textContent = [
    v.kind_label,
    v.requires_booking ? '需预约入场' : '无需预约',
    `可提前 ${v.booking_days_ahead} 天预约`,
    `每人每天限约 ${v.per_holder_daily_limit} 次`,
    v.priority_seniors ? '60岁以上免预约优先入场' : '',
    `${v.no_show.window_days} 天内爽约 ${v.no_show.limit} 次将暂停预约 ${v.no_show.ban_days} 天`,
  ].filter(Boolean).join(' · ');
  for (let n = 0; n <= v.booking_days_ahead; n += 1) {
    const date = dayString(n);
    const b = document.createElement('button');
    b.type = 'button';
    b.className = date === chosenDate ? '' : 'secondary';
    b.dataset.date = date;
    b.textContent = `${date.slice(5)} 周${WEEKDAY[new Date(`${date}T12:00:00+08:00`).getUTCDay()]}`;
    b.onclick = async () => { chosenDate = date; showDays(); await showSlots(); };
    days.append(b);
  }
}

async function showSlots() {
  const v = chosenVenue();
  const list = $('slots');
  list.innerHTML = '';
  if (!v || !chosenDate) return;
  let a;
  try {
    a = await api(`/venues/${v.id}?date=${chosenDate}`);
  } catch (e) {
    showError(e, $('msg'));
    return;
  }
  $('day-info').textContent = a.open ? '' : a.closed_reason;
  for (const s of a.slots) {
    const li = document.createElement('li');
    li.textContent = `${s.start}–${s.end} · 余 ${s.remaining}/${s.capacity} `;
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = s.remaining > 0 ? '预约' : '已约满';
    b.disabled = !s.bookable;
    b.dataset.start = s.start;
    b.onclick = async () => {
      b.disabled = true;
      let booked = '';
      try {
        const booking = await api('/bookings', {
          method: 'POST',
          body: { venue_id: v.id, date: chosenDate, start: s.start },
          headers: { 'idempotency-key': crypto.randomUUID() },
        });
        booked = `预约成功：${booking.venue_name} ${booking.date} ${booking.start}–${booking.end}。入场时出示电子社保卡二维码。`;
      } catch (e) {
        if (!needLogin(e)) showError(e, $('msg'));
      }
      // The lists first, then the message: when it says booked, "my bookings" already shows it.
      await showBookings();
      await showSlots();
      if (booked) message(booked, 'ok');
    };
    li.append(b);
    list.append(li);
  }
}

async function main() {
  ({ venues } = await api('/venues'));
  const select = $('venue');
  for (const v of venues) {
    const o = document.createElement('option');
    o.value = v.id;
    o.textContent = `${v.name}（${v.kind_label}）`;
    select.append(o);
  }
  if (!venues.length) $('venue-info').textContent = '暂无可预约的场馆';
  chosenDate = dayString(0);
  select.onchange = async () => { showDays(); await showSlots(); };
  showDays();
  await Promise.all([showSlots(), showBookings()]);
}

main().catch((e) => showError(e, $('msg')));
