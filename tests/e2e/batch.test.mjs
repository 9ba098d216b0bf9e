// The reviewer's batch view (www/review.html): an employer's roster is submitted through the
// API from a logged-in citizen page, then the reviewer opens the batch in 批量申请, approves it
// with 全部通过 and sees the applications' statuses change. Screenshots in tests/e2e/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withService, idNumber, shot, register, REVIEWER_PASSWORD } from './harness.mjs';

const svc = withService();

test('a reviewer lists a batch, opens it and approves it at once', async () => {
  const hrCtx = await svc.env.browser.newContext();
  const hr = await svc.env.newPage(hrCtx, '/login.html');
  await register(hr, { name: '人事甲', id: idNumber('41072119850202123'), phone: '13500135000' });
  const csv = 'category,name,phone,document_kind,document_number\n'
    + `citizen,批量一,13900000011,resident_id,${idNumber('41072119900101111')}\n`
    + `citizen,批量二,13900000012,resident_id,${idNumber('41072119900101222')}\n`
    + 'citizen,批量三,13900000013,resident_id,410721199001011110\n';
  const answer = await hr.evaluate(async (body) => {
    const q = new URLSearchParams({ channel: 'employer', agent_name: '华为技术有限公司', agent_uscc: '914403001922038216' });
    const r = await fetch(`/api/batches?${q}`, {
      method: 'POST', body, headers: { 'content-type': 'text/csv', 'idempotency-key': 'e2e-batch-0001' },
    });
    return { status: r.status, body: await r.json() };
  }, csv);
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  assert.equal(answer.body.accepted, 2, JSON.stringify(answer.body));
  const batch = answer.body.batch_id;
  await hrCtx.close();

  const ctx = await svc.env.browser.newContext();
  const page = await svc.env.newPage(ctx, '/review.html');
  await page.fill('[name=username]', 'wang');
  await page.fill('[name=password]', REVIEWER_PASSWORD);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#batches-box:not(.hidden)');
  const row = `#batches tr[data-batch="${batch}"]`;
  await page.waitForSelector(row);
  const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent));
  assert.match(cells[1], /华为技术有限公司/);
  assert.equal(cells[2], '单位');
  assert.equal(cells[3], '3');
  assert.equal(cells[4], '2');
  assert.match(cells[5], /联审中 2/);

  await page.click(row);
  await page.waitForSelector('#batch-box:not(.hidden)');
  const before = await page.$$eval('#batch-apps .status', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(before, ['联审中', '联审中']);
  await shot(page, 'batch-1-detail', { fullPage: true });

  await page.click('#batch-approve');
  await page.waitForFunction(() => /已全部通过/.test(document.querySelector('#batch-msg').textContent));
  assert.match(await page.textContent('#batch-msg'), /2 份申请/);
  await page.waitForFunction(() => [...document.querySelectorAll('#batch-apps .status')]
    .every((td) => td.textContent === '制卡中'));
  assert.ok(await page.isDisabled('#batch-approve'));
  await page.waitForFunction((sel) => /制卡中 2/.test(document.querySelector(sel).textContent), `${row} td:last-child`);
  await shot(page, 'batch-2-approved', { fullPage: true });
  await ctx.close();
});

test('an employer uploads a roster on batch.html and sees the per-line report', async () => {
  const ctx = await svc.env.browser.newContext();
  const page = await svc.env.newPage(ctx, '/login.html');
  await register(page, { name: '人事乙', id: idNumber('41072119860303123'), phone: '13500135001' });
  await page.goto(svc.env.base + '/batch.html');
  await page.waitForSelector('#roster-box:not(.hidden)');
  await page.fill('[name=agent_name]', '华为技术有限公司');
  await page.fill('[name=agent_uscc]', '914403001922038216');
  const csv = 'category,name,phone,document_kind,document_number\n'
    + `citizen,花名一,13900000021,resident_id,${idNumber('41072119900202111')}\n`
    + 'citizen,花名二,13900000022,resident_id,410721199002021110\n';
  await page.setInputFiles('#roster [name=file]', { name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('#roster button[type=submit]');
  await page.waitForSelector('#report:not(.hidden)');
  assert.match(await page.textContent('#roster-msg'), /共 2 行，受理 1 份/);
  const lines = await page.$$eval('#report-rows tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.equal(lines.length, 2);
  assert.equal(lines[0][0], '2');
  assert.match(lines[0][1], /已受理/);
  assert.equal(lines[1][0], '3');
  assert.match(lines[1][1], /document_number/);
  assert.ok(await page.isVisible('#photos-box'));
  await shot(page, 'batch-3-employer-report', { fullPage: true });
  await ctx.close();
});
