// The application form, step by step: 申请人类别 → 证件信息 → 监护人（未成年人时）→ 材料与照片
// → 服务银行与提交. Every change is checked by the same rules the server runs (wasm
// `validateApplication`), each problem shown next to its field. The photo is cropped and
// compressed on the phone to the official 358×441 JPEG and checked before upload. The draft
// (form values, upload ids and the idempotency key) stays on this device, so a retry after a
// lost answer never creates a second application; the photo itself is kept in IndexedDB only.
import init, * as ecard from '../pkg/rules.js';
import { api, $, setupLargeText, registerServiceWorker, showError, formatTime, load, save, remove } from './common.js';

setupLargeText($('large'));
registerServiceWorker();

const DRAFT = 'application_draft_v2';
const PHOTO_KEY = 'application_photo';
/** The photo rules' defaults (docs/APPLICATION.md, RulesConfig.photo). */
const PHOTO = { width: 358, height: 441, minBytes: 14 * 1024, maxBytes: 40 * 1024 };
const STEPS = [
  { id: 'category', label: '申请人类别' },
  { id: 'document', label: '证件信息' },
  { id: 'guardian', label: '监护人' },
  { id: 'materials', label: '材料与照片' },
  { id: 'bank', label: '服务银行与提交' },
];

const form = $('apply');
let options;
let verdict = { ok: false, problems: [], materials: [], minor: false };
let draft = readDraft();
let step = STEPS.some((s) => s.id === draft.step) ? draft.step : 'category';
/** Steps the applicant has tried to leave: their empty fields count as problems from then on. */
const shownSteps = new Set(draft.shownSteps || []);
const touched = new Set();

function readDraft() {
  try {
    const d = JSON.parse(localStorage.getItem(DRAFT)) || {};
    return { fields: {}, uploads: {}, ...d };
  } catch {
    return { fields: {}, uploads: {} };
  }
}

function writeDraft() {
  draft.fields = readFields();
  draft.step = step;
  draft.shownSteps = [...shownSteps];
  localStorage.setItem(DRAFT, JSON.stringify(draft));
}

function idempotencyKey() {
  if (!draft.key) {
    draft.key = crypto.randomUUID();
    writeDraft();
  }
  return draft.key;
}

/** The named, non-file inputs' values by dot path. */
function readFields() {
  const out = {};
  for (const el of form.elements) {
    if (el.name && el.type !== 'file') out[el.name] = el.value;
  }
  return out;
}

function setPath(obj, path, value) {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys.at(-1)] = value;
}

/** The `ApplicationForm` JSON for the current inputs: only the parts that apply, no empty values. */
function buildForm() {
  const f = readFields();
  const category = f.category;
  const form = {};
  const put = (path) => {
    const v = (f[path] || '').trim();
    if (v) setPath(form, path, v);
  };
  ['category', 'name', 'phone', 'document.kind', 'document.number', 'birth_date', 'service_bank', 'channel'].forEach(put);
  if (category === 'foreigner') put('nationality');
  if (category && category !== 'citizen') {
    const basis = f['henan_link.basis'];
    if (basis === 'employed') {
      form.henan_link = { basis, employer: {} };
      put('henan_link.employer.name');
      put('henan_link.employer.uscc');
    } else if (basis === 'insured') {
      form.henan_link = { basis };
      put('henan_link.insurance_number');
    }
  }
  if (verdict.minor) {
    form.guardian = {};
    ['guardian.name', 'guardian.id_number', 'guardian.relation', 'guardian.proof'].forEach(put);
  }
  if (f.channel === 'employer' || f.channel === 'school') {
    form.agent = {};
    put('agent.name');
    put('agent.uscc');
  }
  const required = new Set(verdict.materials.filter((m) => !m.waived).map((m) => m.kind));
  const materials = Object.fromEntries(
    Object.entries(draft.uploads).filter(([k, u]) => u && u.id && (required.size === 0 || required.has(k))).map(([k, u]) => [k, u.id]),
  );
  if (Object.keys(materials).length) form.materials = materials;
  return form;
}

function stepOf(field) {
  if (/^(category|name|phone)$/.test(field)) return 'category';
  if (/^(document|birth_date|nationality|henan_link)/.test(field)) return 'document';
  if (field.startsWith('guardian')) return 'guardian';
  if (field.startsWith('materials')) return 'materials';
  return 'bank';
}

function visibleSteps() {
  return STEPS.filter((s) => s.id !== 'guardian' || verdict.minor);
}

/** The element a problem belongs next to: the input named by its path, or the nearest parent. */
function fieldElement(path) {
  for (let p = path; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const el = form.querySelector(`[name="${p}"]`) || form.querySelector(`[data-field="${p}"]`);
    if (el && !el.closest('.hidden')) return el;
  }
  return null;
}

