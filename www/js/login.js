// Citizen login and real-name registration. The ID number is checked in the browser by the same
// wasm rules the server enforces, so mistakes show before anything is sent.
import init, * as ecard from '../pkg/rules.js';
import { api, $, setupLargeText, registerServiceWorker, showError } from './common.js';

setupLargeText($('large'));
registerServiceWorker();
const ready = init();

function formData(form) {
  return Object.fromEntries(new FormData(form).entries());
}

function clearErrors(form) {
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  form.querySelectorAll('.hint').forEach((el) => { el.textContent = ''; });
}

const idInput = document.querySelector('#register [name="id_number"]');
idInput.addEventListener('input', async () => {
  await ready;
  const hint = idInput.closest('label').querySelector('.hint');
  if (idInput.value.length < 18 || !ecard.checkIdNumber) {
    hint.textContent = '';
    idInput.removeAttribute('aria-invalid');
    return;
  }
  const r = ecard.checkIdNumber(idInput.value, Date.now());
  hint.textContent = r.ok ? '' : r.problems.map((p) => p.message).join('；');
  if (r.ok) idInput.removeAttribute('aria-invalid'); else idInput.setAttribute('aria-invalid', 'true');
});

$('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(ev.target);
  try {
    await api('/citizens/login', { method: 'POST', body: formData(ev.target) });
    // Only a page of this site: `next` comes from the address bar.
    const next = new URLSearchParams(location.search).get('next') || '';
    location.href = /^\/[A-Za-z0-9_\-./]*$/.test(next) && !next.startsWith('//') ? next : '/ecard.html';
  } catch (e) {
    showError(e, $('login-msg'));
  }
});

$('register').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(ev.target);
  const data = formData(ev.target);
  try {
    await api('/citizens/register', { method: 'POST', body: data });
    await api('/citizens/login', { method: 'POST', body: { phone: data.phone, password: data.password } });
    location.href = '/apply.html';
  } catch (e) {
    showError(e, $('register-msg'));
  }
});
