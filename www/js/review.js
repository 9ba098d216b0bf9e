// The reviewer's desk: queue, application detail, approve / reject with a reason, card actions
// and the audit trail. Every action is recorded by the server with who, what and when.
import { api, $, formatTime, showError } from './common.js';

const ACTION_ZH = {
  approve: '通过', reject: '驳回', card_issued: '已发卡', temp_lost: '临时挂失', lost: '正式挂失',
  unlost: '解挂', reissue: '补领', cancel: '注销',
};
const CHANNEL_ZH = { employer: '单位', school: '学校' };
// The labels of the server's application statuses (applications::STATUSES).
const STATUS_ZH = {
  submitted: '提交', reviewing: '联审中', approved: '通过', rejected: '驳回', making: '制卡中', issued: '已发卡',
};
let current = null;
let currentBatch = null;

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.appendChild(td);
}

function say(el, text, kind) {
  el.className = `msg ${kind}`;
  el.textContent = text;
}

async function showQueue() {
  const { queue } = await api('/review/queue');
  $('queue-count').textContent = queue.length;
  const body = $('queue');
  body.innerHTML = '';
  for (const a of queue) {
    const tr = document.createElement('tr');
    cell(tr, `#${a.id}`);
    cell(tr, a.name);
    cell(tr, formatTime(a.submitted_at));
    tr.style.cursor = 'pointer';
    tr.onclick = () => showDetail(a.id);
    body.appendChild(tr);
  }
}

async function showDetail(id) {
  const d = await api(`/review/applications/${id}`);
  current = id;
  $('detail-box').classList.remove('hidden');
  $('detail-id').textContent = `#${id} · ${d.status_label}`;
  const box = $('detail');
  box.innerHTML = '';
  const a = d.application;
  const bank = a.service_bank && a.service_bank.choice === 'bank' ? (a.service_bank.name || a.service_bank.code) : '由人社部门指定';
  const rows = [
    ['姓名', a.name],
    ['证件', `${a.document.kind} ${a.document.number}`],
    ['出生日期', `${a.birth_date}（${a.age} 岁${a.minor ? '，未成年人' : ''}）`],
    ['手机号码', a.phone],
    ['服务银行', bank],
    ['渠道', a.channel],
  ];
  if (a.guardian) rows.push(['监护人', `${a.guardian.name} ${a.guardian.id_number}（${a.guardian.relation}）`]);
  if (a.agent) rows.push(['代办单位', `${a.agent.name} ${a.agent.uscc}`]);
  if (d.card) rows.push(['卡号', `${d.card.card_number}（${d.card.state}）`]);
  for (const [label, value] of rows) {
    const p = document.createElement('p');
    p.textContent = `${label}：${value ?? '—'}`;
    box.appendChild(p);
  }
  for (const m of d.materials || []) {
    const p = document.createElement('p');
    const link = document.createElement('a');
    link.href = `/api/review/uploads/${encodeURIComponent(m.id)}`;
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = `${m.label}（${Math.round(m.bytes / 1024)} KB）`;
    p.append('材料：', link);
    if (m.kind === 'photo') {
      const img = document.createElement('img');
      img.src = link.href;
      img.alt = '申请人照片';
      img.className = 'photo';
      p.append(img);
    }
    box.appendChild(p);
  }
  const tl = $('timeline');
  tl.innerHTML = '';
  for (const e of d.timeline) {
    const li = document.createElement('li');
    li.textContent = `${formatTime(e.at)} ${e.label}${e.note ? '：' + e.note : ''}`;
    tl.appendChild(li);
  }
  $('approve').disabled = $('reject').disabled = d.status !== 'reviewing';
}

function statusText(statuses) {
  const parts = Object.entries(statuses || {}).map(([s, n]) => `${STATUS_ZH[s] || s} ${n}`);
  return parts.length ? parts.join('，') : '—';
}

async function showBatches() {
  const { batches } = await api('/review/batches');
  $('batch-count').textContent = batches.length;
  const body = $('batches');
  body.innerHTML = '';
  for (const b of batches) {
    const tr = document.createElement('tr');
    tr.dataset.batch = b.id;
    cell(tr, `#${b.id}`);
    cell(tr, `${b.agent.name}（${b.agent.uscc}）`);
    cell(tr, CHANNEL_ZH[b.channel] || b.channel);
    cell(tr, b.rows);
    cell(tr, b.accepted);
    cell(tr, statusText(b.statuses));
    tr.className = 'clickable';
    tr.onclick = () => showBatch(b.id).catch((e) => showError(e, $('batch-msg')));
    body.appendChild(tr);
  }
}

