// The gate: verifies e-card codes in wasm with no network. What must survive a reload lives in
// IndexedDB: the pinned root key, the synced bundles, the set of codes already used, today's
// counts and the queue of scan logs waiting to be uploaded.
import init, { Gate, decodeQr } from '../pkg/gate.js';
import { api, $, load, save, setupLargeText, registerServiceWorker, formatTime, DATA_LOSS_NOTE } from './common.js';

setupLargeText($('large'));
registerServiceWorker();

const SCENE_ZH = { museum: '博物馆', library: '图书馆', scenic_area: '景区', general: '通用' };
const MAX_DELTAS = 30;
/**
 * Set once this gate has stored a used-code set: from then on, finding none means it was lost.
 * Kept outside IndexedDB, in two places: localStorage (Chrome writes it to disk seconds later)
 * and an empty file in the origin's private file system (on disk once created).
 */
const REPLAY_STORED = 'gate_replay_stored';
let replayStoredMarked = false;

/** Never fails: each place that cannot be written leaves the other. */
async function markReplayStored() {
  try {
    localStorage.setItem(REPLAY_STORED, '1');
  } catch { /* localStorage full: the file alone */ }
  try {
    await (await navigator.storage.getDirectory()).getFileHandle(REPLAY_STORED, { create: true });
  } catch { /* no private file system: localStorage alone */ }
  replayStoredMarked = true;
}

async function replayStoredBefore() {
  if (localStorage.getItem(REPLAY_STORED)) return true;
  try {
    await (await navigator.storage.getDirectory()).getFileHandle(REPLAY_STORED);
    return true;
  } catch {
    return false;
  }
}
let gate;
let root;

function gateId() {
  let id = localStorage.getItem('gate_id');
  if (!id) {
    id = 'gate-' + crypto.randomUUID();
    localStorage.setItem('gate_id', id);
  }
  return id;
}

async function rootKey() {
  let key = await load('gate_root');
  if (!key) {
    // Provisioning: a production gate has the root key installed; here it is fetched once.
    key = (await api('/gates/root')).root_public_key;
    await save('gate_root', key);
  }
  return key;
}

/** The venue this gate belongs to (a number), or null for a gate that checks codes only. */
function venueId() {
  const v = $('venue').value.trim();
  return /^[0-9]{1,9}$/.test(v) ? Number(v) : null;
}

/** The venue's gate token, sent with every request for the venue's data. */
function venueAuth() {
  return { authorization: `Bearer ${$('token').value.trim()}` };
}

let rebuilds = 0;

/**
 * Replaces the gate with a fresh one (another scene or venue) and frees the old one's wasm
 * memory now: its key tables take about 0.7 MB. Rebuilds can overlap (a token and a venue
 * changed one after the other): only the last one started is kept, and each gate is freed once.
 */
async function rebuildGate() {
  const mine = ++rebuilds;
  const fresh = await buildGate();
  if (mine !== rebuilds) {
    fresh.free();
    return;
  }
  const old = gate;
  // Codes the old gate admitted while the new one was being built (it restored the stored set
  // before they were saved) stay used: its set is carried over, with no await in between (a
  // loss the new one found stays marked: the core keeps it across a restore).
  if (old) fresh.restoreReplay(old.saveReplay(), Date.now());
  gate = fresh;
  old?.free();
}

/**
 * A fresh gate with every stored bundle applied in order and the replay set restored. A set
 * that is unreadable, or missing after this gate stored one (the browser reset its database),
 * leaves the gate unable to tell which codes it admitted: the set is marked lost now, so codes
 * that could have been used are refused until their time is up, and stored before any scan.
 */
async function buildGate() {
  const policy = { scene: $('scene').value };
  if (venueId() !== null) policy.venue_id = venueId();
  const g = new Gate(root, policy);
  for (const bytes of (await load('gate_bundles')) || []) {
    try { g.loadBundle(bytes, Date.now()); } catch { /* a stored bundle older than the rest */ }
  }
  const replay = await load('gate_replay');
  // Read after the database was opened: the open is what notes a reset.
  const reset = localStorage.getItem(DATA_LOSS_NOTE);
  let lost = false;
  if (replay) {
    try {
      g.restoreReplay(replay, Date.now());
    } catch {
      lost = true; // the gate marked its set lost
    }
  } else if (reset !== null || await replayStoredBefore()) {
    g.markReplayLost(Date.now());
    lost = true;
  }
  if (lost) {
    await markReplayStored();
    // A gate that cannot store the mark still starts: the mark holds in its memory, and every
    // admission stores the set with it (or is not let through).
    await save('gate_replay', g.saveReplay()).catch(() => {});
  }
  if (reset !== null) localStorage.removeItem(DATA_LOSS_NOTE);
  return g;
}