function hintFor(el) {
  return el.closest('label')?.querySelector('.hint') || el.querySelector?.('.hint');
}

function validate() {
  const f = buildForm();
  try {
    verdict = ecard.validateApplication(f, Date.now());
  } catch (e) {
    verdict = { ok: false, problems: [{ field: '', code: e.code || 'FORM_MALFORMED', message: e.message }], materials: verdict.materials, minor: verdict.minor };
  }
  render();
  return verdict;
}

/** Shows each problem next to its field, for the fields touched or on steps already left. */
function render() {
  updateVisibility();
  form.querySelectorAll('.hint').forEach((h) => { h.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  const list = $('problems');
  list.innerHTML = '';
  for (const p of verdict.problems) {
    const shown = touched.has(p.field) || shownSteps.has(stepOf(p.field)) || (p.code !== 'REQUIRED' && p.code !== 'MATERIAL_MISSING');
    if (!shown) continue;
    const el = fieldElement(p.field);
    const hint = el && hintFor(el);
    if (hint) {
      hint.textContent = hint.textContent ? `${hint.textContent}；${p.message}` : p.message;
      if (el.matches('input, select')) el.setAttribute('aria-invalid', 'true');
    }
    if (shownSteps.has('bank')) {
      const li = document.createElement('li');
      const label = STEPS.find((s) => s.id === stepOf(p.field)).label;
      li.textContent = `${label}：${p.message}`;
      li.dataset.field = p.field;
      list.appendChild(li);
    }
  }
  renderMaterials();
  renderSteps();
}

function updateVisibility() {
  const f = readFields();
  const cat = f.category;
  $('nationality-box').classList.toggle('hidden', cat !== 'foreigner');
  $('henan-link-box').classList.toggle('hidden', !cat || cat === 'citizen');
  $('employer-box').classList.toggle('hidden', f['henan_link.basis'] !== 'employed');
  $('insured-box').classList.toggle('hidden', f['henan_link.basis'] !== 'insured');
  $('agent-box').classList.toggle('hidden', f.channel !== 'employer' && f.channel !== 'school');
  if (step === 'guardian' && !verdict.minor) step = 'materials';
}

function renderSteps() {
  const steps = visibleSteps();
  const ol = $('steps');
  ol.innerHTML = '';
  steps.forEach((s, i) => {
    const li = document.createElement('li');
    li.textContent = `${i + 1} ${s.label}`;
    li.dataset.step = s.id;
    if (s.id === step) li.setAttribute('aria-current', 'step');
    ol.appendChild(li);
  });
  form.querySelectorAll('fieldset.step').forEach((fs) => {
    fs.classList.toggle('hidden', fs.dataset.step !== step);
    const n = steps.findIndex((s) => s.id === fs.dataset.step);
    if (n >= 0) fs.querySelector('legend').textContent = `第 ${n + 1} 步 ${steps[n].label}`;
  });
  const i = steps.findIndex((s) => s.id === step);
  $('prev').disabled = i <= 0;
  $('next').classList.toggle('hidden', i === steps.length - 1);
  form.dataset.step = step;
}

/** One file input per required material other than the photo, each uploaded as it is. */
function renderMaterials() {
  const box = $('materials');
  const wanted = verdict.materials.filter((m) => m.kind !== 'photo');
  const key = wanted.map((m) => `${m.kind}:${m.waived}`).join(',');
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    box.innerHTML = '';
    for (const m of wanted) {
      const label = document.createElement('label');
      label.dataset.field = `materials.${m.kind}`;
      label.className = 'material';
      label.append(m.label + (m.waived ? '（已通过数据共享核验，免交）' : ''));
      const input = document.createElement('input');
      input.type = 'file';
      input.accept = 'image/*,application/pdf';
      input.name = `materials.${m.kind}`;
      input.disabled = m.waived;
      input.addEventListener('change', () => input.files[0] && uploadMaterial(m.kind, input.files[0]));
      const state = document.createElement('span');
      state.className = 'note upload-state';
      const hint = document.createElement('span');
      hint.className = 'hint';
      label.append(input, state, hint);
      box.appendChild(label);
    }
  }
  for (const label of box.querySelectorAll('label.material')) {
    const kind = label.dataset.field.slice('materials.'.length);
    const u = draft.uploads[kind];
    label.querySelector('.upload-state').textContent = u ? `已上传：${u.name}（${Math.ceil(u.bytes / 1024)} KB）` : '';
  }
  const photo = draft.uploads.photo;
  if (photo && !$('photo-verdict').textContent) $('photo-verdict').textContent = `照片已上传（${Math.ceil(photo.bytes / 1024)} KB）`;
  $('photo-box').classList.toggle('hidden', verdict.materials.length > 0 && !verdict.materials.some((m) => m.kind === 'photo' && !m.waived));
}

/** Sends a file body to `/api/uploads?kind=…`; answers `{ id, kind, bytes }`. */
const upload = (kind, blob) => api(`/uploads?kind=${encodeURIComponent(kind)}`, { method: 'POST', body: blob, timeoutMs: null });

async function uploadMaterial(kind, file, stateEl) {
  const label = form.querySelector(`[data-field="materials.${kind}"]`);
  const state = stateEl || label?.querySelector('.upload-state');
  if (state) state.textContent = '正在上传…';
  try {
    const u = await upload(kind, file);
    draft.uploads[kind] = { id: u.id, name: file.name || kind, bytes: u.bytes ?? file.size };
    touched.add(`materials.${kind}`);
    writeDraft();
    validate();
    return true;
  } catch (e) {
    if (state) state.textContent = '';
    const hint = label && hintFor(label);
    if (hint) hint.textContent = e.message;
    if (e.status === 401) location.href = '/login.html?next=/apply.html';
    return false;
  }
}

/** Crops the picture to the photo's aspect ratio (centre), scales it onto a white 358×441 canvas. */
async function cropPhoto(file) {
  const bitmap = await createImageBitmap(file);
  const { width: W, height: H } = PHOTO;
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const target = W / H;
  let sw = bitmap.width;
  let sh = bitmap.height;
  if (sw / sh > target) sw = sh * target; else sh = sw / target;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, (bitmap.width - sw) / 2, (bitmap.height - sh) / 2, sw, sh, 0, 0, W, H);
  bitmap.close?.();
  return canvas;
}

