// Baseline timings of the built web package in Node (run scripts/build-wasm.py first):
//   node benches/wasm-node.mjs
// Prints median and p99 per operation; the issue on speed compares these with JS libraries.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const read = (p) => readFileSync(root + p);
const t0 = performance.now();
const ecard = await import(root + 'www/pkg/wallet.js');
ecard.initSync({ module: read('www/pkg/wallet_bg.wasm') });
const gatePkg = await import(root + 'www/pkg/gate.js');
gatePkg.initSync({ module: read('www/pkg/gate_bg.wasm') });
const hex = (p) => Uint8Array.from(Buffer.from(read(p).toString().trim(), 'hex'));
const wallet = ecard.Wallet.fromSecret(new Uint8Array(32).fill(0x33));
wallet.setCredential(hex('tests/golden/credential.hex'));
const NOW_MS = 1795917600 * 1000;
ecard.renderSvg(wallet.codeAt(NOW_MS, 'museum', 0));
const coldMs = performance.now() - t0;

function measure(name, n, fn) {
  for (let i = 0; i < 20; i++) fn(i);
  const times = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    fn(i);
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(3);
  console.log(`${name.padEnd(44)} median ${q(0.5)} ms   p99 ${q(0.99)} ms   (n=${n})`);
}

const rootPub = ecard.Wallet.fromSecret(new Uint8Array(32).fill(0x11)).publicKey;
const bundle = hex('tests/golden/bundle.hex');
console.log(`cold start (import + instantiate + first code as SVG): ${coldMs.toFixed(1)} ms`);
measure('rotate (sign + text + QR matrix + SVG)', 300, (i) =>
  ecard.renderSvg(wallet.codeAt(NOW_MS, 'museum', i % 256)));
measure('rotate: sign + text only', 1000, (i) => wallet.codeAt(NOW_MS, 'museum', i % 256));
const codes = Array.from({ length: 256 }, (_, i) => wallet.codeAt(NOW_MS, 'museum', i));
let gate;
measure('gate verify (parse + 2 signatures + checks)', 1000, (i) => {
  if (i % 256 === 0) {
    gate = new gatePkg.Gate(rootPub, { scene: 'museum' });
    gate.loadBundle(bundle, NOW_MS);
  }
  const v = gate.verify(codes[i % 256], NOW_MS);
  if (!v.admitted) throw new Error(v.message);
});