let replayLostTimer;

/** While codes from before a loss of the used-code set are refused, says why, and until when. */
function showReplayLost() {
  const now = Date.now();
  const until = gate.replayLostUntil(now);
  const el = $('replay-lost');
  el.classList.toggle('hidden', until === undefined);
  clearTimeout(replayLostTimer);
  if (until === undefined) return;
  el.textContent = `本机的已用码记录于 ${formatTime(gate.replayLostAt() / 1000)} 丢失（浏览器存储被重置或损坏）。`
    + `为防止一码多次入场，此前生成的二维码不予通过：请持卡人等手机上的二维码刷新后再扫。`
    + `${formatTime(until / 1000)} 后恢复正常。`;
  replayLostTimer = setTimeout(showReplayLost, until - now + 1000);
}

function showStatus(extra = '') {
  showReplayLost();
  const s = gate.syncStatus(Date.now());
  $('sync-status').textContent = s.trust_version
    ? `数据版本：信任列表 v${s.trust_version}，吊销列表 v${s.revocation_version}（${s.revoked_count} 张）· 生成于 ${formatTime(s.issued_at)} ${extra}`
    : `尚未同步 ${extra}`;
  const day = Math.floor((Date.now() / 1000 + 8 * 3600) / 86400);
  const today = (s.manifests || []).find((m) => m.day === day);
  $('manifest-status').textContent = venueId() === null
    ? '未设置场馆：不核对预约'
    : today
      ? `预约名单：${today.entries} 条（生成于 ${formatTime(today.issued_at)}，之后的新预约需再次同步）`
      : '尚无本场馆今日预约名单：请联网同步';
  const stale = $('stale');
  stale.classList.toggle('hidden', !s.stale);
  if (s.stale) {
    stale.textContent = s.usable_until
      ? `数据已于 ${formatTime(s.usable_until)} 过期：在重新同步前，闸机将拒绝所有二维码。请联网同步。`
      : '尚未同步：闸机将拒绝所有二维码，请联网同步。';
  }
}

/**
 * Fetches and applies what changed since the last sync, one sync at a time (two at once would
 * both fetch the same delta, and the second would fail to apply it).
 */
const sync = oneAtATime(async () => {
  const stored = (await load('gate_bundles')) || [];
  const since = stored.length && stored.length < MAX_DELTAS ? gate.syncStatus(Date.now()).revocation_version : 0;
  const venue = venueId();
  // A request that hangs ends (TIMEOUT), or every later sync would queue behind it; a whole
  // province's bundle on a slow line goes on as long as it keeps arriving.
  const { bytes } = venue === null
    ? await api(`/gates/bundle?since=${since}`, { binary: true })
    : await api(`/gates/bundle?since=${since}&venue=${venue}`, { binary: true, headers: venueAuth() });
  gate.loadBundle(bytes, Date.now());
  await save('gate_bundles', since === 0 ? [bytes] : [...stored, bytes]);
  showStatus('· 已同步');
});

/** Today's admitted and refused counts, after counting `update` ('admitted' or 'refused') if given. */
async function counts(update) {
  const today = new Date().toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai' });
  const c = await changeStored('gate_counts', (stored) => {
    const day = stored?.date === today ? stored : { date: today, admitted: 0, refused: 0 };
    return update ? { ...day, [update]: day[update] + 1 } : day;
  });
  $('admitted').textContent = c.admitted;
  $('refused').textContent = c.refused;
}

const changing = {};

/**
 * Reads `key` from the gate's storage, applies `change` and stores the result, one change per
 * key at a time: a scan queueing its log and an upload removing the sent ones would otherwise
 * each write back what they read, and the other's change would be lost.
 */
function changeStored(key, change) {
  const step = (changing[key] ?? Promise.resolve()).then(async () => {
    const value = change(await load(key));
    await save(key, value);
    return value;
  });
  changing[key] = step.catch(() => {});
  return step;
}

