// node-qrcode in the browser without a bundler: its files are CommonJS (`require`,
// `module.exports`), plain JavaScript with no Node built-ins. This loads them the way Node
// would: each file fetched once (a synchronous request, as `require` is synchronous) and run as
// a function of (module, exports, require). For the benchmark page only.

/**
 * A loader: `load(url)` runs the file at `url` and returns its `module.exports`; relative paths
 * in its `require` calls resolve against it, package names under `deps` (a URL ending in `/`).
 */
export function commonJs(deps) {
  const cache = new Map();
  const resolve = (from, path) => (path.startsWith('.')
    ? new URL(path.endsWith('.js') ? path : `${path}.js`, from).href
    : new URL(`${path}/${JSON.parse(fetchText(new URL(`${path}/package.json`, deps).href)).main ?? 'index.js'}`, deps).href);
  const load = (url) => {
    if (!cache.has(url)) {
      const module = { exports: {} };
      cache.set(url, module);
      // eslint-disable-next-line no-new-func
      new Function('module', 'exports', 'require', fetchText(url))(module, module.exports, (p) => load(resolve(url, p)));
    }
    return cache.get(url).exports;
  };
  return load;
}

function fetchText(url) {
  const xhr = new XMLHttpRequest();
  xhr.open('GET', url, false);
  xhr.send();
  if (xhr.status !== 200) throw new Error(`${url}: HTTP ${xhr.status}`);
  return xhr.responseText;
}
