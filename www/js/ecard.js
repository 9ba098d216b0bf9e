// The holder's e-card. The device key is made here, in wasm, and kept in IndexedDB: it never
// leaves the phone. The credential is fetched (and renewed) when online; the code is signed
// locally every 30 seconds, so the card keeps working in airplane mode.
import init, { Wallet } from '../pkg/wallet.js';
import { api, $, load, save, setupLargeText, registerServiceWorker, formatTime, fromHex } from './common.js';

const STEP_MS = 30_000;
const SCENE_KEY = 'scene';
setupLargeText($('large'));
registerServiceWorker();

/** Shows `text` in the message area: an error unless `kind` says otherwise, with an optional link. */
function message(text, link, kind = 'error') {
  const box = $('msg');
  box.className = text ? `msg ${kind}` : '';
  box.textContent = text;
  if (link) {
    const a = document.createElement('a');
    a.href = link.href;
    a.textContent = link.text;
    box.append(a);
  }
}

/** The phone's wallet from its stored device secret (`secret`), made and stored on first use. */
async function deviceWallet(secret) {
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
  // The first code is drawn from what the phone has stored: the clock offset it last learned and
  // its credential. A network can be connected and still answer nothing (a crowd at a scenic
  // area), so nothing waits for it; what the service says arrives behind the code. The stored
  // values are read while the wasm package starts.
  const [, secret, storedOffset, storedCred] = await Promise.all([
    init(), load('device_secret'), load('clock_offset'), load('credential'),
  ]);
  const wallet = await deviceWallet(secret);
  let offset = storedOffset || 0;
  const now = () => Date.now() - offset;
  const nowSecs = () => Math.floor(now() / 1000);
  let cred = storedCred;

  const showCredential = () => {
    const view = wallet.setCredential(fromHex(cred.hex));
    $('name').textContent = view.body.masked_name;
    $('validity').textContent = `凭证有效期至 ${formatTime(cred.expires_at)}，联网时自动续期`;
  };
  const showClock = () => {
    $('clock').textContent = `手机时间与标准时间相差约 ${Math.round(Math.abs(offset) / 60000)} 分钟，二维码已按标准时间生成。`;
    $('clock').classList.toggle('hidden', Math.abs(offset) <= 60_000);
  };
  // The stored state shows first, then the service's: a card found again (解除挂失) clears the
  // warning the stored state put up, and a card reported lost meanwhile puts it up.
  let stateWarning = false;
  const showState = (state) => {
    if (!state) return;
    $('state').textContent = `卡片状态：${STATE_ZH[state] || state}`;
    if (state !== 'normal') {
      message(`卡片状态为“${STATE_ZH[state] || state}”，电子社保卡暂不能使用`);
      stateWarning = true;
    } else if (stateWarning) {
      message('');
      stateWarning = false;
    }
  };

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

  /** The clock offset and, when due, a renewed credential: redrawn when either changes. */
  const refresh = async () => {
    offset = await learnClockOffset();
    showClock();
    const latest = await credential(wallet, nowSecs());
    if (latest.hex !== cred?.hex) {
      cred = latest;
      showCredential();
      if (step >= 0) draw();
    }
    if (step >= 0) tick();
  };

  const firstUse = !cred || nowSecs() >= cred.expires_at;
  if (firstUse) {
    // First use, or the credential has expired: no code before the service answers.
    message('正在联网领取电子社保卡…', null, 'info');
    try {
      await refresh();
    } catch (e) {
      if (e.status === 401) message('请先', { href: '/login.html?next=/ecard.html', text: '登录' });
      else message(e.message);
      return;
    }
    message('');
  } else {
    showCredential();
    showClock();
  }

  $('scene').value = localStorage.getItem(SCENE_KEY) || 'museum';
  tick();
  setInterval(tick, 250);
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
      message(e.code === 'OFFLINE' || e.code === 'TIMEOUT' ? '显示卡号需要联网' : e.message);
    }
  };

  // Behind the code: the card's state (stored, then the service's), the clock and a due renewal.
  // A failed refresh leaves the stored credential, still valid, in use; it is tried again online.
  showState((await load('me'))?.state);
  cardState().then(showState);
  if (!firstUse) refresh().catch(() => {});
  window.addEventListener('online', () => {
    cardState().then(showState);
    refresh().catch(() => {});
  });
}

main().catch((e) => message(`${e.message}`));
