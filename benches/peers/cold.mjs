// One cold start, in a fresh process (run.mjs starts it many times): `wasm` loads the wallet
// package and makes the first code as SVG; `js` loads @noble/ed25519 and node-qrcode and makes
// the same kind of code. Prints milliseconds from before the first import to the SVG.
const t0 = performance.now();
const { readFileSync } = await import('node:fs');
const root = new URL('../../', import.meta.url);
const credential = Uint8Array.from(readFileSync(new URL('tests/golden/credential.hex', root), 'utf8').trim().match(/../g), (b) => parseInt(b, 16));
const NOW_MS = 1795917600 * 1000;
let svg;
if (process.argv[2] === 'wasm') {
  const w = await import(new URL('www/pkg/wallet.js', root));
  w.initSync({ module: readFileSync(new URL('www/pkg/wallet_bg.wasm', root)) });
  const wallet = w.Wallet.fromSecret(new Uint8Array(32).fill(0x33));
  wallet.setCredential(credential);
  svg = wallet.svgAt(NOW_MS, 'museum', 0);
} else {
  const ed = await import('@noble/ed25519');
  const { sha512 } = await import('@noble/hashes/sha512');
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const QRCode = require('qrcode');
  const svgTag = require('qrcode/lib/renderer/svg-tag');
  const { base45Encode } = await import('./ops.mjs');
  ed.etc.sha512Sync = (...m) => sha512(ed.etc.concatBytes(...m));
  const presentation = new Uint8Array([30, 0, 0x39, 0x18, 0x5a, 2, 0]);
  const msg = new Uint8Array([...new TextEncoder().encode('HNSSC-CODE-V1\0'), ...credential, ...presentation]);
  const sig = ed.sign(msg, new Uint8Array(32).fill(0x33));
  const text = 'HNSSC1:' + base45Encode(new Uint8Array([...credential, ...presentation, ...sig]));
  svg = svgTag.render(QRCode.create(text, { errorCorrectionLevel: 'M' }), {});
}
if (!svg.includes('<path')) throw new Error('no code');
console.log((performance.now() - t0).toFixed(3));
