// The hard frames alone (decode rate and median time, wasm gate package against jsQR), a
// quicker check than the whole harness after a change to the camera path:
//   python3 scripts/build-wasm.py gate && node benches/peers/hard-only.mjs [codes per kind, 20]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../../');
const require = createRequire(join(here, 'package.json'));
const ops = await import('./ops.mjs');
const read = (p) => readFileSync(join(root, p));
const load = async (name) => { const pkg = await import(pathToFileURL(join(root, `www/pkg/${name}.js`))); pkg.initSync({ module: read(`www/pkg/${name}_bg.wasm`) }); return pkg; };
const fixtures = { credential: ops.hexToBytes(read('tests/golden/credential.hex').toString().trim()) };
const rows = ops.hardFrames({ wallet: await load('wallet'), gate: await load('gate'), jsQR: require('jsqr'), fixtures }, Number(process.argv[2] ?? 20));
for (const r of rows) console.log(r.kind.padEnd(24), `${r.wasm}/${r.n}`, `${r.js}/${r.n}`, r.wasmMs.toFixed(2), r.jsMs.toFixed(2));
