// Shared by the browser tests: a real `ecard serve` on 127.0.0.1 with a fresh SQLite data
// directory, Debian's headless Chromium (playwright-core, no browser download), screenshots in
// tests/e2e/artifacts/, and the steps of the application form (www/apply.html).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = process.env.ECARD_BIN || join(ROOT, 'target/debug/ecard');
export const ARTIFACTS = join(ROOT, 'tests/e2e/artifacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
/** Headless, no sandbox (a container), and nothing that reaches the network on its own. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const REVIEWER_PASSWORD = 'review-pass-2026';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForServer(url, ms = 20_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url + '/api/time')).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

/** A valid resident ID number (GB 11643 check character) for a birth date. */
export function idNumber(prefix17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...prefix17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return prefix17 + '10X98765432'[sum % 11];
}

export async function shot(page, name, { fullPage = false } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return page.screenshot({ path: join(ARTIFACTS, name + '.png'), fullPage });
}

/**
 * Starts the service (with the reviewer `wang`) and the browser. Returns `{ base, browser,
 * newPage(ctx, path), stop() }`.
 */
export async function start({ www = join(ROOT, 'www') } = {}) {
  const data = mkdtempSync(join(tmpdir(), 'ecard-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data', data, '--www', www], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server.stderr.on('data', (d) => writeFileSync(join(data, 'server.log'), d, { flag: 'a' }));
  let browser;
  // Uncaught errors in any page opened through `newPage`: `stop` fails the file when there
  // are any, whether or not a test looked.
  const pageErrors = [];
  const stop = async () => {
    await browser?.close();
    server.kill('SIGTERM');
    rmSync(data, { recursive: true, force: true });
    if (pageErrors.length) throw new Error(`uncaught errors in the pages: ${pageErrors.join(' | ')}`);
  };
  try {
    await waitForServer(base);
    execFileSync(BIN, ['admin', 'add-reviewer', '--data', data, '--username', 'wang', '--display-name', '王审核'], {
      input: REVIEWER_PASSWORD + '\n',
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const newPage = async (ctx, path) => {
    const page = await ctx.newPage();
    // Uncaught errors in the page, for the tests to assert there are none.
    page.errors = [];
    page.on('pageerror', (e) => {
      console.error('page error:', e.message);
      page.errors.push(e.message);
      pageErrors.push(`${path}: ${e.message}`);
    });
    await page.goto(base + path);
    return page;
  };
  return { base, data, browser, newPage, stop };
}

/** Registers on the login page; the page then goes on to the application form. */
export async function register(page, { name, id, phone, password = 'abc12345' }) {
  await page.fill('#register [name=name]', name);
  await page.fill('#register [name=id_number]', id);
  await page.fill('#register [name=phone]', phone);
  await page.fill('#register [name=password]', password);
  await page.click('#register button[type=submit]');
  await page.waitForURL('**/apply.html');
  await page.waitForSelector('#apply[data-ready]');
}

/**
 * A phone-camera-like picture made in the page (canvas → PNG): white background, a dark,
 * textured ellipse for the head and shoulders. Returns the PNG bytes as a Buffer.
 */
export async function testPortrait(page, width = 800, height = 1000) {
  const b64 = await page.evaluate(async ([w, h]) => {
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    const img = ctx.getImageData(0, 0, w, h);
    let seed = 42;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
    const [cx, cy, rx, ry] = [w / 2, h * 0.6, w * 0.3, h * 0.38];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
        if (d > 1) continue;
        const i = (y * w + x) * 4;
        const v = 40 + rnd() * 90;
        img.data[i] = v + 30;
        img.data[i + 1] = v;
        img.data[i + 2] = v - 10;
      }
    }
    ctx.putImageData(img, 0, 0);
    const blob = await new Promise((r) => c.toBlob(r, 'image/png'));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, [width, height]);
  return Buffer.from(b64, 'base64');
}

/** Step 4: the photo (cropped, checked and uploaded by the page) and every other material. */
export async function giveMaterials(page) {
  const png = await testPortrait(page);
  await page.setInputFiles('#photo-input', { name: 'selfie.png', mimeType: 'image/png', buffer: png });
  await page.waitForSelector('#photo-verdict.msg.ok >> text=已上传', { timeout: 20_000 });
  const kinds = await page.$$eval('#materials input[type=file]:not([disabled])', (els) => els.map((e) => e.name));
  for (const name of kinds) {
    await page.setInputFiles(`[name="${name}"]`, { name: `${name}.png`, mimeType: 'image/png', buffer: png });
    await page.waitForFunction((n) => /已上传/.test(document.querySelector(`[name="${n}"]`)
      .closest('label').querySelector('.upload-state').textContent), name);
  }
  return png;
}

/** Fills the whole form for an adult citizen and submits it; waits for the status part. */
export async function applyAsCitizen(page, { name, id, phone }) {
  await page.waitForSelector('#apply[data-ready]');
  await page.selectOption('#apply [name=category]', 'citizen');
  await page.fill('#apply [name=name]', name);
  await page.fill('#apply [name=phone]', phone);
  await page.click('#next');
  await page.waitForSelector('#apply[data-step=document]');
  await page.selectOption('#apply [name="document.kind"]', 'resident_id');
  await page.fill('#apply [name="document.number"]', id);
  await page.click('#next');
  await page.waitForSelector('#apply[data-step=materials]');
  await giveMaterials(page);
  await page.click('#next');
  await page.waitForSelector('#apply[data-step=bank]');
  await page.click('#submit');
  await page.waitForSelector('#status-box:not(.hidden)');
}

/**
 * A test file's service and browser (`start`), and with `prefix` a scratch folder of its own,
 * made before its tests and removed after them: `env` and `work` of the object returned.
 */
export function withService(prefix) {
  const svc = {};
  before(async () => {
    svc.env = await start();
    if (prefix) svc.work = mkdtempSync(join(tmpdir(), prefix));
  });
  after(async () => {
    await svc.env?.stop();
    if (svc.work) rmSync(svc.work, { recursive: true, force: true });
  });
  return svc;
}

/**
 * A credential from the service's current issuer key (in `env.data`), with serial `serial`,
 * for a device key made in `work`. Returns the key and credential files.
 */
export function testCredential(env, work, serial) {
  const keys = join(env.data, 'keys');
  const issuer = readdirSync(keys).filter((f) => /^issuer-\d+\.key\.json$/.test(f)).sort().pop();
  const device = join(work, `device-${serial}.key.json`);
  execFileSync(BIN, ['keygen', '--kind', 'device', '--out', device]);
  const pub = JSON.parse(readFileSync(device, 'utf8')).public;
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const cred = join(work, `credential-${serial}.bin`);
  execFileSync(BIN, ['issue', '--issuer-key', join(keys, issuer), '--device-pub', pub, '--serial', String(serial),
    '--masked-name', '王*', '--age-band', '18-59', '--region', '410721', '--valid-from', today, '--out', cred]);
  return { device, cred };
}

/**
 * Makes the browser context of `page` a phone that fetched its e-card earlier: the device key and
 * credential of `testCredential`'s files in the e-card page's storage (renewal due in an hour,
 * expiry in a day). `page` must be a page of the service's origin that runs no script of its own.
 */
export async function storeCard(page, { device, cred }) {
  const now = Math.floor(Date.now() / 1000);
  // Through the pages' own store (www/js/common.js), so the test writes what the e-card reads.
  await page.evaluate(async ([secretHex, hex, renewFrom, expiresAt]) => {
    const { save, fromHex } = await import('/js/common.js');
    await save('device_secret', fromHex(secretHex));
    await save('credential', { hex, renew_from: renewFrom, expires_at: expiresAt });
  }, [JSON.parse(readFileSync(device, 'utf8')).secret, readFileSync(cred).toString('hex'), now + 3600, now + 86400]);
}

/** Shows a picture (PNG bytes) to the gate page's image entry point: decoded in wasm and verified. */
export async function showToGate(gate, png) {
  return gate.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return window.gateScanImage(new Blob([bytes], { type: 'image/png' }));
  }, png.toString('base64'));
}

/**
 * A museum code from `testCredential`'s files, counter `n`; with `png`, also its PNG; made at
 * phone time `at` (Unix seconds) when given, else now.
 */
export function testCode({ device, cred }, n, png, at) {
  const args = ['code', '--device-key', device, '--credential', cred, '--scene', 'museum', '--counter', String(n)];
  if (png) args.push('--png', png);
  if (at !== undefined) args.push('--time', String(at));
  return execFileSync(BIN, args).toString().trim().split('\n')[0];
}
