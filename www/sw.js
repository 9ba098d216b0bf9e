// Service worker: keeps the pages and the wasm package on the phone or gate, so the e-card opens
// and rotates, and the gate verifies, with no network. Pages are served from the cache and
// refreshed in the background; the API is never cached.
// A new name whenever a page needs a newer package (v6: the e-card page calls `Wallet.svgAt`):
// the new worker then installs every asset together, so no page runs against an old package.
const CACHE = 'ecard-v7';
const ASSETS = [
  '/', '/index.html', '/login.html', '/apply.html', '/ecard.html', '/gate.html', '/review.html', '/batch.html', '/venues.html',
  '/style.css', '/js/common.js', '/js/index.js', '/js/login.js', '/js/apply.js', '/js/ecard.js', '/js/gate.js',
  '/js/review.js', '/js/batch.js', '/js/venues.js', '/venue-admin.html', '/js/venue-admin.js',
  // The web packages (wasm-pack.toml): the e-card's, the gate's, the application rules'.
  '/pkg/wallet.js', '/pkg/wallet_bg.wasm', '/pkg/gate.js', '/pkg/gate_bg.wasm', '/pkg/rules.js', '/pkg/rules_bg.wasm',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
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
      const fresh = fetch(event.request)
        .then((r) => {
          if (r.ok) cache.put(event.request, r.clone());
          return r;
        })
        .catch(() => cached);
      return cached || fresh;
    }),
  );
});
