// The application form: live checks through the wasm rules, a draft kept on this device, and
// a submission with an idempotency key that stays the same across retries, so a lost answer
// never creates a second application.
import init, * as ecard from '../pkg/ecard.js';
import { api, $, setupLargeText, registerServiceWorker, showError, formatTime } from './common.js';

setupLargeText($('large'));
registerServiceWorker();
const DRAFT = 'application_draft';
const form = $('apply');

function readDraft() {
  try { return JSON.parse(localStorage.getItem(DRAFT)) || {}; } catch { return {}; }
}

function writeDraft() {
  const d = readDraft();
  d.fields = Object.fromEntries(new FormData(form));
  localStorage.setItem(DRAFT, JSON.stringify(d));
}

function idempotencyKey() {
  const d = readDraft();
  if (!d.key) {
    d.key = crypto.randomUUID();
    localStorage.setItem(DRAFT, JSON.stringify(d));
  }
  return d.key;
}

function showApplication(a) {
  $('status-box').classList.remove('hidden');
  $('status').textContent = `编号 #${a.id}：${a.status_label}${a.reject_reason ? `（原因：${a.reject_reason}）` : ''}`;
  const tl = $('timeline');
  tl.innerHTML = '';
  for (const e of a.timeline) {
    const li = document.createElement('li');
    li.textContent = `${formatTime(e.at)} ${e.label}${e.note ? '：' + e.note : ''}`;
    tl.appendChild(li);
  }
  $('form-box').classList.toggle('hidden', a.status !== 'rejected');
}

async function main() {
  await init();
  if (ecard.windowStatus) $('window').textContent = ecard.windowStatus(Date.now()).message;
  for (const [k, v] of Object.entries(readDraft().fields || {})) {
    if (form.elements[k]) form.elements[k].value = v;
  }
  form.addEventListener('input', writeDraft);
  form.elements.id_number.addEventListener('input', () => {
    const input = form.elements.id_number;
    const hint = input.closest('label').querySelector('.hint');
    if (input.value.length < 18 || !ecard.checkIdNumber) { hint.textContent = ''; return; }
    const r = ecard.checkIdNumber(input.value, Date.now());
    hint.textContent = r.ok ? '' : r.problems.map((p) => p.message).join('；');
    input.toggleAttribute('aria-invalid', !r.ok);
  });
  try {
    const { applications } = await api('/applications');
    if (applications.length) showApplication(applications[0]);
  } catch (e) {
    if (e.status === 401) location.href = '/login.html?next=/apply.html';
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    form.querySelectorAll('.hint').forEach((h) => { h.textContent = ''; });
    const body = Object.fromEntries(new FormData(form));
    if (!body.service_bank) delete body.service_bank;
    try {
      const a = await api('/applications', { method: 'POST', body, headers: { 'Idempotency-Key': idempotencyKey() } });
      localStorage.removeItem(DRAFT);
      showApplication(a);
    } catch (e) {
      showError(e, $('msg'));
    }
  });
}

main().catch((e) => showError(e, $('msg')));