async function showBatch(id) {
  const b = await api(`/review/batches/${id}`);
  currentBatch = id;
  $('batch-box').classList.remove('hidden');
  $('batch-id').textContent = `#${id}`;
  $('batch-summary').textContent =
    `${b.agent.name}（${CHANNEL_ZH[b.channel] || b.channel}）· 提交于 ${formatTime(b.submitted_at)} · 共 ${b.rows} 行，受理 ${b.accepted} 份`;
  const body = $('batch-apps');
  body.innerHTML = '';
  let open = 0;
  for (const a of b.applications) {
    const tr = document.createElement('tr');
    tr.dataset.app = a.id;
    cell(tr, `#${a.id}`);
    cell(tr, a.name ?? '—');
    cell(tr, a.id_number ?? '—');
    cell(tr, (a.materials || []).some((m) => m.kind === 'photo') ? '有' : '无');
    const status = document.createElement('td');
    status.className = 'status';
    status.textContent = a.status_label;
    tr.appendChild(status);
    tr.className = 'clickable';
    tr.onclick = () => showDetail(a.id).catch((e) => showError(e, $('detail-msg')));
    body.appendChild(tr);
    if (a.status === 'reviewing') open += 1;
  }
  $('batch-approve').disabled = open === 0;
}

async function showAudit() {
  const { entries } = await api('/review/audit?limit=50');
  const body = $('audit');
  body.innerHTML = '';
  for (const e of entries) {
    const tr = document.createElement('tr');
    cell(tr, formatTime(e.at));
    cell(tr, e.reviewer);
    cell(tr, ACTION_ZH[e.action] || e.action);
    cell(tr, e.target);
    body.appendChild(tr);
  }
}

async function refresh() {
  await Promise.all([showQueue(), showBatches(), showAudit()]);
}

async function enter() {
  for (const id of ['queue-box', 'batches-box', 'audit-box', 'logout']) $(id).classList.remove('hidden');
  $('login-box').classList.add('hidden');
  await refresh();
}

$('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    await api('/review/login', { method: 'POST', body: Object.fromEntries(new FormData(ev.target)) });
    await enter();
  } catch (e) {
    showError(e, $('login-msg'));
  }
});

$('logout').onclick = async () => {
  await api('/review/logout', { method: 'POST' }).catch(() => {});
  location.reload();
};

$('approve').onclick = async () => {
  try {
    const r = await api(`/review/applications/${current}/approve`, { method: 'POST' });
    say($('detail-msg'), `已通过，卡号 ${r.card_number}`, 'ok');
    await Promise.all([showDetail(current), refresh()]);
  } catch (e) {
    showError(e, $('detail-msg'));
  }
};

$('reject').onclick = async () => {
  try {
    await api(`/review/applications/${current}/reject`, { method: 'POST', body: { reason: $('reason').value } });
    say($('detail-msg'), '已驳回', 'ok');
    await Promise.all([showDetail(current), refresh()]);
  } catch (e) {
    showError(e, $('detail-msg'));
  }
};

$('batch-approve').onclick = async () => {
  const id = currentBatch;
  try {
    const r = await api(`/review/batches/${id}/approve`, { method: 'POST' });
    say($('batch-msg'), `批次 #${id} 已全部通过：${r.approved} 份申请转入制卡`, 'ok');
    await Promise.all([showBatch(id), refresh()]);
  } catch (e) {
    showError(e, $('batch-msg'));
  }
};

$('card-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = Object.fromEntries(new FormData(ev.target));
  try {
    const r = await api(`/review/cards/${encodeURIComponent(f.card_number.trim())}/actions`, {
      method: 'POST', body: { action: f.action },
    });
    const extra = r.new_card_number ? `，新卡号 ${r.new_card_number}` : '';
    say($('card-msg'), `已${ACTION_ZH[f.action]}，作废电子凭证 ${r.revoked} 张${extra}`, 'ok');
    await showAudit();
  } catch (e) {
    showError(e, $('card-msg'));
  }
});

// Already logged in (session cookie)? Go straight to the queue.
api('/review/queue').then(enter).catch(() => {});
