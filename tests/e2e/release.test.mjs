// A release reaches phones that keep the pages offline: the service worker serves its copies at
// once and refreshes them from the service behind, and the service asks browsers to check every
// page and package before reusing it (`Cache-Control: no-cache`). Without that a browser may
// reuse a file for a tenth of its age without asking, so a phone would keep a page for days
// after a release, or take a new page with an old wasm package.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, ROOT } from './harness.mjs';

// The pages as released 30 days ago: a browser left to guess would keep them for 3 days.
const www = mkdtempSync(join(tmpdir(), 'ecard-release-'));
cpSync(join(ROOT, 'www'), www, { recursive: true });
const monthAgo = new Date(Date.now() - 30 * 86400_000);
const age = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) age(path);
    utimesSync(path, monthAgo, monthAgo);
  }
};
age(www);
const env = await start({ www });
after(async () => {
  await env.stop();
  rmSync(www, { recursive: true, force: true });
});

test('a file changed by a release reaches a phone that keeps the pages offline', async () => {
  const ctx = await env.browser.newContext();
  const page = await env.newPage(ctx, '/index.html');
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload(); // now controlled by the worker: served from its cache
  const css = () => page.evaluate(() => fetch('/style.css').then((r) => r.text()));
  assert.ok(!(await css()).includes('release 2'));

  // The release: a changed style sheet, dated now.
  writeFileSync(join(www, 'style.css'), readFileSync(join(www, 'style.css'), 'utf8') + '\n/* release 2 */\n');
  // Each use is served from the phone's copy and refreshes it behind: within a few uses the
  // phone has the new file (a browser left to guess would not ask for 3 days).
  let uses = 0;
  while (uses < 20 && !(await css()).includes('release 2')) {
    uses += 1;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(uses < 20, 'the phone serves the new file');
  await ctx.close();
});
