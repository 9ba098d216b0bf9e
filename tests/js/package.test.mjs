// The built web packages (www/pkg, after wasm-opt) as the pages load them, run in Node: the
// wallet package reproduces the golden code and SVG, the gate package's Gate admits once and
// refuses the replay, errors carry stable codes, and each package has only its own exports.
// Run by scripts/test.sh after scripts/build-wasm.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (p) => readFileSync(root + p);
async function load(name) {
  const pkg = await import(root + `www/pkg/${name}.js`);
  pkg.initSync({ module: read(`www/pkg/${name}_bg.wasm`) });
  return pkg;
}
const wallet = await load('wallet');
const gatePkg = await load('gate');
const rules = await load('rules');

const NOW_MS = 1795917600 * 1000;
const hex = (p) => Uint8Array.from(Buffer.from(read(p).toString().trim(), 'hex'));
const goldenCode = read('tests/golden/code.txt').toString().trim();
const ROOT_PUBLIC = (() => {
  // The root public key is the trust list's signer; the golden bundle is verified with it.
  const w = wallet.Wallet.fromSecret(new Uint8Array(32).fill(0x11));
  return w.publicKey;
})();

function goldenWallet() {
  const w = wallet.Wallet.fromSecret(new Uint8Array(32).fill(0x33));
  w.setCredential(hex('tests/golden/credential.hex'));
  return w;
}

test('the package makes the golden code and SVG', () => {
  const w = goldenWallet();
  assert.equal(w.codeAt(NOW_MS, 'museum', 0), goldenCode);
  assert.equal(wallet.renderSvg(goldenCode), read('tests/golden/code.svg').toString());
  // The e-card page's one call: the same code drawn the same way.
  assert.equal(w.svgAt(NOW_MS, 'museum', 0), read('tests/golden/code.svg').toString());
  assert.throws(() => w.svgAt(NOW_MS, 'zoo', 0), (e) => e.code === 'INVALID_SCENE');
  const m = wallet.renderMatrix(goldenCode);
  assert.equal(m.version, 10);
  assert.equal(m.dark.length, m.width * m.width);
});

test('the code changes every 30 seconds and the countdown says when', () => {
  const w = goldenWallet();
  const t = NOW_MS + 5_000;
  assert.equal(w.codeAt(t, 'museum', 0), goldenCode);
  assert.notEqual(w.codeAt(NOW_MS + 30_000, 'museum', 0), goldenCode);
  assert.equal(wallet.Wallet.msToNext(t), 25_000);
});

test('the gate admits once, then refuses the same code as used', () => {
  const gate = new gatePkg.Gate(ROOT_PUBLIC, { scene: 'museum' });
  const status = gate.loadBundle(hex('tests/golden/bundle.hex'), NOW_MS);
  assert.equal(status.stale, false);
  const first = gate.verify(goldenCode, NOW_MS);
  assert.equal(first.admitted, true, first.message);
  assert.deepEqual(first.holder, { masked_name: '张*', age_band: '18-59', age_band_label: '18-59岁' });
  const again = gate.verify(goldenCode, NOW_MS + 1000);
  assert.equal(again.code, 'REPLAYED');
  const restarted = new gatePkg.Gate(ROOT_PUBLIC, { scene: 'museum' });
  restarted.loadBundle(hex('tests/golden/bundle.hex'), NOW_MS);
  assert.equal(restarted.restoreReplay(gate.saveReplay(), NOW_MS + 2000), 1);
  assert.equal(restarted.verify(goldenCode, NOW_MS + 2000).code, 'REPLAYED');
});

test('a library gate refuses a museum code and says what to do', () => {
  const gate = new gatePkg.Gate(ROOT_PUBLIC, { scene: 'library' });
  gate.loadBundle(hex('tests/golden/bundle.hex'), NOW_MS);
  const v = gate.verify(goldenCode, NOW_MS);
  assert.equal(v.code, 'WRONG_SCENE');
  assert.match(v.message, /图书馆/);
});

test('a verdict has every field of its TypeScript type, null where it does not apply', () => {
  const gate = new gatePkg.Gate(ROOT_PUBLIC, { scene: 'museum' });
  gate.loadBundle(hex('tests/golden/bundle.hex'), NOW_MS);
  const admitted = gate.verify(goldenCode, NOW_MS);
  assert.equal(admitted.entry, null, 'no venue: no booking to show');
  assert.equal(admitted.reader, null, 'not a library');
  assert.equal(admitted.scene, 'museum');
  const unreadable = gate.verify('HNSSC1:%%%', NOW_MS);
  assert.equal(unreadable.admitted, false);
  for (const field of ['holder', 'scene', 'serial', 'clock_offset_secs', 'entry', 'reader']) {
    assert.equal(unreadable[field], null, field);
  }
  assert.deepEqual(unreadable.warnings, []);
});

test('errors carry stable codes and Chinese messages', () => {
  assert.throws(() => new gatePkg.Gate('zz', undefined), (e) => e.code === 'INVALID_ROOT_KEY' && /根公钥/.test(e.message));
  assert.throws(() => goldenWallet().codeAt(NOW_MS, 'zoo', 0), (e) => e.code === 'INVALID_SCENE');
  assert.throws(() => wallet.Wallet.generate().codeAt(NOW_MS, 'museum', 0), (e) => e.code === 'NO_CREDENTIAL');
  const gate = new gatePkg.Gate(ROOT_PUBLIC, undefined);
  assert.throws(() => gate.loadBundle(new Uint8Array([1, 2, 3]), NOW_MS), (e) => e.code === 'BUNDLE_MALFORMED');
  assert.throws(() => gatePkg.inspect('HNSSC1:%%%'), (e) => e.code === 'BAD_ENCODING');
});

test('generated device keys are fresh and the TypeScript types are shipped', () => {
  const a = wallet.Wallet.generate();
  const b = wallet.Wallet.generate();
  assert.match(a.publicKey, /^[0-9a-f]{64}$/);
  assert.notEqual(a.publicKey, b.publicKey);
  const walletTypes = read('www/pkg/wallet.d.ts').toString();
  const gateTypes = read('www/pkg/gate.d.ts').toString();
  assert.ok(walletTypes.includes('export class Wallet'));
  for (const name of ['export class Gate', 'export interface Verdict', 'verify(text: string, now_ms: number): Verdict']) {
    assert.ok(gateTypes.includes(name), name);
  }
});

test('each package has its own exports: no decoder or rules on the phone, no wallet at the gate', () => {
  assert.equal(typeof gatePkg.decodeQr, 'function');
  for (const name of ['decodeQr', 'Gate', 'validateApplication', 'checkPhoto']) {
    assert.equal(wallet[name], undefined, `wallet package exports ${name}`);
  }
  for (const name of ['Wallet', 'renderSvg', 'validateApplication']) {
    assert.equal(gatePkg[name], undefined, `gate package exports ${name}`);
  }
  for (const name of ['Wallet', 'Gate', 'decodeQr', 'renderSvg']) {
    assert.equal(rules[name], undefined, `rules package exports ${name}`);
  }
  assert.equal(typeof rules.validateApplication, 'function');
});
