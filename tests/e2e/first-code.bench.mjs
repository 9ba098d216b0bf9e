// How long the e-card page takes to show its first code on a phone that used it before (pages
// in the service worker's cache, credential stored), and how long a restarted gate page (synced
// before) takes until it can scan, by network: loopback, a slow line (Chromium's network
// emulation) and a network that answers nothing (requests held).
//
//   cargo build -p ecard && (cd tests/e2e && node first-code.bench.mjs [--runs=5] [--www=DIR])
//
// Prints the median and the slowest of the runs for each condition. Not run by the tests:
// figures, not assertions (tests/e2e/slow-network.test.mjs asserts the behaviour).
import { join } from 'node:path';
import { start, testCredential, storeCard, ROOT } from './harness.mjs';

const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const runs = Number(arg('runs', 5));
const env = await start({ www: arg('www', join(ROOT, 'www')) });
const files = testCredential(env, env.data, 5);

const conditions = {
  loopback: null,
  'round trip 400 ms': 400,
  'round trip 1,500 ms': 1500,
  'no answer (requests held)': 'hold',
};

/** Median and slowest of `runs` timings of `once(ctx, cond)`, in a fresh context each. */
async function timed(cond, once) {
  const times = [];
  for (let k = 0; k < runs; k++) {
    const ctx = await env.browser.newContext();
    times.push(await once(ctx, cond));
    await ctx.close();
  }
  times.sort((a, b) => a - b);
  const ms = (t) => (Number.isFinite(t) ? `${t} ms` : 'none within 15 s');
  return `${ms(times[times.length >> 1])} | ${ms(times[times.length - 1])}`;
}

/** Applies the network condition to `page`'s context from now on. */
async function slowDown(ctx, page, cond) {
  if (cond === 'hold') {
    await ctx.route('**/api/**', () => {});
  } else if (cond) {
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: cond, downloadThroughput: 50_000, uploadThroughput: 20_000,
    });
  }
}

// Set in every page of a context before its scripts run: `window.readyAt`, the page's clock
// (milliseconds since its navigation started) when the e-card's code is on screen or the gate's
// scan entry point is set. Measured inside the page, so the figure leaves out the test driver's
// own round trips and polling (±30 ms between runs when timed from Node).
function markReady() {
  const at = () => { window.readyAt ??= performance.now(); };
  new MutationObserver(() => { if (document.querySelector('#qr svg')) at(); })
    .observe(document, { subtree: true, childList: true });
  let scan;
  Object.defineProperty(window, 'gateScanImage', {
    configurable: true,
    get: () => scan,
    // The gate page sets its camera button's handler just before this entry point.
    set: (f) => { scan = f; at(); },
  });
}

/** Milliseconds from the start of a reload of `page` until it is ready (Infinity after 15 s). */
async function reloadUntil(page, ready) {
  await page.context().addInitScript(markReady);
  await page.reload();
  return page.waitForFunction(ready, null, { timeout: 15_000 })
    .then(() => page.evaluate(() => Math.round(window.readyAt)), () => Infinity);
}

async function ecard(ctx, cond) {
  const page = await env.newPage(ctx, '/style.css');
  await storeCard(page, files);
  // A first visit fills the service worker's cache, as on a phone that used the e-card before.
  await page.goto(env.base + '/ecard.html');
  await page.waitForSelector('#qr svg', { timeout: 30_000 });
  await page.evaluate(() => navigator.serviceWorker.ready);
  await slowDown(ctx, page, cond);
  return reloadUntil(page, () => window.readyAt !== undefined && document.querySelector('#qr svg'));
}

async function gate(ctx, cond) {
  const page = await env.newPage(ctx, '/gate.html');
  await page.waitForFunction(() => /已同步/.test(document.querySelector('#sync-status').textContent));
  await page.evaluate(() => navigator.serviceWorker.ready);
  await slowDown(ctx, page, cond);
  return reloadUntil(page, () => window.readyAt !== undefined && typeof window.gateScanImage === 'function'
    && typeof document.querySelector('#camera-start').onclick === 'function');
}

console.log('| network | e-card: first code, median | slowest | gate: ready to scan, median | slowest |');
console.log('|---|---|---|---|---|');
for (const [name, cond] of Object.entries(conditions)) {
  console.log(`| ${name} | ${await timed(cond, ecard)} | ${await timed(cond, gate)} |`);
}
console.log(`(${runs} runs each)`);
await env.stop();
