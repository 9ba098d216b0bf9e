// The gate's camera path end to end: Chromium's fake camera plays a 640×480 video frame of a
// code (5 pixels a module, as a phone held at a gate), the gate page started with its camera
// button decodes the frames, admits the code once, and when the same code is still held up
// after 5 s, refuses it as used (issue: speed and size; the gate page, www/js/gate.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { start, CHROMIUM, CHROMIUM_ARGS, testCredential, testCode } from './harness.mjs';

const W = 640;
const H = 480;
let env;
let work;
let camera;

before(async () => {
  env = await start();
  work = mkdtempSync(join(tmpdir(), 'ecard-camera-'));
});

after(async () => {
  await camera?.close();
  await env?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The PNG (8 px a module) as the luma of a W×H frame: white, the code at 5 px a module, centred. */
async function frameLuma(png) {
  const page = await env.browser.newPage();
  const b64 = await page.evaluate(async ([data, w, h]) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    ctx.imageSmoothingEnabled = false;
    const side = Math.round((bitmap.width * 5) / 8);
    ctx.drawImage(bitmap, (w - side) >> 1, (h - side) >> 1, side, side);
    const rgba = ctx.getImageData(0, 0, w, h).data;
    let s = '';
    for (let i = 0; i < w * h; i++) s += String.fromCharCode(rgba[4 * i]);
    return btoa(s);
  }, [readFileSync(png).toString('base64'), W, H]);
  await page.close();
  return Buffer.from(b64, 'base64');
}

/** One frame of 4:2:0 video in Chromium's fake-camera file format (Y4M): the luma, grey chroma. */
function y4m(luma) {
  const chroma = Buffer.alloc((W / 2) * (H / 2), 128);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), luma, chroma, chroma]);
}

test('the gate camera admits a code held in front of it once, then refuses it as used', { timeout: 120_000 }, async () => {
  const keys = testCredential(env, work, 77002);
  const png = join(work, 'code.png');
  testCode(keys, 0, png);
  const video = join(work, 'code.y4m');
  writeFileSync(video, y4m(await frameLuma(png)));

  camera = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`],
  });
  const page = await camera.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(env.base + '/gate.html');
  await page.waitForFunction(() => /已同步/.test(document.querySelector('#sync-status').textContent));
  assert.equal(await page.inputValue('#scene'), 'museum');
  await page.click('#camera-start');

  await page.waitForFunction(() => document.querySelector('#admitted').textContent === '1', null, { timeout: 30_000 });
  assert.match(await page.textContent('#verdict'), /验证通过[\s\S]*王\*/);
  // Still in front of the camera 5 s later: the camera loop is still running, and the code is used.
  await page.waitForFunction(() => document.querySelector('#refused').textContent === '1', null, { timeout: 30_000 });
  assert.match(await page.textContent('#verdict'), /该二维码已使用过/);
  assert.equal(await page.textContent('#admitted'), '1');
  assert.deepEqual(errors, []);
});