async function changeLogs(change) {
  const logs = await changeStored('gate_logs', (logs) => change(logs || []));
  $('pending').textContent = logs.length;
}

function queueLog(v, at) {
  const log = { log_id: crypto.randomUUID(), serial: v.serial || undefined, result: v.code, scanned_at: at };
  return changeLogs((logs) => [...logs, log]);
}

/**
 * `task` one run at a time: a call made during a run is answered by one more run after it
 * (calls made during the same run share it), so nothing queued meanwhile is left behind.
 */
function oneAtATime(task) {
  let running = null;
  let again = null;
  const run = () => {
    if (!running) {
      running = task().finally(() => { running = null; });
      return running;
    }
    again ??= running.catch(() => {}).then(() => {
      again = null;
      return run();
    });
    return again;
  };
  return run;
}

/** Sends up to 500 queued logs; the server ignores a log id it already has. */
const uploadLogs = oneAtATime(async () => {
  const logs = (await load('gate_logs')) || [];
  if (!logs.length || !navigator.onLine) return;
  const batch = logs.slice(0, 500);
  const venue = venueId();
  const body = { gate_id: gateId(), logs: batch };
  if (venue !== null) body.venue_id = venue;
  await api('/gates/scans', { method: 'POST', body, headers: venue === null ? {} : venueAuth() });
  // Exactly the logs sent are removed: others may have been queued meanwhile.
  const sent = new Set(batch.map((l) => l.log_id));
  await changeLogs((all) => all.filter((l) => !sent.has(l.log_id)));
});

let audio;
function beep(ok) {
  try {
    audio = audio || new AudioContext();
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = ok ? 1320 : 220;
    o.type = ok ? 'sine' : 'square';
    g.gain.value = 0.2;
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + (ok ? 0.15 : 0.6));
  } catch { /* no sound device */ }
}

let hideTimer;
function showVerdict(v) {
  const el = $('verdict');
  el.className = `verdict fullscreen ${v.admitted ? 'admit' : 'deny'}`;
  el.innerHTML = '';
  const main = document.createElement('div');
  main.textContent = v.admitted ? '✔ 验证通过' : '✘ 不能通过';
  const detail = document.createElement('small');
  detail.textContent = v.admitted
    ? `${v.holder.masked_name} · ${v.holder.age_band_label} · ${SCENE_ZH[v.scene]}${v.entry ? ` · ${v.entry.label}` : ''}`
    : v.message;
  el.append(main, detail);
  if (v.reader) {
    // Library desk mode: the reader id for the library's own system, never an ID number.
    const reader = document.createElement('small');
    reader.className = 'reader';
    reader.textContent = `读者号 ${v.reader.reader_id} · 可借 ${v.reader.loan_limit} 册`;
    el.append(reader);
    $('reader-id').textContent = v.reader.reader_id;
  }
  el.dataset.code = v.code;
  clearTimeout(hideTimer);
  hideTimer = setTimeout(() => { el.className = 'verdict'; }, 2500);
}

/**
 * An admitted code whose use could not be stored is not let through: after a reload the gate
 * would admit it again. It stays used in this gate's memory; the phone shows a new code within
 * 30 s.
 */
function notStored(v, e) {
  return {
    admitted: false,
    code: 'STORAGE_FAILED',
    message: `${e.name === 'QuotaExceededError' ? '本机存储空间已满' : `本机存储写入失败（${e.name || e.message}）`}，未放行：请清理本机存储空间，并请持卡人稍后出示新的二维码`,
    holder: v.holder,
    scene: v.scene,
    serial: v.serial,
  };
}

async function scan(text) {
  const at = Math.floor(Date.now() / 1000);
  let v = gate.verify(text, Date.now());
  // The used-code set is stored before the gate opens, so a reload never reopens a replay.
  if (v.admitted) {
    try {
      // Marked first: a set that is then missing reads as lost, never as a gate that admitted
      // nothing.
      if (!replayStoredMarked) await markReplayStored();
      await save('gate_replay', gate.saveReplay());
    } catch (e) {
      v = notStored(v, e);
    }
  }
  showVerdict(v);
  beep(v.admitted);
  // The count and the log are stored apart: one that fails does not lose the other.
  const stored = await Promise.allSettled([counts(v.admitted ? 'admitted' : 'refused'), queueLog(v, at)]);
  uploadLogs().catch(() => {});
  const failed = stored.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return v;
}

