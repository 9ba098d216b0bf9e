// Shared by every page: the API client, a tiny IndexedDB key-value store, the large-text mode
// (适老化) and the service worker that keeps the pages and the wasm package working offline.

/** How long a request may go with nothing arriving before it ends with `TIMEOUT`. */
const TIMEOUT_MS = 20_000;

/**
 * Calls the service with a JSON `body` or a file (a Blob). Throws an Error with `code`, `field`,
 * `status` and `problems` on a refusal; with code `OFFLINE` when there is no network; with code
 * `TIMEOUT` when for `timeoutMs` nothing arrived: neither the answer's start nor, for a `binary`
 * answer, its next part. A connected network that answers nothing, as in a crowd, must not leave
 * a page waiting for ever, while a large download on a slow line goes on as long as it moves.
 * `timeoutMs: null` waits for ever: a file sent takes as long as the line needs, and nothing of
 * the answer can arrive before it is all sent.
 */
export async function api(path, { method = 'GET', body, headers = {}, binary = false, timeoutMs = TIMEOUT_MS } = {}) {
  const abort = new AbortController();
  let timer;
  const moved = () => {
    clearTimeout(timer);
    if (timeoutMs !== null) timer = setTimeout(() => abort.abort(), timeoutMs);
  };
  moved();
  const init = { method, headers: { ...headers }, credentials: 'same-origin', signal: abort.signal };
  if (body instanceof Blob) {
    // A file is sent as it is, under its own type unless `headers` names one.
    init.headers['content-type'] ??= body.type || 'application/octet-stream';
    init.body = body;
  } else if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    let r;
    try {
      r = await fetch('/api' + path, init);
    } catch (e) {
      if (abort.signal.aborted) throw e;
      throw Object.assign(new Error('网络不可用，请稍后再试'), { code: 'OFFLINE' });
    }
    moved();
    if (r.ok && binary) return { bytes: await readAll(r, moved), headers: r.headers };
    const isJson = (r.headers.get('content-type') || '').includes('json');
    const data = isJson ? await r.json() : null;
    if (!r.ok) {
      throw Object.assign(new Error((data && data.message) || `请求失败（${r.status}）`), {
        code: data && data.code, field: data && data.field, status: r.status,
        problems: (data && data.problems) || [],
      });
    }
    return data;
  } catch (e) {
    if (abort.signal.aborted && e.status === undefined) {
      throw Object.assign(new Error('网络响应超时，请稍后再试'), { code: 'TIMEOUT' });
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** The whole body of `r`, calling `onPart` as each part arrives. */
async function readAll(r, onPart) {
  if (!r.body) return new Uint8Array(0);
  const reader = r.body.getReader();
  const parts = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    onPart();
    parts.push(value);
    length += value.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const DB_NAME = 'ecard';
let dbPromise = null;

/**
 * Where the pages note that the browser threw their database away: Chrome deletes a database it
 * finds corrupt (after a crash, a full disk) and says so only in that open's `upgradeneeded`
 * event (`dataLoss: 'total'`). The note outlives the event, whichever page of the origin opened
 * the database first; the gate reads it (its used codes were in there) and removes it.
 */
export const DATA_LOSS_NOTE = 'idb_data_loss';

/**
 * The page's one connection to its database, opened on first use: every read and write shares
 * it (opening one per call cost the e-card's first code a few milliseconds each and left the
 * connections open). Opened again after the browser closes it or another tab upgrades it.
 */
function openDb() {
  dbPromise ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = (e) => {
      if (e.dataLoss && e.dataLoss !== 'none') {
        localStorage.setItem(DATA_LOSS_NOTE, e.dataLossMessage || e.dataLoss);
      }
      req.result.createObjectStore('kv');
    };
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => {
        db.close();
        dbPromise = null;
      };
      db.onclose = () => {
        dbPromise = null;
      };
      resolve(db);
    };
    req.onerror = () => {
      dbPromise = null;
      reject(req.error);
    };
  });
  return dbPromise;
}

/** Reads a value stored on this device. */
export async function load(key) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const req = db.transaction('kv').objectStore('kv').get(key);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Writes are flushed to disk before they are acknowledged (`strict` durability). Chrome's default
 * since version 121 is `relaxed`: its `complete` event may fire while the data is still on its way
 * to disk, so a device that loses power just then loses a write the page already acted on (a gate
 * that let a code through would forget it was used).
 */
const DURABLE = { durability: 'strict' };

/** Stores a value on this device; resolves once the transaction is committed and on disk. */
export async function save(key, value) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction('kv', 'readwrite', DURABLE);
    tx.objectStore('kv').put(value, key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

/** Removes a stored value; resolves once the removal is committed and on disk. */
export async function remove(key) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction('kv', 'readwrite', DURABLE);
    tx.objectStore('kv').delete(key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

/** Large-text mode (适老化): a toggle remembered on this device. */
export function setupLargeText(button) {
  const apply = (on) => {
    document.documentElement.classList.toggle('large', on);
    if (button) button.setAttribute('aria-pressed', String(on));
  };
  apply(localStorage.getItem('largeText') === '1');
  if (button) {
    button.addEventListener('click', () => {
      const on = !document.documentElement.classList.contains('large');
      localStorage.setItem('largeText', on ? '1' : '0');
      apply(on);
    });
  }
}

/** Registers the service worker (pages and wasm cached for offline use). */
export function registerServiceWorker() {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
}

export const $ = (id) => document.getElementById(id);

export const fromHex = (h) => Uint8Array.from(h.match(/../g) || [], (b) => parseInt(b, 16));

/** Shows an error next to the form field it names, or in the page's message area. */
export function showError(e, area) {
  const field = e.field && document.querySelector(`[name="${e.field}"]`);
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    const hint = field.closest('label')?.querySelector('.hint');
    if (hint) hint.textContent = e.message;
  }
  if (area) {
    area.textContent = e.message;
    area.className = 'msg error';
  }
}

export function formatTime(unixSecs) {
  return new Date(unixSecs * 1000).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}
