// worker.js: the service worker (built into dist/sw.js by plugin.js, which fills in the
// build's version and files) so the pages, the field page above all, open again without a
// connection. It keeps the app shell only — index.html and the built files — and never
// touches /api/: answers there carry personal data and go to the network alone (reports
// written offline wait in the page's IndexedDB outbox, not here).
const VERSION = '__VERSION__'
const SHELL = __SHELL__
const PREFIX = 'pingan-shell-'
const CACHE = PREFIX + VERSION
// how long a page load waits for the network before the kept shell answers
const NAV_TIMEOUT_MS = 3000

self.addEventListener('install', (ev) => {
  ev.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(SHELL.map((f) => new Request(f, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  )
})

// a new build's worker takes over at once and drops the shells of older builds
self.addEventListener('activate', (ev) => {
  ev.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('fetch', (ev) => {
  const req = ev.request
  if (req.method !== 'GET') return
  const url = new URL(req.url)
  if (url.origin !== self.location.origin) return
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return // network only
  if (req.mode === 'navigate' && !/\.[a-z0-9]+$/i.test(url.pathname)) ev.respondWith(page(req))
  else ev.respondWith(file(ev, req))
})

const usable = (r) => r && r.ok && r.type === 'basic'

// A page (every route of the single page is index.html): the network's, so a new build is
// seen at once; the kept shell when the network fails or is too slow.
async function page(req) {
  const net = fetch(req)
  net.catch(() => {}) // a late failure after the shell answered is no error
  const late = new Promise((resolve) => setTimeout(resolve, NAV_TIMEOUT_MS))
  try {
    const r = await Promise.race([net, late])
    if (usable(r)) return r
  } catch {
    // offline: the shell below
  }
  const kept = await caches.match('/index.html', { cacheName: CACHE })
  return kept || net
}

// A built file: hashed names never change, so the kept copy answers; others (the icon) are
// answered from the cache and refreshed behind (stale-while-revalidate).
async function file(ev, req) {
  const cache = await caches.open(CACHE)
  const kept = await cache.match(req)
  const fresh = fetch(req).then((r) => {
    if (usable(r)) cache.put(req, r.clone())
    return r
  })
  if (kept) {
    if (!new URL(req.url).pathname.startsWith('/assets/')) ev.waitUntil(fresh.catch(() => {}))
    return kept
  }
  return fresh
}
