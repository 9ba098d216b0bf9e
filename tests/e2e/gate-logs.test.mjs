// The gate's queue of scan logs loses nothing when uploads overlap and fail, as on a slow or
// flaky network at a busy gate: every log queued reaches the service (tests/e2e/harness.mjs
// runs a real `ecard serve`; the page's requests to it are held, failed or passed here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withService } from './harness.mjs';

const svc = withService();

test('queued scan logs all reach the service when uploads overlap and one fails', async () => {
  const ctx = await svc.env.browser.newContext();
  let mode = 'fail';
  const held = [];
  const seen = new Set();
  const delivered = new Set();
  await ctx.route('**/api/gates/scans', async (route) => {
    const ids = route.request().postDataJSON().logs.map((l) => l.log_id);
    ids.forEach((id) => seen.add(id));
    if (mode === 'fail') {
      await route.fulfill({ status: 503, contentType: 'application/json', body: '{"code":"UNAVAILABLE","message":"服务暂不可用"}' });
    } else if (mode === 'hold') {
      held.push({ route, ids });
    } else {
      await route.continue();
      ids.forEach((id) => delivered.add(id));
    }
  });
  const page = await svc.env.newPage(ctx, '/gate.html');
  await page.waitForFunction(() => typeof window.gateUploadLogs === 'function'
    && /已同步/.test(document.querySelector('#sync-status').textContent));
  const scan = (text) => page.evaluate((t) => window.gateScan(t).then((v) => v.code), text);
  const pending = () => page.evaluate(() => Number(document.querySelector('#pending').textContent));
  // Waits for the upload running now, and the one after it, to end (failed or not).
  const settle = () => page.evaluate(() => window.gateUploadLogs().then(() => 'sent', () => 'failed'));
  // Lets the oldest held upload through to the service.
  const releaseOne = async () => {
    const h = held.shift();
    await h.route.continue();
    h.ids.forEach((id) => delivered.add(id));
  };
  // Starts an upload as the page would (a scan, the timer, the `online` event) without waiting.
  const startUpload = (name) => page.evaluate((n) => {
    window[n] = window.gateUploadLogs();
    window[n].catch(() => {});
  }, name);
  const ended = (name) => page.evaluate((n) => window[n].then(() => 'sent', () => 'failed'), name);

  // Two refusals are queued while the service is unreachable.
  assert.equal(await scan('NOT-A-CODE-1'), 'WRONG_PREFIX');
  assert.equal(await scan('NOT-A-CODE-2'), 'WRONG_PREFIX');
  assert.equal(await settle(), 'failed');
  assert.equal(await pending(), 2);

  // The network comes back slowly: an upload of both logs hangs, and another is asked for.
  mode = 'hold';
  await startUpload('first');
  for (let i = 0; i < 200 && held.length < 1; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(held.length, 1, 'the first upload reached the network');
  await startUpload('second');
  // (Gives a second request, if the page makes one, the time to reach the network while it
  // still hangs; a gate that waits for the first upload makes none.)
  for (let i = 0; i < 20 && held.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
  // A third log is queued while the network fails again; its own upload fails.
  mode = 'fail';
  assert.equal(await scan('NOT-A-CODE-3'), 'WRONG_PREFIX');
  // The hanging upload goes through, then whatever upload was started after it.
  await releaseOne();
  assert.equal(await ended('first'), 'sent');
  while (held.length) await releaseOne();
  await ended('second');

  // Back online: whatever is still queued is sent.
  mode = 'pass';
  assert.equal(await settle(), 'sent');
  assert.equal(seen.size, 3, 'three logs were queued');
  assert.deepEqual([...seen].filter((id) => !delivered.has(id)), [], 'every queued log reached the service');
  assert.equal(await pending(), 0);
});
