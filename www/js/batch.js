// The employer's / school's bulk application page: upload the roster (CSV) and then the photos
// (ZIP of <document_number>.jpg), and show the per-line and per-photo report.
import { api, $, setupLargeText, showError } from './common.js';

setupLargeText($('large'));
let batchId = null;
// One key per chosen file: a retry of the same upload creates nothing twice.
let rosterKey = null;

function say(el, text, kind) {
  el.className = `msg ${kind}`;
  el.textContent = text;
}

function row(body, cells) {
  const tr = document.createElement('tr');
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.appendChild(td);
  }
  body.appendChild(tr);
  return tr;
}

/** Sends a file as the body, as `contentType`. */
const sendFile = (path, file, contentType, headers = {}) => api(path, {
  method: 'POST', body: file, headers: { 'content-type': contentType, ...headers }, timeoutMs: null,
});

const problemText = (problems) => problems.map((p) => (p.field ? `${p.field}：${p.message}` : p.message)).join('；');

document.querySelector('#roster [name=file]').addEventListener('change', () => {
  rosterKey = crypto.randomUUID();
});

$('roster').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const file = f.get('file');
  if (!file || !file.size) {
    say($('roster-msg'), '请选择花名册文件', 'error');
    return;
  }
  const q = new URLSearchParams({ channel: f.get('channel'), agent_name: f.get('agent_name').trim(), agent_uscc: f.get('agent_uscc').trim() });
  try {
    const r = await sendFile(`/batches?${q}`, file, 'text/csv', { 'idempotency-key': rosterKey || crypto.randomUUID() });
    batchId = r.batch_id;
    say($('roster-msg'), `共 ${r.rows} 行，受理 ${r.accepted} 份，未受理 ${r.rejected.length} 行`, r.rejected.length ? 'error' : 'ok');
    $('report-batch').textContent = `#${r.batch_id}`;
    const body = $('report-rows');
    body.innerHTML = '';
    const lines = [
      ...r.applications.map((a) => [a.line, `已受理（申请 #${a.id}）`]),
      ...r.rejected.map((x) => [x.line, problemText(x.problems)]),
    ].sort((a, b) => a[0] - b[0]);
    for (const [line, text] of lines) row(body, [String(line), text]);
    $('report').classList.remove('hidden');
    $('photos-box').classList.remove('hidden');
  } catch (e) {
    if (e.problems.length) e.message = `${e.message}：${problemText(e.problems)}`;
    showError(e, $('roster-msg'));
  }
});

$('photos').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const file = new FormData(ev.target).get('file');
  if (!file || !file.size) {
    say($('photos-msg'), '请选择照片压缩包', 'error');
    return;
  }
  try {
    const r = await sendFile(`/batches/${batchId}/photos`, file, 'application/zip');
    say($('photos-msg'), `已关联 ${r.attached} 张照片，未采用 ${r.rejected.length} 个文件`, r.rejected.length ? 'error' : 'ok');
    const body = $('photos-rows');
    body.innerHTML = '';
    for (const x of r.rejected) row(body, [x.entry, x.problems ? problemText(x.problems) : x.message]);
  } catch (e) {
    showError(e, $('photos-msg'));
  }
});

api('/me').then(() => $('roster-box').classList.remove('hidden'))
  .catch(() => $('login-needed').classList.remove('hidden'));
