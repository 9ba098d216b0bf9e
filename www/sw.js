// Service worker: keeps the pages and the wasm package on the phone or gate, so the e-card opens
// and rotates, and the gate verifies, with no network. Pages are served from the cache and
// refreshed in the background; the API is never cached.
// A new name whenever a page needs a newer package (v6: the e-card page calls `Wallet.svgAt`):
// the new worker then installs every asset together, so no page runs against an old package.
// v8: installs bypass the browser's HTTP cache, and the pages preload their packages.
// v9: the gate page marks a lost used-code set (`Gate.markReplayLost`, `replayLostUntil`).
const CACHE = 'ecard-v10';
const ASSETS = [
  '/', '/index.html', '/login.html', '/apply.html', '/ecard.html', '/gate.html', '/review.html', '/batch.html', '/venues.html',
  '/style.css', '/js/common.js', '/js/index.js', '/js/login.js', '/js/apply.js', '/js/ecard.js', '/js/gate.js',
  '/js/review.js', '/js/batch.js', '/js/venues.js', '/venue-admin.html', '/js/venue-admin.js',
  // The web packages (wasm-pack.toml): the e-card's, the gate's, the application rules'.
  '/pkg/wallet.js', '/pkg/wallet_bg.wasm', '/pkg/gate.js', '/pkg/gate_bg.wasm', '/pkg/rules.js', '/pkg/rules_bg.wasm',
];

self.addEventListener('install', (event) => {
  // Every asset from the service itself, not from the browser's HTTP cache: a copy kept there
  // from before a release would put an old package beside new pages.
  const fresh = ASSETS.map((url) => new Request(url, { cache: 'reload' }));
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(fresh)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/api/')) {
    return;
  }
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const cached = await cache.match(event.request, { ignoreSearch: true });
      // The service answers 304 for an unchanged file (its pages are `no-cache`), which the
      // browser turns back into the copy it has: stored again only when its date changed, so
      // opening the e-card does not rewrite the package on the phone's disk each time.
      let stored = Promise.resolve();
      const fresh = fetch(event.request)
        .then((r) => {
          const changed = !cached || !r.headers.get('last-modified')
            || r.headers.get('last-modified') !== cached.headers.get('last-modified');
          if (r.ok && changed) stored = cache.put(event.request, r.clone());
          return r;
        })
        .catch(() => cached);
      // The worker stays up until the new copy is stored, also when the cached one answered.
      event.waitUntil(fresh.then(() => stored).catch(() => {}));
      return cached || fresh;
    }),
  );
});
