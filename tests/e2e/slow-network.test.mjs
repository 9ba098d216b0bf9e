// A network that is connected but never answers (a crowded scenic area, a captive portal): the
// browser still says it is online, so only a page that does not wait for the service keeps
// working. The e-card must show its code from what the phone has stored, the gate must scan
// with what it has synced, and a request nobody answers must end with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withService, testCredential, testCode, showToGate, storeCard } from './harness.mjs';

const svc = withService('ecard-slow-');

/** Holds every request of `ctx` to the service's API: none is ever answered. */
const holdApi = (ctx) => ctx.route('**/api/**', () => {});

test('with a service that never answers, the e-card shows its code and the gate scans', async (t) => {
  const { env, work } = svc;
  const files = testCredential(env, work, 7001);

  // A gate synced while its network worked.
  const gateCtx = await env.browser.newContext();
  const gate = await env.newPage(gateCtx, '/gate.html');
  await gate.waitForFunction(() => /已同步/.test(document.querySelector('#sync-status').textContent));

  await t.test('a download slower than the timeout goes on while it keeps arriving', async () => {
    const ctx = await env.browser.newContext();
    const page = await env.newPage(ctx, '/style.css');
    // The page's fetch answers at once with a body of ten parts 150 ms apart (1.5 s in all), or
    // with a body that stops after its first part; aborting errors the body, as in a real fetch.
    const r = await page.evaluate(async () => {
      const { api } = await import('/js/common.js');
      const answer = (parts) => (url, { signal }) => Promise.resolve(new Response(new ReadableStream({
        async start(c) {
          signal.addEventListener('abort', () => c.error(new DOMException('aborted', 'AbortError')));
          for (let i = 0; i < parts; i++) {
            if (signal.aborted) return;
            c.enqueue(new Uint8Array(100).fill(i));
            await new Promise((res) => setTimeout(res, 150));
          }
          if (parts === 10) c.close();
        },
      })));
      const t0 = performance.now();
      window.fetch = answer(10);
      const { bytes } = await api('/gates/bundle', { binary: true, timeoutMs: 500 });
      const ms = performance.now() - t0;
      window.fetch = answer(1);
      const stalled = await api('/gates/bundle', { binary: true, timeoutMs: 500 }).then(() => 'ANSWERED', (e) => e.code);
      return { length: bytes.length, last: bytes[999], ms, stalled };
    });
    assert.equal(r.length, 1000);
    assert.equal(r.last, 9);
    assert.ok(r.ms > 1000, `the download took ${r.ms} ms, not longer than the timeout: this tests nothing`);
    assert.equal(r.stalled, 'TIMEOUT');
    await ctx.close();
  });

  await t.test('the e-card draws its code from the phone\'s stored credential at once', async () => {
    const phone = await env.browser.newContext();
    // A phone that fetched its credential earlier.
    const page = await env.newPage(phone, '/style.css');
    await storeCard(page, files);

    await holdApi(phone);
    const t0 = Date.now();
    await page.goto(env.base + '/ecard.html');
    await page.waitForSelector('#qr svg', { timeout: 10_000 });
    console.log(`e-card with no answer from the service: first code ${Date.now() - t0} ms after navigation`);
    assert.equal(await page.textContent('#name'), '王*');
    const v = await showToGate(gate, await page.locator('#qr').screenshot());
    assert.equal(v.admitted, true, v.message);
    assert.equal(v.holder.masked_name, '王*');
    await phone.close();
  });

  await t.test('a gate restarted without answers scans with what it has synced', async () => {
    await holdApi(gateCtx);
    await gate.reload();
    await gate.waitForFunction(() => typeof window.gateScanImage === 'function', null, { timeout: 10_000 });
    assert.equal(await gate.evaluate(() => typeof document.querySelector('#camera-start').onclick), 'function',
      'the camera can be started');
    const png = join(work, 'code-9.png');
    testCode(files, 9, png);
    const v = await showToGate(gate, readFileSync(png));
    assert.equal(v.admitted, true, v.message);
  });

  await t.test('a request the service never answers ends with a clear error', async () => {
    const r = await gate.evaluate(async () => {
      const { api } = await import('/js/common.js');
      const t0 = performance.now();
      try {
        await api('/time', { timeoutMs: 300 });
        return { code: 'ANSWERED' };
      } catch (e) {
        return { code: e.code, message: e.message, ms: performance.now() - t0 };
      }
    });
    assert.equal(r.code, 'TIMEOUT');
    assert.match(r.message, /超时/);
    assert.ok(r.ms < 10_000, `gave up after ${r.ms} ms`);
  });
  await gateCtx.close();
});

test('the card state stored on the phone shows first, and the service\'s replaces it', async () => {
  const { env, work } = svc;
  const files = testCredential(env, work, 7002);
  const phone = await env.browser.newContext();
  const page = await env.newPage(phone, '/style.css');
  await storeCard(page, files);
  // The phone last saw its card reported lost (临时挂失); the holder has since found it.
  await page.evaluate(async () => {
    const { save } = await import('/js/common.js');
    await save('me', { masked_name: '王*', state: 'temp_lost' });
  });
  let answer;
  const answered = new Promise((resolve) => { answer = resolve; });
  await phone.route('**/api/me', async (route) => {
    await answered;
    await route.fulfill({ json: { masked_name: '王*', card: { state: 'normal' } } });
  });
  await phone.route('**/api/{time,ecard/credential}', () => {});
  await page.goto(env.base + '/ecard.html');
  await page.waitForSelector('#qr svg');
  await page.waitForFunction(() => /临时挂失/.test(document.querySelector('#msg').textContent));
  assert.match(await page.getAttribute('#msg', 'class'), /error/);

  answer();
  await page.waitForFunction(() => /正常/.test(document.querySelector('#state').textContent));
  assert.equal(await page.textContent('#msg'), '', 'the stale warning is gone');
  assert.deepEqual(await page.evaluate(async () => (await import('/js/common.js')).load('me')),
    { masked_name: '王*', state: 'normal' }, 'the new state is stored for the next time offline');
  await phone.close();
});
