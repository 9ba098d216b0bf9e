// The contenders of the crate survey and how they are timed; used in Node (run.mjs) and in
// headless Chromium (page.html) alike.
import * as ops from '../peers/ops.mjs';

/**
 * `lib`: { wallet, gate (the web packages), survey (this crate's package), subtle (WebCrypto),
 * fixtures: { credential, bundle } }. Every contender checks one code's two signatures; each is
 * checked to accept the real code and refuse a tampered one before it is timed.
 */
export async function contenders({ wallet: W, gate: G, survey: S, subtle, fixtures }) {
  const wallet = W.Wallet.fromSecret(new Uint8Array(32).fill(0x33));
  wallet.setCredential(fixtures.credential);
  const rootPub = W.Wallet.fromSecret(new Uint8Array(32).fill(0x11)).publicKey;
  const issuerPub = ops.hexToBytes(W.Wallet.fromSecret(new Uint8Array(32).fill(0x22)).publicKey);
  const codes = Array.from({ length: 256 }, (_, i) => wallet.codeAt(ops.NOW_MS, 'museum', i));
  const parts = codes.map((text) => {
    const p = ops.parseCode(text);
    return {
      keys: Uint8Array.from([...issuerPub, ...p.devicePub]),
      issuerMsg: ops.issuerMessage(p),
      deviceMsg: ops.deviceMessage(p.credential, p.presentation),
      sigs: Uint8Array.from([...p.issuerSig, ...p.deviceSig]),
      issuerSig: p.issuerSig,
      deviceSig: p.deviceSig,
      devicePub: p.devicePub,
    };
  });
  const tampered = (c) => ({ ...c, deviceMsg: Uint8Array.from(c.deviceMsg, (b, i) => (i === c.deviceMsg.length - 1 ? b ^ 1 : b)) });
  const newGate = () => {
    const g = new G.Gate(rootPub, { scene: 'museum' });
    g.loadBundle(fixtures.bundle, ops.NOW_MS);
    return g;
  };
  let gate = newGate();
  const issuerKey = await subtle.importKey('raw', issuerPub, { name: 'Ed25519' }, false, ['verify']);
  const web = async (c) => {
    const device = await subtle.importKey('raw', c.devicePub, { name: 'Ed25519' }, false, ['verify']);
    return (await subtle.verify('Ed25519', issuerKey, c.issuerSig, c.issuerMsg))
      && subtle.verify('Ed25519', device, c.deviceSig, c.deviceMsg);
  };
  const sigs = new S.GateSignatures(issuerPub);
  const crate = (f) => (c) => f(c.keys, c.issuerMsg, c.deviceMsg, c.sigs);
  const list = [
    {
      name: 'gate package: the whole gate verification (parse, both signatures, revocation, replay, verdict)',
      // Each code is admitted once per gate: a block that would reach the 257th call gets a
      // fresh gate first, outside the timing (it builds the issuer key's table).
      used: 0,
      prepare(calls) {
        if (this.used + calls > 256) {
          gate.free();
          gate = newGate();
          this.used = 0;
        }
      },
      run() {
        return gate.verify(codes[this.used++], ops.NOW_MS).admitted;
      },
      check: async () => {
        const bytes = ops.base45Decode(codes[5].slice('HNSSC1:'.length));
        bytes[bytes.length - 1] ^= 1; // the phone's signature
        const verdict = (text) => {
          const g = newGate();
          const v = g.verify(text, ops.NOW_MS);
          g.free();
          return v;
        };
        return verdict(codes[5]).admitted
          && verdict(`HNSSC1:${ops.base45Encode(bytes)}`).code === 'BAD_DEVICE_SIGNATURE';
      },
    },
    { name: 'gate package\'s signature checks alone (issuer table, phone key), in wasm', fn: (c) => sigs.verify(c.keys, c.issuerMsg, c.deviceMsg, c.sigs) },
    { name: 'ed25519-dalek 2 (verify_strict) in wasm', fn: crate(S.dalek) },
    { name: 'ed25519-compact 2 in wasm', fn: crate(S.compact) },
    { name: 'WebCrypto Ed25519 (phone key imported from each code)', fn: web },
  ];
  for (const c of list.filter((c) => c.fn)) {
    c.run = (i) => c.fn(parts[i % 256]);
    c.check = async () => (await c.fn(parts[5])) === true && (await c.fn(tampered(parts[5]))) === false;
  }
  for (const c of list) {
    if (!(await c.check())) throw new Error(`${c.name}: accepts a tampered code or refuses a real one`);
  }
  return list;
}

/**
 * Blocks of `calls` consecutive calls (each awaited when it returns a promise), the
 * contenders in turn, the order rotated every round; per contender, the per-call time of
 * each block (a contender's `prepare` runs before each block, untimed). Warm-up first:
 * `warm` calls each, past V8's tier-up.
 */
export async function measure(list, { rounds = 40, calls = 50, warm = 1500 } = {}) {
  const once = async (c, i) => {
    const r = c.run(i);
    if (r && typeof r.then === 'function') await r;
  };
  for (const c of list) {
    for (let i = 0; i < warm; i += calls) {
      c.prepare?.(calls);
      for (let k = 0; k < calls; k++) await once(c, i + k);
    }
  }
  const per = list.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < list.length; k++) {
      const j = (k + r) % list.length;
      list[j].prepare?.(calls);
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) await once(list[j], r * calls + i);
      per[j].push(((performance.now() - t0) / calls) * 1000);
    }
  }
  return list.map((c, j) => {
    const s = per[j].slice().sort((a, b) => a - b);
    return { name: c.name, median: s[s.length >> 1], low: s[Math.floor(s.length * 0.1)], high: s[Math.floor(s.length * 0.9)] };
  });
}

/**
 * Whether this engine has WebAssembly's wide arithmetic (`i64.mul_wide_u`, the 64 × 64 → 128-bit
 * product that 64-bit field arithmetic needs): a one-function module using it, validated, next
 * to the same module with `i64.mul` (which must validate, or the check itself is wrong).
 */
export function wideArithmetic() {
  // (func (param i64 i64) (result i64 i64) local.get 0 local.get 1 <op>)
  const module = (op) => new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 8, 1, 0x60, 2, 0x7e, 0x7e, 2, 0x7e, 0x7e,
    3, 2, 1, 0, 7, 5, 1, 1, 0x6d, 0, 0, 10, 8 + op.length, 1, 6 + op.length, 0, 0x20, 0, 0x20, 1, ...op, 0x0b]);
  // i64.mul leaves one value: the second result is local 0 again.
  if (!WebAssembly.validate(module([0x7e, 0x20, 0]))) throw new Error('the control module does not validate');
  return WebAssembly.validate(module([0xfc, 0x16]));
}
