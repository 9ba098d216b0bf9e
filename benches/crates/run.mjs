// Which Ed25519 crate verifies fastest in wasm, and how the gate's verification compares with
// WebCrypto's native Ed25519, warm: blocks of 50 consecutive calls, the contenders in turn.
// Each contender checks the two signatures of the same 256 codes (the issuer's on the
// credential, the phone's on the code); the gate package does its whole verification.
//
//   node benches/crates/run.mjs              # builds this crate and www/pkg, Node then Chromium
//   options: --no-build  --no-browser  --rounds=40
//
// Needs what benches/peers/run.mjs installs (its node_modules: playwright-core) and the
// tools of scripts/ensure-tools.sh. Prints a table; never fails for being slow, only for a
// wrong result. Figures: docs/PERFORMANCE.md ("Ed25519 crates in wasm").
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../..');
const args = process.argv.slice(2);
const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 40);
const sh = (cmd, argv) => execFileSync(cmd, argv, { cwd: root, stdio: 'inherit' });
const out = join(root, 'target/survey');

if (!existsSync(join(root, 'benches/peers/node_modules/playwright-core'))) {
  console.log('==> installing the JavaScript peers (npm ci in benches/peers)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: join(root, 'benches/peers'), stdio: 'inherit' });
}
if (!args.includes('--no-build')) {
  sh('python3', ['scripts/build-wasm.py', 'wallet', 'gate']);
  sh('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown',
    '--manifest-path', 'benches/crates/Cargo.toml', '--target-dir', out]);
  sh('wasm-bindgen', [join(out, 'wasm32-unknown-unknown/release/ed25519_survey.wasm'),
    '--target', 'web', '--out-dir', join(out, 'pkg')]);
  // The same wasm-opt pass as the web packages (wasm-pack.toml).
  const wasm = join(out, 'pkg/ed25519_survey_bg.wasm');
  sh(join(root, 'tools/node_modules/.bin/wasm-opt'), ['-O3', wasm, '-o', wasm]);
}

const survey = await import('./survey.mjs');
const hex = (p) => Uint8Array.from(readFileSync(join(root, p), 'utf8').trim().match(/../g), (b) => parseInt(b, 16));
const fixtures = { credential: hex('tests/golden/credential.hex'), bundle: hex('tests/golden/bundle.hex') };
const load = async (file, wasm) => {
  const pkg = await import(pathToFileURL(file));
  pkg.initSync({ module: readFileSync(wasm) });
  return pkg;
};

const print = (where, rows) => {
  const web = rows.find((r) => r.name.startsWith('WebCrypto'));
  console.log(`\n${where}: µs per code (two signatures), median of ${rounds} blocks of 50 calls (10th–90th percentile)`);
  console.log('| contender | median | 10–90% | ÷ WebCrypto |');
  console.log('|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.median.toFixed(1)} | ${r.low.toFixed(1)}–${r.high.toFixed(1)} | ${(r.median / web.median).toFixed(3)} |`);
  }
};

console.log(`${new Date().toISOString().slice(0, 16)} UTC, ${os.cpus().length} × ${os.cpus()[0].model.trim()}, load ${os.loadavg()[0].toFixed(1)}, Node ${process.version}`);
const lib = {
  wallet: await load(join(root, 'www/pkg/wallet.js'), join(root, 'www/pkg/wallet_bg.wasm')),
  gate: await load(join(root, 'www/pkg/gate.js'), join(root, 'www/pkg/gate_bg.wasm')),
  survey: await load(join(out, 'pkg/ed25519_survey.js'), join(out, 'pkg/ed25519_survey_bg.wasm')),
  subtle: globalThis.crypto.subtle,
  fixtures,
};
print('Node', await survey.measure(await survey.contenders(lib), { rounds }));
console.log(`wide arithmetic (i64.mul_wide_u) in Node's WebAssembly: ${survey.wideArithmetic() ? 'yes' : 'no'}`);

if (!args.includes('--no-browser')) {
  const { withChromium } = await import('../peers/chromium.mjs');
  const rows = await withChromium(root, async (base, browser) => {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(`${base}/benches/crates/page.html`);
    await page.waitForFunction(() => window.ready, null, { timeout: 60_000 });
    console.log(`\n(Chromium ${browser.version()}; wide arithmetic (i64.mul_wide_u) in its WebAssembly: ${(await page.evaluate(() => window.wide)) ? 'yes' : 'no'})`);
    return page.evaluate((r) => window.survey({ rounds: r }), rounds);
  });
  print('Chromium', rows);
}
