// The application rules in the built rules package (www/pkg/rules.js), as the pages call them: the shared
// cases of tests/fixtures/applications.json and tests/fixtures/photos/cases.json get the same
// verdicts as the native and wasm Rust tests. Run after scripts/build-wasm.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (p) => readFileSync(root + p);
const ecard = await import(root + 'www/pkg/rules.js');
ecard.initSync({ module: read('www/pkg/rules_bg.wasm') });

const applications = JSON.parse(read('tests/fixtures/applications.json'));
const photos = JSON.parse(read('tests/fixtures/photos/cases.json'));
const NOW_MS = applications.now_ms; // 2026-11-29 10:00 China Standard Time, a Sunday
const listed = (v) => v.problems.map((p) => `${p.field} ${p.code}`);

test('every shared application case gets its verdict', () => {
  assert.ok(applications.cases.length >= 20);
  for (const c of applications.cases) {
    const v = ecard.validateApplication(c.form, NOW_MS, c.config);
    assert.deepEqual(listed(v), c.problems, c.name);
    assert.equal(v.ok, c.ok, c.name);
    assert.equal(v.minor, c.minor, c.name);
    assert.deepEqual(v.materials.map((m) => m.kind), c.materials, c.name);
    assert.equal(v.application === null, !c.ok, c.name);
    for (const p of v.problems) assert.ok(p.message.length > 0, `${c.name}: ${p.code}`);
  }
});

test('a valid application comes back normalised', () => {
  const c = applications.cases.find((c) => c.name.startsWith('a foreigner employed'));
  const { application: a } = ecard.validateApplication(c.form, NOW_MS);
  assert.equal(a.document.number, 'P12345678');
  assert.equal(a.nationality, 'USA');
  assert.equal(a.birth_date, '1990-05-01');
  assert.equal(a.application_date, '2026-11-29');
  assert.deepEqual(a.henan_link, { basis: 'employed', employer: { name: '华为技术有限公司', uscc: '914403001922038216' } });
  assert.deepEqual(a.service_bank, { choice: 'assign' });
  assert.deepEqual(a.uploads, { identity_document: 'u1', photo: 'u2', employment_proof: 'u3' });
});

test('every shared photo case gets its verdict', () => {
  for (const c of photos.cases) {
    const bytes = new Uint8Array(read(`tests/fixtures/photos/${c.file}`));
    const v = ecard.checkPhoto(bytes);
    assert.deepEqual(v.problems.map((p) => p.code), c.codes, c.file);
    assert.equal(v.ok, c.ok, c.file);
    assert.equal(v.width, c.width, c.file);
    assert.equal(v.height, c.height, c.file);
    assert.equal(v.bytes, bytes.length, c.file);
  }
  const png = ecard.checkPhoto(new Uint8Array(read('tests/fixtures/photos/png_renamed.jpg')));
  assert.match(png.problems[0].message, /PNG/);
});

test('the window status says when the window next opens', () => {
  const sunday = ecard.windowStatus(NOW_MS);
  assert.deepEqual(
    { open: sunday.open, next_open: sunday.next_open, closes_at: sunday.closes_at },
    { open: false, next_open: '2026-11-30 09:00', closes_at: null },
  );
  assert.match(sunday.message, /网上申报/);
  const monday = ecard.windowStatus(NOW_MS + 86_400_000);
  assert.equal(monday.open, true);
  assert.equal(monday.closes_at, '2026-11-30 12:00');
  const makeUp = Date.UTC(2026, 9, 10, 2, 0); // Saturday 10 October, 10:00 in Henan
  assert.equal(ecard.windowStatus(makeUp).open, true);
  assert.equal(ecard.windowStatus(makeUp, { window: { open_on_makeup_days: false } }).next_open, '2026-10-12 09:00');
});

test('ID numbers are checked as the user types', () => {
  const ok = ecard.checkIdNumber('11010519491231002x', NOW_MS);
  assert.deepEqual(
    { ok: ok.ok, masked: ok.masked, birth_date: ok.birth_date, age: ok.age, kind: ok.kind },
    { ok: true, masked: '110105********002X', birth_date: '1949-12-31', age: 76, kind: 'citizen' },
  );
  assert.equal(ecard.checkIdNumber('810000199408230021', NOW_MS).kind, 'hong_kong_permit');
  const bad = ecard.checkIdNumber('110105194912310021', NOW_MS);
  assert.deepEqual(listed(bad), [' ID_NUMBER_CHECK_DIGIT']);
  assert.equal(bad.masked, null);
});

test('options, malformed input, and the shipped TypeScript types', () => {
  const o = ecard.applicationOptions();
  assert.deepEqual(o.categories.map((c) => c.value), ['citizen', 'hong_kong_macao', 'taiwan', 'overseas_chinese', 'foreigner']);
  assert.deepEqual(o.categories[0].documents, [{ value: 'resident_id', label: '居民身份证' }]);
  assert.equal(o.banks[0].code, 'icbc');
  assert.throws(() => ecard.validateApplication({ category: 'martian' }, NOW_MS), (e) => e.code === 'FORM_MALFORMED');
  assert.throws(() => ecard.checkPhoto(new Uint8Array(0), { photo: { width: 'wide' } }), (e) => e.code === 'INVALID_CONFIG');
  const dts = read('www/pkg/rules.d.ts').toString();
  for (const name of [
    'export interface ApplicationForm', 'export interface ApplicationVerdict', 'export interface PhotoVerdict',
    'validateApplication(form: ApplicationForm, now_ms: number, config?: RulesConfig): ApplicationVerdict',
    'checkPhoto(bytes: Uint8Array | number[], config?: RulesConfig): PhotoVerdict',
    'windowStatus(now_ms: number, config?: RulesConfig): WindowStatus',
    'checkIdNumber(text: string, now_ms: number): IdNumberVerdict',
  ]) {
    assert.ok(dts.includes(name), name);
  }
});
