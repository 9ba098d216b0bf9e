// The operations the harness times, shared by Node (run.mjs) and headless Chromium (page.html):
// each contender is { name, op, setup?, run(i) } and `check()` proves once, outside the timing,
// that its result is right (signatures verify, the gate admits the code, QR codes decode to
// the same text). The libraries are passed in, so the same code runs in both places.

export const NOW_MS = 1795917600 * 1000; // tests/common NOW: 2026-11-29 10:00 CST
const CODE_TAG = new TextEncoder().encode('HNSSC-CODE-V1\0');
const CRED_TAG = new TextEncoder().encode('HNSSC-CREDENTIAL-V1\0');
const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

export function base45Encode(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 2) {
    if (i + 1 < bytes.length) {
      let n = bytes[i] * 256 + bytes[i + 1];
      out += B45[n % 45] + B45[Math.floor(n / 45) % 45] + B45[Math.floor(n / 2025)];
    } else {
      const n = bytes[i];
      out += B45[n % 45] + B45[Math.floor(n / 45)];
    }
  }
  return out;
}

export function base45Decode(text) {
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < text.length; i += 3) {
    const a = B45.indexOf(text[i]);
    const b = B45.indexOf(text[i + 1]);
    if (i + 2 < text.length) {
      const n = a + b * 45 + B45.indexOf(text[i + 2]) * 2025;
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      out[o++] = a + b * 45;
    }
  }
  return out;
}

const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** A code's parts: credential body (57 bytes here), issuer signature, presentation, device signature. */
export function parseCode(text) {
  const bytes = base45Decode(text.slice('HNSSC1:'.length));
  const bodyLen = bytes.length - 64 - 7 - 64;
  const body = bytes.subarray(0, bodyLen);
  return {
    body,
    issuerSig: bytes.subarray(bodyLen, bodyLen + 64),
    credential: bytes.subarray(0, bodyLen + 64),
    presentation: bytes.subarray(bodyLen + 64, bodyLen + 71),
    deviceSig: bytes.subarray(bodyLen + 71),
    // The device public key sits right before the masked name's length byte and name.
    devicePub: bytes.subarray(bodyLen - 32 - 1 - 4, bodyLen - 1 - 4),
  };
}

export const issuerMessage = (p) => concat(CRED_TAG, p.body);
export const deviceMessage = (credential, presentation) => concat(CODE_TAG, credential, presentation);

/** A greyscale frame (width × height) with the matrix drawn at `scale` pixels per module. */
export function frame(m, { width = 640, height = 480, scale = 5, dark = 24, light = 226 } = {}) {
  const px = new Uint8Array(width * height).fill(light);
  const side = (m.width + 8) * scale;
  const ox = (width - side) >> 1;
  const oy = (height - side) >> 1;
  for (let y = 0; y < m.width; y++) {
    for (let x = 0; x < m.width; x++) {
      if (!m.dark[y * m.width + x]) continue;
      for (let dy = 0; dy < scale; dy++) {
        const row = (oy + (y + 4) * scale + dy) * width + ox + (x + 4) * scale;
        px.fill(dark, row, row + scale);
      }
    }
  }
  return px;
}

/** Greyscale → RGBA, as a canvas's getImageData gives it. */
export function rgba(luma) {
  const out = new Uint8ClampedArray(luma.length * 4);
  for (let i = 0, p = 0; i < luma.length; i++, p += 4) {
    out[p] = out[p + 1] = out[p + 2] = luma[i];
    out[p + 3] = 255;
  }
  return out;
}

/** RGBA → greyscale, exactly as www/js/gate.js does before decodeQr. */
export function luma(data, n) {
  const out = new Uint8Array(n);
  for (let i = 0, p = 0; i < n; i += 1, p += 4) {
    out[i] = (data[p] * 299 + data[p + 1] * 587 + data[p + 2] * 114) / 1000;
  }
  return out;
}

/** The hard frames: each a function of a clean 640×480 frame (and the matrix). */
export const HARD = {
  clean: (m) => frame(m),
  'small (3 px/module)': (m) => frame(m, { scale: 3 }),
  blurred: (m) => boxBlur(frame(m), 640, 480, 2),
  'rotated 20°': (m) => rotate(frame(m, { scale: 4 }), 640, 480, (20 * Math.PI) / 180),
  'tilted (perspective)': (m) => tilt(frame(m, { scale: 4 }), 640, 480),
  'low contrast': (m) => frame(m, { dark: 110, light: 150 }),
  glare: (m) => glare(frame(m), 640, 480),
  'noisy + blurred': (m) => noise(boxBlur(frame(m), 640, 480, 1), 40),
};