/** Greyscale of an image's pixels, for the wasm QR decoder. */
function luma(image) {
  const { width, height, data } = image;
  const out = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < out.length; i += 1, p += 4) {
    out[i] = (data[p] * 299 + data[p + 1] * 587 + data[p + 2] * 114) / 1000;
  }
  return out;
}

/** Decodes the code in a picture (a camera frame or an image file) and verifies it. */
async function scanImage(source) {
  const bitmap = source instanceof Blob ? await createImageBitmap(source) : source;
  const w = bitmap.width || bitmap.videoWidth;
  const h = bitmap.height || bitmap.videoHeight;
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0, w, h);
  const texts = decodeQr(luma(ctx.getImageData(0, 0, w, h)), w, h);
  if (!texts.length) return null;
  return scan(texts[0]);
}

async function startCamera() {
  const video = $('camera');
  video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  await video.play();
  video.classList.remove('hidden');
  let last = '';
  let lastAt = 0;
  const frame = async () => {
    try {
      if (video.readyState >= 2) {
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const ctx = canvas.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(video, 0, 0);
        const [text] = decodeQr(luma(ctx.getImageData(0, 0, canvas.width, canvas.height)), canvas.width, canvas.height);
        // The same code held in front of the camera is verified once, not on every frame.
        if (text && (text !== last || Date.now() - lastAt > 5000)) {
          last = text;
          lastAt = Date.now();
          await scan(text);
        }
      }
    } catch (e) {
      // One failed frame or scan (storage full, say) must not stop the camera for good.
      showStatus(`· 扫码出错：${e.message}`);
    } finally {
      setTimeout(frame, 150);
    }
  };
  frame();
}

async function main() {
  $('scene').value = localStorage.getItem('gate_scene') || 'museum';
  $('venue').value = localStorage.getItem('gate_venue') || '';
  $('token').value = localStorage.getItem('gate_token') || '';
  // The stored root key is read while the wasm package starts.
  [, root] = await Promise.all([init(), rootKey()]);
  gate = await buildGate();
  showStatus();
  await counts();
  $('pending').textContent = ((await load('gate_logs')) || []).length;
  $('scene').onchange = async () => {
    localStorage.setItem('gate_scene', $('scene').value);
    await rebuildGate();
    showStatus();
  };
  // Another venue: the stored bundles carry the old venue's bookings, so start over.
  const changeVenue = async () => {
    localStorage.setItem('gate_venue', $('venue').value.trim());
    localStorage.setItem('gate_token', $('token').value.trim());
    await save('gate_bundles', []);
    await rebuildGate();
    showStatus();
    if (navigator.onLine) await sync().catch((e) => showStatus(`· 同步失败：${e.message}`));
  };
  $('venue').onchange = changeVenue;
  $('token').onchange = changeVenue;
  $('sync').onclick = () => sync().catch((e) => showStatus(`· 同步失败：${e.message}`));
  const input = $('scan');
  input.addEventListener('keydown', async (ev) => {
    if (ev.key !== 'Enter') return;
    const text = input.value;
    input.value = '';
    if (text.trim()) await scan(text).catch((e) => showStatus(`· 扫码出错：${e.message}`));
  });
  // Keep the scanner's keystrokes going to the input.
  document.addEventListener('click', () => input.focus());
  window.addEventListener('online', () => { sync().catch(() => {}); uploadLogs().catch(() => {}); });
  setInterval(() => { if (navigator.onLine) { sync().catch(() => {}); uploadLogs().catch(() => {}); } }, 5 * 60_000);
  $('camera-start').onclick = () => startCamera().catch((e) => showStatus(`· 摄像头不可用：${e.message}`));
  // Entry points for image input (and the end-to-end tests).
  window.gateScan = scan;
  window.gateScanImage = scanImage;
  window.gateUploadLogs = uploadLogs;
  // The gate scans with what it has stored from the start; the sync runs behind it, so a
  // network that answers nothing does not keep the camera off.
  if (navigator.onLine) sync().catch((e) => showStatus(`· 同步失败：${e.message}`));
}

main().catch((e) => {
  $('verdict').className = 'verdict deny';
  $('verdict').textContent = `${e.code || 'ERROR'}: ${e.message}`;
});
