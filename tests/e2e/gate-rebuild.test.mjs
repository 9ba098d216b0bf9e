// A code admitted while the gate page rebuilds its gate (another scene chosen) stays used. The
// rebuild reads the stored used-code set, and that read is held here until the old gate has
// admitted a code and stored its use: the new gate then starts from a set without it, and only
// the page's carrying over of the old gate's set (www/js/gate.js, `rebuildGate`) keeps the code
// refused as used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withService, testCredential, testCode } from './harness.mjs';

const svc = withService('ecard-rebuild-');

test('a code admitted while the gate is rebuilt is refused as used by the rebuilt gate', async () => {
  const text = testCode(testCredential(svc.env, svc.work, 77004), 0);
  const ctx = await svc.env.browser.newContext();
  const page = await svc.env.newPage(ctx, '/gate.html');
  await page.waitForFunction(() => typeof window.gateScan === 'function'
    && /已同步/.test(document.querySelector('#sync-status').textContent));
  assert.equal(await page.inputValue('#scene'), 'museum');

  // The next read of the stored used-code set answers only once `window.releaseRead()` is called.
  await page.evaluate(() => {
    const get = IDBObjectStore.prototype.get;
    const released = new Promise((resolve) => { window.releaseRead = resolve; });
    window.heldReads = 0;
    IDBObjectStore.prototype.get = function (key) {
      const req = get.call(this, key);
      if (key !== 'gate_replay' || window.heldReads > 0) return req;
      window.heldReads += 1;
      let handler = null;
      Object.defineProperty(req, 'onsuccess', { get: () => handler, set: (f) => { handler = f; } });
      req.addEventListener('success', (ev) => released.then(() => handler?.call(req, ev)));
      return req;
    };
  });

  // Another scene: the page starts building a new gate, and its read of the used codes is held.
  await page.selectOption('#scene', 'library');
  await page.waitForFunction(() => window.heldReads === 1);
  // Meanwhile the old (museum) gate admits the code and stores its use.
  assert.equal(await page.evaluate((t) => window.gateScan(t).then((v) => v.code), text), 'ADMITTED');
  // The new gate gets the set as it was before that, and replaces the old one.
  await page.evaluate(() => window.releaseRead());
  await page.waitForFunction(() => !/已同步/.test(document.querySelector('#sync-status').textContent));
  // The rebuilt gate still knows the code is used (the used-code check comes before the
  // scene's: without the carried-over set this is WRONG_SCENE).
  assert.equal(await page.evaluate((t) => window.gateScan(t).then((v) => v.code), text), 'REPLAYED');
  await ctx.close();
});