function boxBlur(src, w, h, r) {
  const tmp = new Uint8Array(src.length);
  const out = new Uint8Array(src.length);
  const n = 2 * r + 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += src[y * w + Math.min(w - 1, Math.max(0, x + k))];
      tmp[y * w + x] = s / n;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x];
      out[y * w + x] = s / n;
    }
  }
  return out;
}

/** The frame seen through `from` (output pixel → source point), sampled bilinearly. */
function warp(src, w, h, from) {
  const out = new Uint8Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [sx, sy] = from(x, y);
      const ix = Math.floor(sx);
      const iy = Math.floor(sy);
      if (ix < 0 || iy < 0 || ix >= w - 1 || iy >= h - 1) {
        out[y * w + x] = src[0];
        continue;
      }
      const fx = sx - ix;
      const fy = sy - iy;
      const p = (i, j) => src[(iy + j) * w + ix + i];
      out[y * w + x] = (p(0, 0) * (1 - fx) + p(1, 0) * fx) * (1 - fy) + (p(0, 1) * (1 - fx) + p(1, 1) * fx) * fy;
    }
  }
  return out;
}

function rotate(src, w, h, a) {
  const [c, s, cx, cy] = [Math.cos(a), Math.sin(a), w / 2, h / 2];
  return warp(src, w, h, (x, y) => [c * (x - cx) + s * (y - cy) + cx, -s * (x - cx) + c * (y - cy) + cy]);
}

function tilt(src, w, h) {
  // A phone tilted back: a true perspective (every source point divided by the same linear
  // term), the code's top edge about 24% narrower than its bottom edge.
  return warp(src, w, h, (x, y) => {
    const k = 0.75 + 0.5 * (y / h);
    return [(x - w / 2) / k + w / 2, (y - h / 2) / k + h / 2];
  });
}

function glare(src, w, h) {
  // A bright reflection over the upper right of the code, and darker light to the lower left.
  const out = new Uint8Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(x - 400, y - 170) / 90;
      const shade = 0.75 + 0.25 * (x / w);
      const v = src[y * w + x] * shade + 150 * Math.exp(-d * d);
      out[y * w + x] = Math.min(255, v);
    }
  }
  return out;
}

function noise(src, amp) {
  let s = 12345;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = Math.min(255, Math.max(0, src[i] + ((s >>> 16) % (2 * amp + 1)) - amp));
  }
  return out;
}

/**
 * node-qrcode's pipeline, as the peers use it: `QRCode` is its core (`lib/core/qrcode.js`,
 * what `require('qrcode').create` is), `svgTag` its SVG renderer. In Node both come from
 * `require`, in the browser pages from the one script `bundle.mjs` writes.
 */
export function nodeQrcode(QRCode, svgTag) {
  const opts = { errorCorrectionLevel: 'M' };
  return {
    qrSvg: (text) => svgTag.render(QRCode.create(text, opts), {}),
    qrMatrix: (text) => {
      const q = QRCode.create(text, opts);
      return { width: q.modules.size, dark: Array.from(q.modules.data, (b) => b === 1), version: q.version };
    },
  };
}

/**
 * The contenders per operation. `lib`: { wallet, gate (the wasm packages), ed (@noble/ed25519,
 * sha512 set), nacl (tweetnacl), subtle (WebCrypto, may be null), jsQR, qrSvg (text → SVG,
 * node-qrcode), qrMatrix (text → {width, dark}, node-qrcode): see `nodeQrcode`, fixtures }.
 */
