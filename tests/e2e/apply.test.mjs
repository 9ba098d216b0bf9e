// The step-by-step application form (www/apply.html) in Debian's headless Chromium against a
// real `ecard serve` (tests/e2e/harness.mjs): live checks next to the fields, the phone photo
// cropped to 358×441 and accepted by the wasm photo check, uploads, the draft restored after a
// reload, submission, and the status part with 联审中. Screenshots in tests/e2e/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withService, idNumber, shot, register, giveMaterials } from './harness.mjs';

const svc = withService();

test('apply step by step: wrong ID number shown at the field, photo cropped and checked, submitted', async () => {
  const ctx = await svc.env.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const page = await svc.env.newPage(ctx, '/login.html');
  const id = idNumber('41072119920815123');
  await register(page, { name: '王五', id, phone: '13700137000' });

  // The window hours and the selects come from the wasm rules.
  assert.match(await page.textContent('#window'), /窗口/);
  const banks = await page.$$eval('[name=service_bank] option', (os) => os.map((o) => o.textContent));
  assert.equal(banks[0], '由人社部门指定');
  assert.ok(banks.includes('中国工商银行'));

  // Step 1: 申请人类别. Leaving it empty keeps the applicant on the step with the reason shown.
  await page.click('#next');
  assert.equal(await page.getAttribute('#apply', 'data-step'), 'category');
  assert.notEqual((await page.textContent('label:has([name=name]) .hint')).trim(), '');
  await page.selectOption('[name=category]', 'citizen');
  await page.fill('[name=name]', '王五');
  await page.fill('[name=phone]', '13700137000');
  await page.click('#next');
  await page.waitForSelector('#apply[data-step=document]');

  // Step 2: a wrong check digit is shown next to the number as it is typed, then corrected.
  const documents = await page.$$eval('[name="document.kind"] option', (os) => os.map((o) => o.value));
  assert.deepEqual(documents, ['resident_id']);
  const wrong = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
  await page.fill('[name="document.number"]', wrong);
  const hint = 'label:has([name="document.number"]) .hint';
  await page.waitForFunction((sel) => /校验/.test(document.querySelector(sel).textContent), hint);
  assert.equal(await page.getAttribute('[name="document.number"]', 'aria-invalid'), 'true');
  await shot(page, 'apply-1-wrong-id', { fullPage: true });
  await page.click('#next');
  assert.equal(await page.getAttribute('#apply', 'data-step'), 'document', 'a wrong number keeps the step');
  await page.fill('[name="document.number"]', id);
  await page.waitForFunction((sel) => document.querySelector(sel).textContent === '', hint);
  await page.click('#next');

  // An adult: no guardian step; the materials step lists what an adult citizen brings.
  await page.waitForSelector('#apply[data-step=materials]');
  assert.equal(await page.$('#steps li[data-step=guardian]'), null);
  const kinds = await page.$$eval('#materials input[type=file]', (els) => els.map((e) => e.name));
  assert.deepEqual(kinds, ['materials.household_register', 'materials.id_card_front', 'materials.id_card_back']);

  // The draft survives a reload (the photo is not uploaded yet).
  await page.reload();
  await page.waitForSelector('#apply[data-ready]');
  assert.equal(await page.getAttribute('#apply', 'data-step'), 'materials');
  assert.equal(await page.inputValue('[name="document.number"]'), id);
  const key = await page.evaluate(() => JSON.parse(localStorage.getItem('application_draft_v2')).fields.name);
  assert.equal(key, '王五');

  // Step 4: the phone photo (800×1000 PNG) is cropped to 358×441 JPEG, checked, uploaded.
  await giveMaterials(page);
  const size = await page.$eval('#photo-preview', (img) => [img.naturalWidth, img.naturalHeight]);
  assert.deepEqual(size, [358, 441]);
  assert.match(await page.textContent('#photo-verdict'), /照片符合要求/);
  assert.match(await page.textContent('#photo-info'), /358×441 像素/);
  const stored = await page.evaluate(() => localStorage.getItem('application_draft_v2'));
  assert.ok(stored.length < 4000, 'no photo bytes in localStorage');
  await shot(page, 'apply-2-photo', { fullPage: true });
  await page.click('#next');

  // Step 5: bank and channel, then submit.
  await page.waitForSelector('#apply[data-step=bank]');
  await page.selectOption('[name=service_bank]', 'icbc');
  await page.click('#submit');
  await page.waitForSelector('#status-box:not(.hidden)');
  assert.match(await page.textContent('#status'), /联审中/);
  const timeline = await page.$$eval('#timeline li', (lis) => lis.map((li) => li.textContent));
  assert.ok(timeline.some((t) => /提交/.test(t)) && timeline.some((t) => /联审中/.test(t)), timeline.join(' | '));
  assert.ok(await page.isHidden('#form-box'));
  assert.equal(await page.evaluate(() => localStorage.getItem('application_draft_v2')), null);
  await shot(page, 'apply-3-submitted', { fullPage: true });

  // Back later: the status part again, no form.
  await page.reload();
  await page.waitForSelector('#status-box:not(.hidden)');
  assert.match(await page.textContent('#status'), /联审中/);
  await ctx.close();
});

test('a minor gets the guardian step, with the guardian\'s number checked at its field', async () => {
  const ctx = await svc.env.browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await svc.env.newPage(ctx, '/login.html');
  const child = idNumber('41072120150601123');
  await register(page, { name: '赵小六', id: child, phone: '13600136000' });
  await page.selectOption('[name=category]', 'citizen');
  await page.fill('[name=name]', '赵小六');
  await page.fill('[name=phone]', '13600136000');
  await page.click('#next');
  await page.waitForSelector('#apply[data-step=document]');
  await page.fill('[name="document.number"]', child);
  await page.waitForSelector('#steps li[data-step=guardian]');
  await page.click('#next');
  await page.waitForSelector('#apply[data-step=guardian]');
  await page.fill('[name="guardian.name"]', '赵大');
  await page.fill('[name="guardian.id_number"]', child);
  await page.waitForFunction(() => document.querySelector('label:has([name="guardian.id_number"]) .hint').textContent !== '');
  await shot(page, 'apply-4-guardian', { fullPage: true });
  await page.fill('[name="guardian.id_number"]', idNumber('41072119850101123'));
  await page.selectOption('[name="guardian.relation"]', 'father');
  await page.selectOption('[name="guardian.proof"]', 'household_register');
  await page.click('#next');
  await page.waitForSelector('#apply[data-step=materials]');
  const kinds = await page.$$eval('#materials input[type=file]', (els) => els.map((e) => e.name));
  assert.ok(kinds.includes('materials.guardian_id_front') && kinds.includes('materials.guardianship_proof'), kinds.join());
  await ctx.close();
});
