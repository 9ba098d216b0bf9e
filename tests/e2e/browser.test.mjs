// End-to-end in Debian's headless Chromium (playwright-core, no browser download), against a
// real `ecard serve` on 127.0.0.1 with a fresh SQLite data directory (tests/e2e/harness.mjs).
// Screenshots are kept in tests/e2e/artifacts/. Run by scripts/test.sh after the web package and
// the server are built.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, idNumber, shot, register, applyAsCitizen, showToGate, REVIEWER_PASSWORD } from './harness.mjs';

let env;
let base;
let browser;

before(async () => {
  env = await start();
  ({ base, browser } = env);
});

after(async () => {
  await env?.stop();
});

const newPage = (ctx, path) => env.newPage(ctx, path);

async function reviewerDo(fn) {
  const ctx = await browser.newContext();
  const page = await newPage(ctx, '/review.html');
  await page.fill('[name=username]', 'wang');
  await page.fill('[name=password]', REVIEWER_PASSWORD);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#queue-box:not(.hidden)');
  await fn(page);
  await ctx.close();
}

test('apply, approve, show the code, verify it offline, refuse replays and lost cards', async (t) => {
  const citizen = await browser.newContext();
  const id = idNumber('41072119900307123');

  await t.test('1. register → apply → a reviewer approves → the e-card shows a code', async () => {
    const page = await newPage(citizen, '/login.html');
    await register(page, { name: '张三', id, phone: '13800138000' });
    await applyAsCitizen(page, { name: '张三', id, phone: '13800138000' });
    assert.match(await page.textContent('#status'), /联审中/);
    await shot(page, '1-applied');

    await reviewerDo(async (r) => {
      await r.click('#queue tr');
      await r.waitForSelector('#detail-box:not(.hidden)');
      // The reviewer sees the applicant's details, documents and photo before deciding.
      assert.match(await r.textContent('#detail'), /姓名：张三/);
      await r.waitForFunction(() => document.querySelector('#detail img.photo')?.naturalWidth === 358);
      await shot(r, '1-review-detail');
      await r.click('#approve');
      await r.waitForSelector('#detail-msg.ok');
      assert.match(await r.textContent('#detail-msg'), /已通过，卡号 HA\d{7}/);
    });

    await page.goto(base + '/ecard.html');
    await page.waitForSelector('#qr svg');
    assert.equal(await page.getAttribute('#qr svg', 'aria-label'), '电子社保卡二维码');
    assert.equal(await page.textContent('#name'), '张*');
    await shot(page, '1-ecard');
  });

  const gateCtx = await browser.newContext();
  let gate;
  let ecard;
  let png;
  await t.test('2. a screenshot of the e-card, shown to the gate camera path, is admitted', async () => {
    gate = await newPage(gateCtx, '/gate.html');
    await gate.waitForFunction(() => /已同步/.test(document.querySelector('#sync-status').textContent));
    ecard = (await citizen.pages())[0];
    png = await ecard.locator('#qr').screenshot();
    const v = await showToGate(gate, png);
    assert.equal(v.admitted, true, v.message);
    assert.equal(v.holder.masked_name, '张*');
    assert.match(await gate.textContent('#verdict'), /张\*/);
    await shot(gate, '2-gate-admitted');
  });

  await t.test('3. the same code again is refused as used, also after a reload of the gate', async () => {
    let v = await showToGate(gate, png);
    assert.equal(v.code, 'REPLAYED');
    await gate.reload();
    await gate.waitForFunction(() => typeof window.gateScanImage === 'function');
    v = await showToGate(gate, png);
    assert.equal(v.code, 'REPLAYED');
    assert.match(await gate.textContent('#verdict'), /已使用/);
    await shot(gate, '3-gate-replayed');
  });

  await t.test('4. the card is reported lost → the gate syncs → the next code is refused', async () => {
    const card = await ecard.evaluate(async () => (await (await fetch('/api/me')).json()).card.card_number);
    await reviewerDo(async (r) => {
      await r.fill('#card-form [name=card_number]', card);
      await r.selectOption('#card-form [name=action]', 'lost');
      await r.click('#card-form button[type=submit]');
      await r.waitForSelector('#card-msg.ok');
    });
    await gate.click('#sync');
    await gate.waitForFunction(() => /吊销列表 v2/.test(document.querySelector('#sync-status').textContent));
    await ecard.click('#refresh');
    const fresh = await ecard.locator('#qr').screenshot();
    const v = await showToGate(gate, fresh);
    assert.equal(v.code, 'REVOKED');
    assert.match(v.message, /已挂失/);
    await shot(gate, '4-gate-revoked');
  });

  await t.test('5. offline, the e-card opens and rotates, and the gate still verifies', async () => {
    // A second holder with a normal card, so the gate has something to admit.
    const other = await browser.newContext();
    const id2 = idNumber('41072119850612234');
    const page = await newPage(other, '/login.html');
    await register(page, { name: '李四', id: id2, phone: '13900139000' });
    await applyAsCitizen(page, { name: '李四', id: id2, phone: '13900139000' });
    await reviewerDo(async (r) => {
      await r.click('#queue tr');
      await r.click('#approve');
      await r.waitForSelector('#detail-msg.ok');
    });
    await page.goto(base + '/ecard.html');
    await page.waitForSelector('#qr svg');
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.waitForSelector('#qr svg');

    await other.setOffline(true);
    await gateCtx.setOffline(true);
    await page.reload();
    await page.waitForSelector('#qr svg');
    assert.equal(await page.textContent('#name'), '李*');
    const before = await page.innerHTML('#qr');
    const wait = (await page.evaluate(() => Number(document.querySelector('#countdown').textContent))) * 1000;
    await page.waitForTimeout(wait + 1500);
    assert.notEqual(await page.innerHTML('#qr'), before, 'the code rotates offline');
    await shot(page, '5-ecard-offline');

    await gate.reload();
    await gate.waitForFunction(() => typeof window.gateScanImage === 'function');
    const v = await showToGate(gate, await page.locator('#qr').screenshot());
    assert.equal(v.admitted, true, v.message);
    assert.equal(v.holder.masked_name, '李*');
    await shot(gate, '5-gate-offline');
    await other.close();
  });
  await gateCtx.close();
  await citizen.close();
});