export async function contenders(lib) {
  const { wallet: W, gate: G, ed, nacl, subtle, jsQR, fixtures } = lib;
  const seed = new Uint8Array(32).fill(0x33);
  const wallet = W.Wallet.fromSecret(seed);
  wallet.setCredential(fixtures.credential);
  const rootPub = W.Wallet.fromSecret(new Uint8Array(32).fill(0x11)).publicKey;
  const issuerPub = hexToBytes(W.Wallet.fromSecret(new Uint8Array(32).fill(0x22)).publicKey);
  const codes = Array.from({ length: 256 }, (_, i) => wallet.codeAt(NOW_MS, 'museum', i));
  const newGate = () => {
    const g = new G.Gate(rootPub, { scene: 'museum' });
    g.loadBundle(fixtures.bundle, NOW_MS);
    return g;
  };
  let gate = newGate();
  const admit = (text) => {
    const v = newGate().verify(text, NOW_MS);
    if (!v.admitted) throw new Error(`not admitted: ${v.code} ${v.message}`);
  };
  const decodesTo = (m, text, who) => {
    const got = jsQR(rgba(frame(m, { scale: 4, width: (m.width + 8) * 4, height: (m.width + 8) * 4 })), (m.width + 8) * 4, (m.width + 8) * 4);
    if (!got || got.data !== text) throw new Error(`${who}: QR does not decode to the code`);
  };
  const golden = parseCode(codes[0]);
  const keyPkcs8 = concat(hexToBytes('302e020100300506032b657004220420'), seed);
  const naclKey = nacl.sign.keyPair.fromSeed(seed).secretKey;
  const pres = (i) => {
    const p = golden.presentation.slice();
    p[6] = i & 0xff; // the counter
    return p;
  };
  const assemble = (sig, i) => 'HNSSC1:' + base45Encode(concat(golden.credential, pres(i), sig));
  const webKeys = subtle && {
    sign: await subtle.importKey('pkcs8', keyPkcs8, { name: 'Ed25519' }, false, ['sign']),
    issuer: await subtle.importKey('raw', issuerPub, { name: 'Ed25519' }, false, ['verify']),
    device: await subtle.importKey('raw', golden.devicePub, { name: 'Ed25519' }, false, ['verify']),
  };

  const list = [];
  const add = (op, name, run, check, reset) => list.push({ op, name, run, check, reset });

  // rotate: sign + text + QR matrix + SVG
  // One call, as the e-card page makes it (www/js/ecard.js): the SVG of the code for now.
  add('rotate', 'wasm', (i) => wallet.svgAt(NOW_MS, 'museum', i & 0xff), () => {
    const text = wallet.codeAt(NOW_MS, 'museum', 7);
    admit(text);
    decodesTo(W.renderMatrix(text), text, 'wasm');
    if (wallet.svgAt(NOW_MS, 'museum', 7) !== W.renderSvg(text)) throw new Error('svgAt draws another code');
    if (!W.renderSvg(text).includes('<path')) throw new Error('no SVG path');
  });
  if (lib.qrSvg) {
    const jsRotate = (name, sign) => {
      add('rotate', `${name} + node-qrcode`, async (i) => lib.qrSvg(assemble(await sign(deviceMessage(golden.credential, pres(i))), i)), async () => {
        const text = assemble(await sign(deviceMessage(golden.credential, pres(7))), 7);
        admit(text);
        decodesTo(lib.qrMatrix(text), text, name);
        if (!(await lib.qrSvg(text)).includes('<path')) throw new Error('no SVG path');
      });
    };
    jsRotate('@noble/ed25519', (m) => ed.sign(m, seed));
    jsRotate('tweetnacl', (m) => nacl.sign.detached(m, naclKey));
    if (webKeys) jsRotate('WebCrypto', async (m) => new Uint8Array(await subtle.sign('Ed25519', webKeys.sign, m)));
  }

  // gate verify: parse + both signatures (+ revocation + replay in wasm)
  add('gate verify', 'wasm', (i) => {
    if (i % 256 === 0) gate = newGate();
    const v = gate.verify(codes[i % 256], NOW_MS);
    if (!v.admitted) throw new Error(v.message);
  }, () => admit(codes[3]), () => {
    gate = newGate();
  });
  const jsVerify = (name, verify) => {
    const run = async (i) => {
      const p = parseCode(codes[i % 256]);
      const ok = (await verify(p.issuerSig, issuerMessage(p), issuerPub))
        && (await verify(p.deviceSig, deviceMessage(p.credential, p.presentation), p.devicePub));
      if (!ok) throw new Error(`${name}: signature did not verify`);
    };
    add('gate verify', `${name} (2 verifications)`, run, async () => {
      await run(3);
      const p = parseCode(codes[3]);
      const bad = p.presentation.slice();
      bad[6] ^= 1;
      if (await verify(p.deviceSig, deviceMessage(p.credential, bad), p.devicePub)) throw new Error(`${name} accepted a forged code`);
    });
  };
  jsVerify('@noble/ed25519', (sig, msg, pub) => ed.verify(sig, msg, pub, { zip215: false }));
  jsVerify('tweetnacl', (sig, msg, pub) => nacl.sign.detached.verify(msg, sig, pub));
  if (webKeys) {
    // The issuer's key comes from the trust list: imported once. A phone's key comes in the
    // code itself, so a gate imports it from each code it scans, as the wasm gate decompresses
    // it from each code.
    const imported = async (pub) => (pub === issuerPub ? webKeys.issuer
      : subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']));
    jsVerify('WebCrypto (phone key imported from each code)', async (sig, msg, pub) => subtle.verify('Ed25519', await imported(pub), sig, msg));
    // For reference only: the 256 codes all come from one phone, so one key imported in
    // advance fits them all; a gate cannot know the next phone's key in advance.
    const keyFor = (pub) => (pub === issuerPub ? webKeys.issuer : webKeys.device);
    jsVerify('WebCrypto (one phone key imported in advance)', (sig, msg, pub) => subtle.verify('Ed25519', keyFor(pub), sig, msg));
  }

  // camera decode: a 640×480 frame as a canvas gives it (RGBA), decoded and verified
  const frames = codes.slice(0, 8).map((t) => rgba(frame(W.renderMatrix(t))));
  const camera = (name, decode) => {
    let camGate = newGate(); // one per contender: the same codes are verified by each
    const run = (i) => {
      if (i % 8 === 0) camGate = newGate();
      const text = decode(frames[i % 8]);
      if (text !== codes[i % 8]) throw new Error(`${name}: decoded ${text}`);
      const v = camGate.verify(text, NOW_MS);
      if (!v.admitted) throw new Error(`${name}: ${v.message}`);
    };
    add('camera decode', name, run, () => run(0));
  };
  camera('wasm (locator)', (px) => G.decodeQr(luma(px, 640 * 480), 640, 480)[0]);
  camera('jsQR + wasm verify', (px) => jsQR(px, 640, 480)?.data);
  return list;
}

/** Decode rate of each decoder on the hard frames, over `n` codes each. */
export function hardFrames(lib, n = 6) {
  const { wallet: W, gate: G, jsQR, fixtures } = lib;
  const wallet = W.Wallet.fromSecret(new Uint8Array(32).fill(0x33));
  wallet.setCredential(fixtures.credential);
  const rows = [];
  for (const [kind, make] of Object.entries(HARD)) {
    let wasm = 0;
    let js = 0;
    const [tw, tj] = [[], []];
    for (let i = 0; i < n; i++) {
      const text = wallet.codeAt(NOW_MS, 'museum', 100 + i);
      const px = make(W.renderMatrix(text));
      const rgbaPx = rgba(px);
      let t0 = performance.now();
      if (G.decodeQr(px, 640, 480)[0] === text) wasm++;
      tw.push(performance.now() - t0);
      t0 = performance.now();
      if (jsQR(rgbaPx, 640, 480)?.data === text) js++;
      tj.push(performance.now() - t0);
    }
    rows.push({ kind, wasm, js, n, wasmMs: stats(tw).median, jsMs: stats(tj).median });
  }
  return rows;
}

export function hexToBytes(h) {
  return Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));
}

