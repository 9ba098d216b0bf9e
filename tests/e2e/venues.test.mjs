// Venue reservations in the browser (issue: venue reservations): an operator creates two
// museums on the operator page, a citizen with a card books a slot on the venues page, shows
// the e-card at the first museum's gate (admitted by the signed manifest, offline check) and at
// the second museum's gate ("今日无预约").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { withService, idNumber, shot, register, applyAsCitizen, showToGate, BIN, REVIEWER_PASSWORD } from './harness.mjs';

const svc = withService();

/** Minutes after Beijing midnight, now. */
function cstMinutes() {
  const d = new Date(Date.now() + 8 * 3600_000);
  return d.getUTCHours() * 60 + d.getUTCMinutes();
}
const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

async function gateAt(venue, token) {
  const ctx = await svc.env.browser.newContext();
  const gate = await svc.env.newPage(ctx, '/gate.html');
  await gate.waitForFunction(() => /已同步/.test(document.querySelector('#sync-status').textContent));
  await gate.fill('#token', token);
  await gate.fill('#venue', String(venue));
  await gate.dispatchEvent('#venue', 'change');
  await gate.waitForFunction(() => /预约名单：\d+ 条/.test(document.querySelector('#manifest-status').textContent));
  return gate;
}

test('book a museum slot, be admitted at its gate, be told "no booking" at another museum', async (t) => {
  // The operator who creates the museums.
  execFileSync(BIN, ['admin', 'add-reviewer', '--data', svc.env.data, '--username', 'guanli',
    '--display-name', '场馆管理员', '--roles', 'operator'], { input: REVIEWER_PASSWORD + '\n' });
  // A slot that starts in 5 to 10 minutes: bookable now, and with 30 minutes' early entry the
  // gate admits now.
  const start = Math.ceil((cstMinutes() + 5) / 5) * 5;
  if (start + 60 >= 24 * 60) {
    t.skip('too close to midnight in Beijing for a slot today');
    return;
  }
  const slot = `${hhmm(start)}-${hhmm(start + 60)} 20`;

  const op = await svc.env.browser.newContext();
  const admin = await svc.env.newPage(op, '/venue-admin.html');
  await admin.fill('#login [name=username]', 'guanli');
  await admin.fill('#login [name=password]', REVIEWER_PASSWORD);
  await admin.click('#login button[type=submit]');
  await admin.waitForSelector('#login-box.hidden', { state: 'attached' });
  const tokens = [];
  for (const name of ['河南博物院', '郑州博物馆']) {
    await admin.fill('#venue-form [name=name]', name);
    await admin.check('#venue-form [name=weekday][value="1"]');
    await admin.selectOption('#venue-form [name=holidays]', 'weekly');
    await admin.fill('#venue-form [name=slots]', slot);
    await admin.uncheck('#venue-form [name=priority_seniors]');
    await admin.click('#venue-form button[type=submit]');
    await admin.waitForFunction((n) => new RegExp(`已创建场馆 ${n}`).test(document.querySelector('#venue-msg').textContent), tokens.length + 1);
    tokens.push((await admin.textContent('#venue-msg')).match(/[0-9a-f]{64}/)[0]);
  }
  await shot(admin, 'venues-1-operator');

  const citizen = await svc.env.browser.newContext();
  const page = await svc.env.newPage(citizen, '/login.html');
  const id = idNumber('41072119920415123');
  await register(page, { name: '李四', id, phone: '13800138001' });
  await applyAsCitizen(page, { name: '李四', id, phone: '13800138001' });
  const reviewer = await svc.env.browser.newContext();
  const r = await svc.env.newPage(reviewer, '/review.html');
  await r.fill('[name=username]', 'wang');
  await r.fill('[name=password]', REVIEWER_PASSWORD);
  await r.click('#login button[type=submit]');
  await r.click('#queue tr');
  await r.click('#approve');
  await r.waitForSelector('#detail-msg.ok');

  await page.goto(svc.env.base + '/venues.html');
  await page.waitForSelector('#venue option', { state: 'attached' });
  await page.selectOption('#venue', { label: '河南博物院（博物馆）' });
  await page.click(`#slots button[data-start="${hhmm(start)}"]`);
  await page.waitForSelector('#msg.ok');
  assert.match(await page.textContent('#msg'), /预约成功：河南博物院/);
  assert.match(await page.textContent('#bookings'), new RegExp(`河南博物院 · .* ${hhmm(start)}–${hhmm(start + 60)} · 已预约`));
  await shot(page, 'venues-2-booked', { fullPage: true });

  await page.goto(svc.env.base + '/ecard.html');
  await page.waitForSelector('#qr svg');
  const png = await page.locator('#qr').screenshot();

  const museum = await gateAt(1, tokens[0]);
  const v = await showToGate(museum, png);
  assert.equal(v.admitted, true, v.message);
  assert.equal(v.entry.kind, 'booking');
  assert.match(await museum.textContent('#verdict'), new RegExp(`预约 ${hhmm(start)}–${hhmm(start + 60)}`));
  await shot(museum, 'venues-3-admitted');

  const other = await gateAt(2, tokens[1]);
  const w = await showToGate(other, png);
  assert.equal(w.admitted, false);
  assert.equal(w.code, 'NO_BOOKING');
  assert.match(await other.textContent('#verdict'), /今日无预约/);
  await shot(other, 'venues-4-no-booking');
  // Each gate was set up by two changes in a row (token, then venue): the gates they rebuilt
  // overlap, and none may be used or freed twice.
  assert.deepEqual(museum.errors, []);
  assert.deepEqual(other.errors, []);
});
