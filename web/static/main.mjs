// main.mjs — starts the page. Two things run at once from here: the model's Web Worker
// (worker.mjs: the engine, then the weights, stream in while the page's own wasm loads) and the
// page app (app.wasm, Vugu components from web/app). The worker's messages are queued until the
// app takes over (graftBoot.takeOver, called from web/app/main_js.go).
//
// The CSP grants 'wasm-unsafe-eval' but not 'unsafe-eval'. Vugu's renderer runs
// window.eval(<its helper script>) when it starts; that helper is loaded instead as the file
// vugu-render.js (extracted verbatim from github.com/vugu/vugu/domrender by web/cmd/webgen), and
// eval is replaced by a function that accepts exactly that script — already run — and refuses
// everything else, as the CSP would.
import { graftFolder } from "./folder.mjs";

globalThis.graftFolder = graftFolder;

const vuguHelperStart = "(function(){if(window.vuguRender)return;";
window.eval = (src) => {
  if (typeof src === "string" && src.startsWith(vuguHelperStart) && window.vuguRender) return undefined;
  throw new EvalError("eval is disabled on this page (Content-Security-Policy)");
};

const status = (text) => {
  const el = document.getElementById("boot-status");
  if (el) el.textContent = text;
};

// The service worker (sw.js) keeps a copy of the app so it also starts offline; the model worker
// keeps the weights. It is registered once the model is ready, when all the app's files are in
// the HTTP cache. Registration failing (e.g. a private window) only loses offline starts.
let swRegistered = false;
const registerServiceWorker = () => {
  if (swRegistered || !("serviceWorker" in navigator)) return;
  swRegistered = true;
  navigator.serviceWorker.register("sw.js").catch((err) => console.warn("service worker:", err.message));
};

// The worker, and the messages that arrive before the app listens.
const engine = new URLSearchParams(location.search).get("engine"); // ?engine=… forces a compute path
const workerURL = (role) => {
  const q = new URLSearchParams();
  if (engine) q.set("engine", engine);
  if (role) q.set("role", role);
  return "worker.mjs" + (q.size ? "?" + q : "");
};
const worker = new Worker(workerURL(""), { type: "module", name: "graft-model" });
const early = [];
let onMessage = (data) => early.push(data);
let onError = (msg) => status("The model worker failed: " + msg);
worker.onmessage = (e) => {
  if (!swRegistered && typeof e.data === "string" && e.data.includes('"phase":"ready"')) registerServiceWorker();
  onMessage(e.data);
};
worker.onerror = (e) => onError(e.message || "it could not start (see the console)");

globalThis.graftBoot = {
  worker,
  // startWorker starts another copy of the engine (an extraction pool worker), same engine path.
  startWorker: (role, name) => new Worker(workerURL(role), { type: "module", name }),
  takeOver(message, error) {
    onMessage = message;
    onError = error;
    for (const d of early.splice(0)) message(d);
  },
};

try {
  const go = new Go();
  go.argv = ["app"];
  const { instance } = await WebAssembly.instantiateStreaming(fetch("app.wasm"), go.importObject);
  go.run(instance);
} catch (err) {
  status("The app could not start: " + err.message + ". Graft needs a browser with WebAssembly.");
  throw err;
}
