// Demo page: one phone and one gate, each running its WebAssembly package in the browser (the
// wallet package and the gate package, as on ecard.html and gate.html). The phone signs a new
// code every 30 seconds; the gate verifies it with no network.
import initWallet, { Wallet, renderSvg } from '../pkg/wallet.js';
import initGate, { Gate } from '../pkg/gate.js';

const $ = (id) => document.getElementById(id);
const SCENE_ZH = { museum: '博物馆', library: '图书馆', scenic_area: '景区', general: '通用' };

async function fetchBytes(path) {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

const fromHex = (h) => Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));

async function main() {
  await Promise.all([initWallet(), initGate()]);
  const demo = await (await fetch('demo/demo.json')).json();
  const wallet = Wallet.fromSecret(fromHex(demo.device_secret));
  const cred = wallet.setCredential(await fetchBytes('demo/credential.bin'));
  $('name').textContent = cred.body.masked_name;
  $('band').textContent = cred.body.age_band;

  const gate = new Gate(demo.root_public, { scene: 'museum' });
  const status = gate.loadBundle(await fetchBytes('demo/bundle.bin'), Date.now());
  $('sync').textContent = `已同步：信任列表 v${status.trust_version}，吊销列表 v${status.revocation_version}`;

  let counter = 0;
  let shown = '';
  const draw = () => {
    shown = wallet.codeAt(Date.now(), $('scene').value, counter);
    $('qr').innerHTML = renderSvg(shown);
  };
  let step = Math.floor(Date.now() / 30000);
  const tick = () => {
    const now = Date.now();
    if (Math.floor(now / 30000) !== step) {
      step = Math.floor(now / 30000);
      counter = 0;
      draw();
    }
    $('countdown').textContent = Math.ceil(Wallet.msToNext(now) / 1000);
  };
  $('scene').onchange = draw;
  $('refresh').onclick = () => { counter = (counter + 1) % 256; draw(); };
  draw();
  tick();
  setInterval(tick, 250);

  const show = (v) => {
    const el = $('verdict');
    el.className = 'verdict ' + (v.admitted ? 'admit' : 'deny');
    el.textContent = v.admitted
      ? `✔ ${v.holder.masked_name} · ${v.holder.age_band_label} · ${SCENE_ZH[v.scene]}`
      : `✘ ${v.message}`;
  };
  $('scan').onclick = () => show(gate.verify(shown, Date.now()));
  $('typed').onkeydown = (e) => {
    if (e.key !== 'Enter') return;
    show(gate.verify(e.target.value, Date.now()));
    e.target.value = '';
  };
}

main().catch((e) => {
  $('verdict').className = 'verdict deny';
  $('verdict').textContent = `${e.code ?? 'ERROR'}: ${e.message}`;
});
