// Headless Debian Chromium over a static server of the repository, on 127.0.0.1 only, cross-origin
// isolated (performance.now() at 5 µs instead of 100 µs). Used by run.mjs and between.mjs.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';

const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.hex': 'text/plain' };

/** Runs `fn(base, browser)` with `root` served at `base`; closes both afterwards. */
export async function withChromium(root, fn) {
  const { chromium } = createRequire(join(root, 'benches/peers/package.json'))('playwright-core');
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': types[extname(file)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    return await fn(`http://127.0.0.1:${server.address().port}`, browser);
  } finally {
    await browser.close();
    server.close();
  }
}
