// A gate whose stored used-code set is gone or damaged never admits a code a second time.
// Chrome deletes an IndexedDB database it finds corrupt after a crash (one CI run of the kill
// test saw a gate restart without its used codes and admit one again); here the database is
// deleted, or the stored set damaged, between two runs of the gate page. The gate must then
// refuse every code that could have been used before, say why on its screen and for how long,
// keep refusing after another restart, and admit codes made after the loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withService, testCredential, testCode } from './harness.mjs';

const svc = withService('ecard-lost-');

async function openGate(ctx) {
  const page = await svc.env.newPage(ctx, '/gate.html');
  await page.waitForFunction(() => typeof window.gateScan === 'function'
    && /已同步|数据版本/.test(document.querySelector('#sync-status').textContent));
  return page;
}

const scan = (page, text) => page.evaluate((t) => window.gateScan(t).then((v) => ({ code: v.code, message: v.message })), text);
const banner = (page) => page.$eval('#replay-lost', (el) => (el.classList.contains('hidden') ? null : el.textContent));

/** Runs `change` on the gate's storage from a page of the origin that has not opened it. */
async function withStorage(ctx, change) {
  const page = await ctx.newPage();
  await page.goto(svc.env.base + '/style.css');
  await page.evaluate(change);
  await page.close();
}

for (const [what, damage] of [
  ['deleted', () => new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase('ecard');
    req.onsuccess = resolve;
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('the database is still open'));
  })],
  ['damaged', async () => {
    const { load, save } = await import('/js/common.js');
    const bytes = await load('gate_replay');
    bytes[bytes.length - 1] ^= 1;
    await save('gate_replay', bytes);
  }],
]) {
  test(`a gate whose used-code set was ${what} refuses the codes it may have admitted, then admits new ones`, async () => {
    const keys = testCredential(svc.env, svc.work, what === 'deleted' ? 77005 : 77006);
    const ctx = await svc.env.browser.newContext();
    let page = await openGate(ctx);
    assert.equal(await banner(page), null, 'a new gate reports a loss');
    const now = Math.floor(Date.now() / 1000);
    const used = testCode(keys, 0, undefined, now);
    assert.equal((await scan(page, used)).code, 'ADMITTED');
    await page.close();

    await withStorage(ctx, damage);
    page = await openGate(ctx);
    assert.match(await banner(page) ?? '', /已用码记录于 .* 丢失.*此前生成的二维码不予通过/);
    const again = await scan(page, used);
    assert.equal(again.code, 'REPLAY_STATE_LOST', 'a code admitted before the loss is admitted again');
    // A phone with the right time shows a code made after the loss within one to two steps.
    assert.match(again.message, /请等手机上的二维码刷新（约 (\d+ 秒|1 分钟)）/);
    // Never shown before, but the gate cannot know: a fresh counter in the same step.
    assert.equal((await scan(page, testCode(keys, 1, undefined, now))).code, 'REPLAY_STATE_LOST');

    // The loss is stored: a restart does not forget it.
    await page.reload();
    await page.waitForFunction(() => typeof window.gateScan === 'function');
    assert.equal((await scan(page, used)).code, 'REPLAY_STATE_LOST');
    assert.notEqual(await banner(page), null);

    // A minute later the phone shows a code made after the loss: admitted once.
    await page.clock.setSystemTime((now + 61) * 1000);
    const fresh = testCode(keys, 0, undefined, now + 61);
    assert.equal((await scan(page, fresh)).code, 'ADMITTED');
    assert.equal((await scan(page, fresh)).code, 'REPLAYED');
    await ctx.close();
  });
}
