// What one gate verification costs in headless Chromium depending on what the page did just
// before it: nothing, one tweetnacl or @noble/ed25519 verification, 8 or 64 MB written, 13 ms of a
// plain JavaScript loop, or 13 ms idle; and after a tweetnacl verification followed by a small
// wasm loop, a malformed code or a used code (which of a verification's parts the work before
// it made slow). The peers harness (run.mjs) runs every other contender between two
// wasm calls; a gate runs camera frames and its screen between two scans. docs/PERFORMANCE.md
// ("After other work") has the figures.
//
//   node benches/peers/between.mjs [--n=300]      # uses www/pkg as built (scripts/build-wasm.py)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withChromium } from './chromium.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../..');
const n = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 300);
if (!existsSync(join(here, 'node_modules/tweetnacl')) || !existsSync(join(root, 'www/pkg/gate.js'))) {
  throw new Error('run `node benches/peers/run.mjs` once first: it installs the peers and builds www/pkg');
}
const rows = await withChromium(root, async (base, browser) => {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${base}/benches/peers/between.html`);
  await page.waitForFunction(() => window.ready, null, { timeout: 60_000 });
  return page.evaluate((k) => window.between(k), n);
});
console.log(`gate verify in Chromium, ${2 * n} calls after each kind of work (µs):`);
console.log('| before each call | median | trimmed mean (10–90%) |');
console.log('|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${(r.median * 1000).toFixed(0)} | ${(r.trimmed * 1000).toFixed(1)} |`);
