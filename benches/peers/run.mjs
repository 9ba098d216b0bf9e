// The speed harness: native core (criterion), the wasm packages in Node and in headless
// Chromium, and the JavaScript peers, on the same operations, interleaved, every result checked.
//
//   node benches/peers/run.mjs              # build, install the peers, run everything
//   node benches/peers/run.mjs --no-native  # reuse target/criterion from an earlier cargo bench
//   node benches/peers/run.mjs --paired     # only the paired wasm ÷ native samples (about 1 min)
//   options: --no-build  --no-browser  --n=200
//
// Installs the peers from npm into benches/peers/node_modules (package-lock.json) when missing,
// builds the wallet and gate packages (scripts/build-wasm.py), runs `cargo bench --bench
// core` and builds examples/paired.rs (native samples taken between the wasm ones). Prints one table and writes it to benches/RESULTS.md. Never fails for being slow: only
// a wrong result (a signature that does not verify, a code that does not decode) fails it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../..');
const args = new Set(process.argv.slice(2));
const N = Number([...args].find((a) => a.startsWith('--n='))?.slice(4) ?? 200);
const sh = (cmd, argv, cwd = root) => execFileSync(cmd, argv, { cwd, stdio: 'inherit' });

if (!existsSync(join(here, 'node_modules/@noble/ed25519'))) {
  console.log('==> installing the JavaScript peers (npm ci in benches/peers)');
  sh('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], here);
}
if (!args.has('--no-build')) sh('python3', ['scripts/build-wasm.py', 'wallet', 'gate']);
if (!args.has('--no-native') && !args.has('--paired')) sh('cargo', ['bench', '--bench', 'core']);

const require = createRequire(join(here, 'package.json'));
// node-qrcode for the Chromium pages, as one script (served from the repository's root).
const { writeQrcodeBundle } = await import('./bundle.mjs');
writeQrcodeBundle(join(here, 'package.json'), join(root, 'target/bench-peers/node-qrcode.js'));
const ops = await import('./ops.mjs');
const { withChromium } = await import('./chromium.mjs');
const read = (p) => readFileSync(join(root, p));
const hexFile = (p) => ops.hexToBytes(read(p).toString().trim());
const fixtures = { credential: hexFile('tests/golden/credential.hex'), bundle: hexFile('tests/golden/bundle.hex') };

async function nodeLibs() {
  const load = async (name) => {
    const pkg = await import(pathToFileURL(join(root, `www/pkg/${name}.js`)));
    pkg.initSync({ module: read(`www/pkg/${name}_bg.wasm`) });
    return pkg;
  };
  const ed = await import('@noble/ed25519');
  const { sha512 } = await import('@noble/hashes/sha512');
  ed.etc.sha512Sync = (...m) => sha512(ed.etc.concatBytes(...m));
  return {
    wallet: await load('wallet'),
    gate: await load('gate'),
    ed,
    nacl: require('tweetnacl'),
    subtle: globalThis.crypto.subtle,
    jsQR: require('jsqr'),
    ...ops.nodeQrcode(require('qrcode'), require('qrcode/lib/renderer/svg-tag')),
    fixtures,
  };
}

/** The native side of the paired samples: examples/paired.rs, built and started once. */
function pairedNative() {
  sh('cargo', ['build', '--release', '--example', 'paired']);
  const dir = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
  const child = spawn(join(dir, 'release/examples/paired'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = [];
  createInterface({ input: child.stdout }).on('line', (l) => waiting.shift()?.(l));
  const ask = (cmd) => new Promise((resolve) => {
    waiting.push(resolve);
    child.stdin.write(`${cmd}\n`);
  });
  return {
    sample: async (op, n) => {
      const line = await ask(`${op === 'rotate' ? 'rotate' : 'verify'} ${n}`);
      const us = Number(line);
      if (!Number.isFinite(us)) throw new Error(`examples/paired: ${line}`);
      return us;
    },
    close: () => child.stdin.end(),
  };
}

/** Criterion's figures: median of its estimates, and p99 over its 100 samples' per-iteration means. */
function nativeResults() {
  const dir = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'criterion');
  if (!existsSync(dir)) return [];
  const out = [];
  for (const d of readdirSync(dir)) {
    const f = join(dir, d, 'new');
    if (!existsSync(join(f, 'benchmark.json'))) continue;
    const title = JSON.parse(readFileSync(join(f, 'benchmark.json'))).title;
    const est = JSON.parse(readFileSync(join(f, 'estimates.json')));
    const sample = JSON.parse(readFileSync(join(f, 'sample.json')));
    const per = sample.times.map((t, i) => t / sample.iters[i] / 1e6);
    out.push({ title, median: est.median.point_estimate / 1e6, p99: ops.stats(per).p99 });
  }
  return out;
}

const NATIVE_OPS = {
  rotate: 'rotate (sign + text + QR matrix + SVG)',
  'gate verify': 'gate verify (parse + 2 signatures + revocation + replay)',
  'camera decode': 'camera decode (640x480 frame, decode + verify)',
};

/** Cold start in fresh Node processes, interleaved: wasm package vs the JS peer pipeline. */
function coldStarts(n = 15) {
  const res = { wasm: [], js: [] };
  for (let i = 0; i < n; i++) {
    for (const who of ['wasm', 'js']) {
      const r = spawnSync(process.execPath, [join(here, 'cold.mjs'), who], { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`cold start ${who}: ${r.stderr}`);
      res[who].push(Number(r.stdout.trim()));
    }
  }
  return [
    { op: 'cold start', name: 'wasm (wallet package)', ...ops.stats(res.wasm) },
    { op: 'cold start', name: '@noble/ed25519 + node-qrcode', ...ops.stats(res.js) },
  ];
}

async function browserResults() {
  return withChromium(root, async (base, browser) => {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(`${base}/benches/peers/page.html`);
    await page.waitForFunction(() => window.bench, null, { timeout: 60_000 });
    const { results, pairs } = await page.evaluate((n) => window.bench.run(n), N);
    // Cold starts, each in a fresh context, the wasm page and the JavaScript one in turn.
    const cold = { 'cold.html': [], 'cold-js.html': [] };
    for (let i = 0; i < 10; i++) {
      for (const [file, times] of Object.entries(cold)) {
        const ctx = await browser.newContext();
        const p = await ctx.newPage();
        p.on('pageerror', (e) => console.error(`${file}:`, e));
        await p.goto(`${base}/benches/peers/${file}`);
        times.push(await p.waitForFunction(() => window.coldMs, null, { timeout: 60_000 }).then((h) => h.jsonValue()));
        await ctx.close();
      }
    }
    results.push({ op: 'cold start', name: 'wasm (wallet package)', ...ops.stats(cold['cold.html']) });
    results.push({ op: 'cold start', name: '@noble/ed25519 + node-qrcode', ...ops.stats(cold['cold-js.html']) });
    return { results, pairs };
  });
}

const fmt = (ms) => (ms === undefined ? '' : ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);
const lines = [];
const say = (s = '') => {
  console.log(s);
  lines.push(s);
};

const libs = await nodeLibs();
const list = await ops.contenders(libs);
// First the wasm ÷ native comparison, nearest in time to criterion's run, with a native sample
// of the same calls after each wasm sample (examples/paired.rs).
const paired = pairedNative();
const nodeLoops = await ops.loops(list, { native: paired.sample });
paired.close();
if (args.has('--paired')) {
  // Only these: printed, benches/RESULTS.md left as it is.
  for (const r of nodeLoops) {
    console.log(`${r.op}: wasm in Node ${fmt(r.median)}, native ${fmt(r.native.median)}, paired ratio ${r.ratio.toFixed(2)}`);
  }
  process.exit(0);
}
const nodeRes = [...(await ops.measure(list, { n: N })), ...coldStarts()];
const nodePairs = await ops.measurePairs(list, { n: N });
const native = nativeResults();
const { results: chrome, pairs: chromePairs } = args.has('--no-browser') ? { results: [], pairs: [] } : await browserResults();
const hard = ops.hardFrames(libs);

const env = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load ${os.loadavg()[0].toFixed(1)}; Node ${process.version}; Chromium ${execFileSync('/usr/bin/chromium', ['--version']).toString().trim().split(' ')[1]}`;
const text = libs.wallet.Wallet.fromSecret(new Uint8Array(32).fill(0x33));
text.setCredential(fixtures.credential);
const code = text.codeAt(ops.NOW_MS, 'museum', 0);
const ours = libs.wallet.renderMatrix(code);
const theirs = libs.qrMatrix(code);
say(`# Benchmark results`);
say();
say(`Written by \`node benches/peers/run.mjs\` on ${new Date().toISOString().slice(0, 16)} UTC (${env}).`);
say(`Medians and p99 of ${N} runs per contender, contenders interleaved; native figures are criterion's`);
say(`(p99 over its 100 samples' means). Typical code: ${code.length} characters, QR version ${ours.version}`);
say(`(${ours.width}×${ours.width}) at level M; node-qrcode makes version ${theirs.version} of it.`);
say();
say('| package | .wasm bytes | gzip -9 bytes |');
say('|---|---|---|');
for (const name of ['wallet', 'gate', 'rules']) {
  const f = join(root, `www/pkg/${name}_bg.wasm`);
  if (existsSync(f)) say(`| ${name} | ${readFileSync(f).length} | ${gzipSync(readFileSync(f), { level: 9 }).length} |`);
}
say();
say('| operation | contender | Node median | Node p99 | Chromium median | Chromium p99 | native median | native p99 |');
say('|---|---|---|---|---|---|---|---|');
const opsOrder = ['rotate', 'gate verify', 'camera decode', 'cold start'];
for (const op of opsOrder) {
  const names = [...new Set([...nodeRes, ...chrome].filter((r) => r.op === op).map((r) => r.name))];
  for (const name of names) {
    const a = nodeRes.find((r) => r.op === op && r.name === name);
    const b = chrome.find((r) => r.op === op && r.name === name);
    const c = name.startsWith('wasm') ? native.find((r) => r.title === NATIVE_OPS[op]) : undefined;
    say(`| ${op} | ${name} | ${fmt(a?.median)} | ${fmt(a?.p99)} | ${fmt(b?.median)} | ${fmt(b?.p99)} | ${fmt(c?.median)} | ${fmt(c?.p99)} |`);
  }
}
say();
say('Ratios (wasm ÷ peer, medians of the same run; below 1 means wasm is faster):');
say();
const ratio = (res, op, peer) => {
  const w = res.find((r) => r.op === op && r.name.startsWith('wasm'));
  const p = res.find((r) => r.op === op && r.name.startsWith(peer));
  return w && p ? (w.median / p.median).toFixed(3) : 'n/a';
};
say('| ratio | target | Node | Chromium |');
say('|---|---|---|---|');
for (const [op, peer, target] of [
  ['rotate', '@noble/ed25519', '≤ 0.25 of the fastest JS pipeline'],
  ['rotate', 'tweetnacl', ''],
  ['rotate', 'WebCrypto', ''],
  ['gate verify', '@noble/ed25519', '≤ 0.2'],
  ['gate verify', 'tweetnacl', ''],
  ['gate verify', 'WebCrypto (phone key imported from each code)', '≤ 1.0'],
  ['gate verify', 'WebCrypto (one phone key imported in advance)', '(reference)'],
  ['camera decode', 'jsQR', '≤ 1.0'],
  ['cold start', '@noble/ed25519', '(no target)'],
]) {
  say(`| ${op}: wasm ÷ ${peer} | ${target} | ${ratio(nodeRes, op, peer)} | ${ratio(chrome, op, peer)} |`);
}
const nat = (op) => native.find((r) => r.title === NATIVE_OPS[op]);
const wasmLoop = (op) => nodeLoops.find((r) => r.op === op);
const vsNative = (op) => (nat(op) && wasmLoop(op) ? (wasmLoop(op).median / nat(op).median).toFixed(2) : 'n/a');
const vsPaired = (op) => (wasmLoop(op)?.ratio ? wasmLoop(op).ratio.toFixed(2) : 'n/a');
say(`| rotate: wasm in Node ÷ native, paired samples (criterion's run minutes before: ${vsNative('rotate')}) | ≤ 2 | ${vsPaired('rotate')} | |`);
say(`| gate verify: wasm in Node ÷ native, paired samples (criterion's run minutes before: ${vsNative('gate verify')}) | ≤ 3 | ${vsPaired('gate verify')} | |`);
say();
say('wasm against each peer alone (wasm, peer, wasm, peer …, nothing else in between; medians and');
say('their ratio). In the table above every contender of an operation runs between two wasm calls,');
say('and a short call is slowed by what ran before it (docs/PERFORMANCE.md, "After other work"):');
say();
say('| operation | peer | Node: wasm / peer | ratio | Chromium: wasm / peer | ratio |');
say('|---|---|---|---|---|---|');
for (const a of nodePairs) {
  const b = chromePairs.find((r) => r.op === a.op && r.peer === a.peer);
  const both = (r) => (r ? `${fmt(r.wasm.median)} / ${fmt(r.other.median)}` : '');
  say(`| ${a.op} | ${a.peer} | ${both(a)} | ${a.ratio.toFixed(3)} | ${both(b)} | ${b ? b.ratio.toFixed(3) : ''} |`);
}
for (const b of chromePairs.filter((r) => !nodePairs.some((a) => a.op === r.op && a.peer === r.peer))) {
  say(`| ${b.op} | ${b.peer} | | | ${fmt(b.wasm.median)} / ${fmt(b.other.median)} | ${b.ratio.toFixed(3)} |`);
}
say();
say('wasm in Node, consecutive calls (median of 30 samples of 100 calls, as criterion samples), each');
say('sample followed by a native sample of the same 100 calls (examples/paired.rs); the ratio is the');
say('median of the 30 per-pair ratios:');
say();
say('| operation | wasm in Node | native, paired samples | ratio | native (criterion) |');
say('|---|---|---|---|---|');
for (const r of nodeLoops) say(`| ${r.op} | ${fmt(r.median)} | ${fmt(r.native?.median)} | ${r.ratio?.toFixed(2) ?? 'n/a'} | ${fmt(nat(r.op)?.median)} |`);
say();
say('Hard frames (640×480; codes decoded to the exact text, of 6 per kind):');
say();
say('| frame | wasm (locator) | jsQR | wasm median time | jsQR median time |');
say('|---|---|---|---|---|');
for (const r of hard) say(`| ${r.kind} | ${r.wasm}/${r.n} | ${r.js}/${r.n} | ${fmt(r.wasmMs)} | ${fmt(r.jsMs)} |`);
writeFileSync(join(root, 'benches/RESULTS.md'), lines.join('\n') + '\n');
console.log('\nwritten to benches/RESULTS.md');