const toJpeg = (canvas, quality) => new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));

/** The best JPEG quality whose file is within the size range (highest quality that is not too large). */
async function encodePhoto(canvas) {
  let best = null;
  for (let q = 0.95; q >= 0.2; q -= 0.05) {
    const blob = await toJpeg(canvas, q);
    best = blob;
    if (blob.size <= PHOTO.maxBytes) break;
  }
  if (best.size < PHOTO.minBytes) {
    const top = await toJpeg(canvas, 1);
    if (top.size <= PHOTO.maxBytes) best = top;
  }
  return best;
}

async function showPhoto(blob) {
  const img = $('photo-preview');
  if (img.src) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(blob);
  img.classList.remove('hidden');
  await img.decode().catch(() => {});
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const r = ecard.checkPhoto(bytes);
  $('photo-info').textContent = `${r.width ?? '?'}×${r.height ?? '?'} 像素，${(r.bytes / 1024).toFixed(1)} KB` +
    (r.white_percent != null ? `，背景白色 ${r.white_percent}%` : '');
  const v = $('photo-verdict');
  v.className = r.ok ? 'msg ok' : 'msg error';
  v.textContent = r.ok ? '照片符合要求' : r.problems.map((p) => p.message).join('；');
  return r;
}

async function takePhoto(file) {
  const v = $('photo-verdict');
  v.className = 'msg';
  v.textContent = '正在处理照片…';
  let blob;
  try {
    blob = await encodePhoto(await cropPhoto(file));
  } catch {
    v.className = 'msg error';
    v.textContent = '无法读取这张图片，请换一张重试';
    return;
  }
  const r = await showPhoto(blob);
  if (!r.ok) return;
  await save(PHOTO_KEY, blob).catch(() => {});
  const uploaded = await uploadMaterial('photo', new File([blob], 'photo.jpg', { type: 'image/jpeg' }));
  if (uploaded) {
    v.className = 'msg ok';
    v.textContent = '照片符合要求，已上传';
  }
}

function go(delta) {
  const steps = visibleSteps();
  const i = steps.findIndex((s) => s.id === step);
  if (delta > 0) {
    shownSteps.add(step);
    validate();
    const blocking = verdict.problems.filter((p) => stepOf(p.field) === step);
    if (blocking.length) {
      $('msg').className = 'msg error';
      $('msg').textContent = `请先完成本步骤：${blocking.map((p) => p.message).join('；')}`;
      fieldElement(blocking[0].field)?.focus?.();
      writeDraft();
      return;
    }
  }
  $('msg').className = '';
  $('msg').textContent = '';
  const next = steps[Math.max(0, Math.min(steps.length - 1, i + delta))];
  step = next.id;
  if (step === 'bank') shownSteps.add('bank');
  writeDraft();
  render();
  $('form-box').scrollIntoView({ block: 'start' });
}