/**
 * Median and p99 of `n` calls per contender, the contenders of one operation interleaved
 * (A B C A B C …), after a warm-up of the same interleaved rounds lasting at least `warmMs` and
 * `warm` rounds. The engines compile hot code again with their optimising tier, in the
 * background: V8 does it for JavaScript and for each wasm function, and until it is done the
 * function runs as first compiled. Measured in Node (2026-11-30), a fresh gate package's verify
 * took ~250 µs for its first 50–800 calls and 170 µs from then on, the calls needed depending on
 * how busy the machine was; 50 rounds of warm-up (this harness until then) left part of the
 * measured calls on the first tier. The warm-up is the same for every contender.
 */
/**
 * Calls `c` alone, up to `calls` times or for `ms`: V8 tiers a wasm function up once it has run
 * a budget of instructions, so a function entered once a call needs many calls, not much time.
 * The codes cycle 0 … 255 (the gate contenders take a fresh gate at 0).
 */
async function warmAlone(c, ms, calls) {
  const until = performance.now() + ms;
  for (let w = 0; w < calls && performance.now() < until; w++) {
    const r = c.run(w % 256);
    if (r && typeof r.then === 'function') await r;
  }
}

export async function measure(list, { n = 200, warm = 50, warmMs = 3000, warmCalls = 2000, filter = () => true } = {}) {
  const ops = [...new Set(list.map((c) => c.op))];
  const results = [];
  for (const c of list) if (filter(c)) await c.check();
  for (const op of ops) {
    const cs = list.filter((c) => c.op === op && filter(c));
    const times = cs.map(() => []);
    const round = async (j, record) => {
      for (let k = 0; k < cs.length; k++) {
        const t0 = performance.now();
        const r = cs[k].run(j);
        if (r && typeof r.then === 'function') await r;
        const dt = performance.now() - t0;
        if (record) times[k].push(dt);
      }
    };
    for (const c of cs) await warmAlone(c, warmMs, warmCalls);
    const warmUntil = performance.now() + warmMs;
    // Warm-up rounds go through the codes 0 … 255 and round again (the gate contenders take a
    // fresh gate at 0, so no code is verified twice by one gate); measuring starts again at 0.
    for (let w = 0; w < warm || performance.now() < warmUntil; w++) await round(w % 256, false);
    for (let i = 0; i < n; i++) await round(i, true);
    cs.forEach((c, k) => results.push({ op, name: c.name, ...stats(times[k]) }));
  }
  return results;
}

