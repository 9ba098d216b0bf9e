// The holder's e-card. The device key is made here, in wasm, and kept in IndexedDB: it never
// leaves the phone. The credential is fetched (and renewed) when online; the code is signed
// locally every 30 seconds, so the card keeps working in airplane mode.
import init, { Wallet } from '../pkg/wallet.js';
import { api, $, load, save, setupLargeText, registerServiceWorker, formatTime } from './common.js';

const STEP_MS = 30_000;
const SCENE_KEY = 'scene';
setupLargeText($('large'));
registerServiceWorker();

function message(text, link) {
  const box = $('msg');
  box.className = text ? 'msg error' : '';
  box.textContent = text;
  if (link) {
    const a = document.createElement('a');
    a.href = link.href;
    a.textContent = link.text;
    box.append(a);
  }
}

async function deviceWallet() {
  let secret = await load('device_secret');
  if (!secret) {
    const fresh = Wallet.generate();
    secret = fresh.secretKey();
    await save('device_secret', secret);
  }
  return Wallet.fromSecret(secret);
}

/** Learns phone clock minus server clock from /api/time (half the round trip corrected). */
async function learnClockOffset() {
  try {
    const t0 = Date.now();
    const { now_ms: server } = await api('/time');
    const t1 = Date.now();
    const offset = Math.round((t0 + t1) / 2 - server);
    await save('clock_offset', offset);
    return offset;
  } catch {
    return (await load('clock_offset')) || 0;
  }
}

async function fetchCredential(wallet) {
  const r = await api('/ecard/credential', { method: 'POST', body: { device_public_key: wallet.publicKey } });
  await save('credential', { hex: r.credential, renew_from: r.renew_from, expires_at: r.expires_at });
  return r;
}

/** The stored credential, renewed first when it is due and the phone is online. */
async function credential(wallet, nowSecs) {
  const stored = await load('credential');
  const due = !stored || nowSecs >= stored.renew_from;
  if (due && navigator.onLine) {
    try {
      return await fetchCredential(wallet).then(() => load('credential'));
    } catch (e) {
      if (!stored || nowSecs >= stored.expires_at) throw e;
    }
  }
  if (!stored) throw Object.assign(new Error('首次使用请联网领取电子社保卡'), { code: 'OFFLINE' });
  return stored;
}

async function cardState() {
  try {
    const me = await api('/me');
    await save('me', { masked_name: me.masked_name, state: me.card && me.card.state });
    return me.card && me.card.state;
  } catch {
    const me = await load('me');
    return me && me.state;
  }
}

const STATE_ZH = { normal: '正常', temp_lost: '临时挂失', lost: '正式挂失', reissued: '已补换', cancelled: '已注销' };

async function main() {
  await init();
  const wallet = await deviceWallet();
  const offset = await learnClockOffset();
  const now = () => Date.now() - offset;
  if (Math.abs(offset) > 60_000) {
    $('clock').textContent = `手机时间与标准时间相差约 ${Math.round(Math.abs(offset) / 60000)} 分钟，二维码已按标准时间生成。`;
    $('clock').classList.remove('hidden');
  }
  let cred;
  try {
    cred = await credential(wallet, Math.floor(now() / 1000));
  } catch (e) {
    if (e.status === 401) message('请先', { href: '/login.html?next=/ecard.html', text: '登录' });
    else message(e.message);
    return;
  }
  const view = wallet.setCredential(Uint8Array.from(cred.hex.match(/../g), (b) => parseInt(b, 16)));
  $('name').textContent = view.body.masked_name;
  $('validity').textContent = `凭证有效期至 ${formatTime(cred.expires_at)}，联网时自动续期`;
  const state = await cardState();
  if (state) $('state').textContent = `卡片状态：${STATE_ZH[state] || state}`;
  if (state && state !== 'normal') message(`卡片状态为“${STATE_ZH[state]}”，电子社保卡暂不能使用`);

  $('scene').value = localStorage.getItem(SCENE_KEY) || 'museum';
  let step = -1;
  let counter = 0;
  const draw = () => {
    $('qr').innerHTML = wallet.svgAt(now(), $('scene').value, counter);
    $('qr').dataset.step = String(step);
    $('qr').dataset.counter = String(counter);
  };
  const tick = () => {
    const s = Math.floor(now() / STEP_MS);
    if (s !== step) {
      step = s;
      counter = 0;
      draw();
    }
    $('countdown').textContent = Math.ceil(Wallet.msToNext(now()) / 1000);
  };
  $('scene').onchange = () => {
    localStorage.setItem(SCENE_KEY, $('scene').value);
    draw();
  };
  $('refresh').onclick = () => {
    counter = (counter + 1) % 256;
    draw();
  };
  $('reveal').onclick = async () => {
    const box = $('details');
    if (!box.classList.contains('hidden')) {
      box.classList.add('hidden');
      box.textContent = '';
      return;
    }
    try {
      const d = await api('/me/details');
      box.innerHTML = '';
      for (const [k, v] of [['姓名', d.name], ['社会保障号码', d.id_number], ['卡号', d.card_number || '—']]) {
        const p = document.createElement('p');
        p.textContent = `${k}：${v}`;
        box.appendChild(p);
      }
      box.classList.remove('hidden');
      setTimeout(() => { box.classList.add('hidden'); box.textContent = ''; }, 30_000);
    } catch (e) {
      message(e.code === 'OFFLINE' ? '显示卡号需要联网' : e.message);
    }
  };
  tick();
  setInterval(tick, 250);
  window.addEventListener('online', () => credential(wallet, Math.floor(now() / 1000)).catch(() => {}));
}

main().catch((e) => message(`${e.message}`));
