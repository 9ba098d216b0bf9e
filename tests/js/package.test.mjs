// The built web package (www/pkg, after wasm-opt) as the pages load it, run in Node:
// it reproduces the golden code and SVG, its Gate admits once and refuses the replay, and its
// errors carry stable codes. Run by scripts/test.sh after scripts/build-wasm.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (p) => readFileSync(root + p);
const ecard = await import(root + 'www/pkg/ecard.js');
ecard.initSync({ module: read('www/pkg/ecard_bg.wasm') });

const NOW_MS = 1795917600 * 1000;
const hex = (p) => Uint8Array.from(Buffer.from(read(p).toString().trim(), 'hex'));
const goldenCode = read('tests/golden/code.txt').toString().trim();
const ROOT_PUBLIC = (() => {
  // The root public key is the trust list's signer; the golden bundle is verified with it.
  const w = ecard.Wallet.fromSecret(new Uint8Array(32).fill(0x11));
  return w.publicKey;
})();

function goldenWallet() {
  const w = ecard.Wallet.fromSecret(new Uint8Array(32).fill(0x33));
  w.setCredential(hex('tests/golden/credential.hex'));
  return w;
}

test('the package makes the golden code and SVG', () => {
  const w = goldenWallet();
  assert.equal(w.codeAt(NOW_MS, 'museum', 0), goldenCode);
  assert.equal(ecard.renderSvg(goldenCode), read('tests/golden/code.svg').toString());
  const m = ecard.renderMatrix(goldenCode);
  assert.equal(m.version, 10);
  assert.equal(m.dark.length, m.width * m.width);
});

test('the code changes every 30 seconds and the countdown says when', () => {
  const w = goldenWallet();
  const t = NOW_MS + 5_000;
  assert.equal(w.codeAt(t, 'museum', 0), goldenCode);
  assert.notEqual(w.codeAt(NOW_MS + 30_000, 'museum', 0), goldenCode);
  assert.equal(ecard.Wallet.msToNext(t), 25_000);
});

test('the gate admits once, then refuses the same code as used', () => {
  const gate = new ecard.Gate(ROOT_PUBLIC, { scene: 'museum' });
  const status = gate.loadBundle(hex('tests/golden/bundle.hex'), NOW_MS);
  assert.equal(status.stale, false);
  const first = gate.verify(goldenCode, NOW_MS);
  assert.equal(first.admitted, true, first.message);
  assert.deepEqual(first.holder, { masked_name: '张*', age_band: '18-59', age_band_label: '18-59岁' });
  const again = gate.verify(goldenCode, NOW_MS + 1000);
  assert.equal(again.code, 'REPLAYED');
  const restarted = new ecard.Gate(ROOT_PUBLIC, { scene: 'museum' });
  restarted.loadBundle(hex('tests/golden/bundle.hex'), NOW_MS);
  assert.equal(restarted.restoreReplay(gate.saveReplay(), NOW_MS + 2000), 1);
  assert.equal(restarted.verify(goldenCode, NOW_MS + 2000).code, 'REPLAYED');
});

test('a library gate refuses a museum code and says what to do', () => {
  const gate = new ecard.Gate(ROOT_PUBLIC, { scene: 'library' });
  gate.loadBundle(hex('tests/golden/bundle.hex'), NOW_MS);
  const v = gate.verify(goldenCode, NOW_MS);
  assert.equal(v.code, 'WRONG_SCENE');
  assert.match(v.message, /图书馆/);
});

test('errors carry stable codes and Chinese messages', () => {
  assert.throws(() => new ecard.Gate('zz', undefined), (e) => e.code === 'INVALID_ROOT_KEY' && /根公钥/.test(e.message));
  assert.throws(() => goldenWallet().codeAt(NOW_MS, 'zoo', 0), (e) => e.code === 'INVALID_SCENE');
  assert.throws(() => ecard.Wallet.generate().codeAt(NOW_MS, 'museum', 0), (e) => e.code === 'NO_CREDENTIAL');
  const gate = new ecard.Gate(ROOT_PUBLIC, undefined);
  assert.throws(() => gate.loadBundle(new Uint8Array([1, 2, 3]), NOW_MS), (e) => e.code === 'BUNDLE_MALFORMED');
  assert.throws(() => ecard.inspect('HNSSC1:%%%'), (e) => e.code === 'BAD_ENCODING');
});

test('generated device keys are fresh and the TypeScript types are shipped', () => {
  const a = ecard.Wallet.generate();
  const b = ecard.Wallet.generate();
  assert.match(a.publicKey, /^[0-9a-f]{64}$/);
  assert.notEqual(a.publicKey, b.publicKey);
  const dts = read('www/pkg/ecard.d.ts').toString();
  for (const name of ['export class Wallet', 'export class Gate', 'export interface Verdict', 'verify(text: string, now_ms: number): Verdict']) {
    assert.ok(dts.includes(name), name);
  }
});