function showApplication(a) {
  $('status-box').classList.remove('hidden');
  $('status').textContent = `编号 #${a.id}：${a.status_label}`;
  const reason = $('reject-reason');
  reason.classList.toggle('hidden', !a.reject_reason);
  reason.textContent = a.reject_reason ? `驳回原因：${a.reject_reason}` : '';
  const tl = $('timeline');
  tl.innerHTML = '';
  for (const e of a.timeline || []) {
    const li = document.createElement('li');
    li.textContent = `${formatTime(e.at)} ${e.label}${e.note ? '：' + e.note : ''}`;
    tl.appendChild(li);
  }
  // A rejected applicant may correct the form and apply again (a new idempotency key).
  $('form-box').classList.toggle('hidden', a.status !== 'rejected');
}

async function submit() {
  shownSteps.add('bank');
  STEPS.forEach((s) => shownSteps.add(s.id));
  const r = validate();
  const msg = $('msg');
  msg.textContent = '';
  msg.className = '';
  if (!r.ok) {
    msg.textContent = '还有内容需要补充或更正，请查看标红的项目';
    msg.className = 'msg error';
    const first = r.problems[0];
    if (first) {
      step = stepOf(first.field);
      if (step === 'guardian' && !verdict.minor) step = 'bank';
      render();
    }
    writeDraft();
    return;
  }
  $('submit').disabled = true;
  try {
    const a = await api('/applications', { method: 'POST', body: buildForm(), headers: { 'Idempotency-Key': idempotencyKey() } });
    localStorage.removeItem(DRAFT);
    await remove(PHOTO_KEY).catch(() => {});
    showApplication(a);
  } catch (e) {
    if (e.status === 401) { location.href = '/login.html?next=/apply.html'; return; }
    if (e.problems && e.problems.length) {
      verdict = { ...verdict, ok: false, problems: e.problems };
      render();
    }
    if (e.status === 409) {
      // The earlier attempt may have been stored after all: show it if so.
      const shown = await loadApplications().catch(() => false);
      if (shown) return;
    }
    showError(e, msg);
  } finally {
    $('submit').disabled = false;
  }
}

async function loadApplications() {
  const { applications } = await api('/applications');
  const latest = applications[0];
  if (!latest) return false;
  showApplication(latest);
  return true;
}

function fillSelect(select, items, placeholder) {
  select.innerHTML = '';
  if (placeholder) select.append(new Option(placeholder, ''));
  for (const [value, label] of items) select.append(new Option(label, value));
}

function fillDocuments() {
  const cat = options.categories.find((c) => c.value === form.elements.category.value);
  const sel = form.elements['document.kind'];
  const keep = sel.value;
  fillSelect(sel, (cat ? cat.documents : []).map((d) => [d.value, d.label]), cat ? null : '请先选择申请人类别');
  if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
}

async function main() {
  await init();
  const w = ecard.windowStatus(Date.now());
  $('window').textContent = w.message;
  options = ecard.applicationOptions();
  fillSelect(form.elements.category, options.categories.map((c) => [c.value, c.label]), '请选择');
  fillSelect(form.elements.service_bank, [['assign', '由人社部门指定'], ...options.banks.map((b) => [b.code, b.name])]);

  // Restore the draft: category first (it decides the document kinds), then the rest.
  const saved = draft.fields || {};
  if (saved.category) form.elements.category.value = saved.category;
  fillDocuments();
  for (const [k, v] of Object.entries(saved)) {
    const el = form.elements[k];
    if (el && el.type !== 'file' && k !== 'category') el.value = v;
  }
  for (const k of Object.keys(saved)) if (saved[k]) touched.add(k);
  const photo = await load(PHOTO_KEY).catch(() => null);
  if (photo instanceof Blob && draft.uploads.photo) await showPhoto(photo);

  let timer;
  const onInput = (ev) => {
    if (ev.target.name) touched.add(ev.target.name);
    if (ev.target.name === 'category') fillDocuments();
    clearTimeout(timer);
    timer = setTimeout(() => { validate(); writeDraft(); }, ev.type === 'change' ? 0 : 250);
  };
  form.addEventListener('input', onInput);
  form.addEventListener('change', onInput);
  $('photo-input').addEventListener('change', (ev) => {
    ev.stopPropagation();
    const file = ev.target.files[0];
    if (file) takePhoto(file);
  });
  $('prev').addEventListener('click', () => go(-1));
  $('next').addEventListener('click', () => go(1));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
  validate();
  try {
    await loadApplications();
  } catch (e) {
    if (e.status === 401) location.href = '/login.html?next=/apply.html';
  }
  form.dataset.ready = '1';
}

main().catch((e) => showError(e, $('msg')));
