// sw.js — Graft's service worker: it makes the app itself (HTML, JS, CSS, the wasm modules) load
// without a network once it has loaded with one. The model is not its business: the model worker
// keeps the weights in the Cache API itself (web/engine.Downloader) and verifies them.
//
// Strategy: network first, so a deploy is picked up on the next load exactly as without a service
// worker (the server's ETags make an unchanged file a 304); each good answer refreshes the copy
// in the cache; when the network fails, the cached copy answers. /model/ and /api/ pass through.
// main.mjs registers it once the model is ready, when every file below is in the HTTP cache, so
// the copies made at install cost revalidations, not downloads.
const SHELL_CACHE = "graft-shell-v1";
const SHELL = [
  "./", "style.css", "main.mjs", "folder.mjs", "vugu-render.js", "wasm_exec.js", "app.wasm",
  "worker.mjs", "idb.mjs", "loader.mjs", "engine.wasm", "kernels.wasm", "kernels-relaxed.wasm",
];

self.addEventListener("install", (event) => {
  self.skipWaiting();
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) =>
    // One by one: a file that fails (engine.wasm on a browser that never needed it) is skipped.
    Promise.all(SHELL.map((path) => fetch(path).then((res) => res.ok && cache.put(stripSearch(new Request(res.url)), res)).catch(() => {})))));
});
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/model/") || url.pathname.startsWith("/api/")) return;
  if (req.headers.has("range")) return;
  event.respondWith(networkFirst(req));
});

async function networkFirst(req) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const res = await fetch(req);
    if (res.ok) await cache.put(stripSearch(req), res.clone());
    return res;
  } catch (err) {
    const hit = await cache.match(stripSearch(req), { ignoreVary: true });
    if (hit) return hit;
    throw err;
  }
}

// The navigation "/" and "/index.html" are one page; other files are keyed by path alone.
function stripSearch(req) {
  const url = new URL(req.url);
  url.search = "";
  if (url.pathname.endsWith("/")) url.pathname += "index.html";
  return url.href;
}
