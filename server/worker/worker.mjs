// worker.mjs: the Worker's entry (wrangler.jsonc "main"), replacing the one syumai/workers'
// workers-assets-gen writes (build.sh build_worker copies this over it). The generated one
// starts a new Go instance for every request; this one starts app.wasm once per isolate and
// keeps it, so the model /api/classify loads stays in memory between requests
// (server/worker/serve_js.go is the Go side). If the Go program ever exits, the next request
// starts a new one. runtime.mjs and wasm_exec.js are the generated files (wasm_exec.js gives Go
// a globalThis whose `context` is the object passed to go.run).
import "./wasm_exec.js";
import { createRuntimeContext, loadModule } from "./runtime.mjs";

globalThis.tryCatch = (fn) => {
  try {
    return { result: fn() };
  } catch (e) {
    return { error: e };
  }
};

// context lives as long as the isolate; env/ctx are refreshed on every request.
const context = { binding: {} };
let started; // Promise of the running instance's binding

function start() {
  let ready;
  const readyPromise = new Promise((resolve) => (ready = resolve));
  context.ready = () => ready();
  const run = (async () => {
    const mod = await loadModule();
    const go = new Go();
    const instance = new WebAssembly.Instance(mod, {
      ...go.importObject,
      workers: { ready: () => ready() },
    });
    await go.run(instance, context);
  })();
  run.finally(() => (started = undefined)); // exited (or failed): start anew next time
  return Promise.race([readyPromise, run.then(() => Promise.reject(new Error("the Go program exited")))]);
}

async function fetch(req, env, ctx) {
  const rc = createRuntimeContext({ env, ctx, binding: context.binding });
  context.env = rc.env;
  context.ctx = rc.ctx;
  context.connect = rc.connect;
  if (started === undefined) {
    started = start();
  }
  await started;
  return context.binding.handleRequest(req);
}

export default { fetch };