/**
 * wasm against each peer on its own: for every operation and peer, rounds of the two alone
 * (wasm, peer, wasm, peer …: `warm` rounds, then `n` measured), medians and their ratio. In
 * `measure` every contender of an operation runs between two wasm calls, and a short call is
 * slowed by what ran before it (docs/PERFORMANCE.md, "After other work": one tweetnacl
 * verification makes the next gate verification 85–100 µs slower); here each ratio is taken
 * with the two contenders it compares and nothing else. Run after `measure` (which warms every
 * contender).
 */
export async function measurePairs(list, { n = 200, warm = 50, filter = () => true } = {}) {
  const out = [];
  for (const op of [...new Set(list.map((c) => c.op))]) {
    const wasm = list.find((c) => c.op === op && c.name.startsWith('wasm') && filter(c));
    if (!wasm) continue;
    for (const peer of list.filter((c) => c.op === op && c !== wasm && filter(c))) {
      const times = [[], []];
      for (let i = 0; i < warm + n; i++) {
        for (const [k, c] of [wasm, peer].entries()) {
          const t0 = performance.now();
          const r = c.run(i % 256);
          if (r && typeof r.then === 'function') await r;
          if (i >= warm) times[k].push(performance.now() - t0);
        }
      }
      const [w, p] = times.map(stats);
      out.push({ op, peer: peer.name, wasm: w, other: p, ratio: w.median / p.median });
    }
  }
  return out;
}

/**
 * The wasm contenders of `ops` timed as criterion times native code: `samples` samples of
 * `iters` consecutive calls each, the median of the samples' per-call means. This, not the
 * interleaved single calls above (where every other contender's code runs in between), is what
 * the wasm ÷ native ratios compare with criterion's figures.
 */
export async function loops(list, { ops = ['rotate', 'gate verify'], samples = 30, iters = 100, warmMs = 3000, warmCalls = 2000, native } = {}) {
  const out = [];
  for (const op of ops) {
    const c = list.find((x) => x.op === op && x.name === 'wasm');
    if (!c) continue;
    // Calls 1..iters of a fresh contender each sample (a gate admits each code once; making
    // a new gate, with its key tables, is not part of a verification).
    const sample = async () => {
      c.reset?.();
      const t0 = performance.now();
      for (let i = 1; i <= iters; i++) await c.run(i);
      return (performance.now() - t0) / iters;
    };
    await warmAlone(c, warmMs, warmCalls);
    await sample();
    if (native) await native(op, iters);
    // With `native` (µs a call, from examples/paired.rs), a native sample of the same calls
    // follows each wasm sample, so both are taken on the machine as it is at that moment.
    const per = [];
    const nat = [];
    for (let s = 0; s < samples; s++) {
      per.push(await sample());
      if (native) nat.push((await native(op, iters)) / 1000);
    }
    const paired = native ? { native: stats(nat), ratio: stats(per.map((w, k) => w / nat[k])).median } : {};
    out.push({ op, name: 'wasm (consecutive calls)', ...stats(per), ...paired });
  }
  return out;
}

export function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p99: q(0.99), n: s.length };
}
