// worker.mjs: the Worker's entry (wrangler.jsonc "main"), replacing the one syumai/workers'
// workers-assets-gen writes (build.sh build_worker copies this over it). The generated one
// starts a new Go instance for every request; this one starts app.wasm once per isolate and
// keeps it, so the model /api/classify loads stays in memory between requests
// (server/worker/serve_js.go is the Go side). If the Go program ever exits, the next request
// starts a new one. runtime.mjs and wasm_exec.js are the generated files (wasm_exec.js gives Go
// a globalThis whose `context` is the object passed to go.run).
//
// The network's kernels are the SIMD128 module (wasm/kernels/kernels.wasm, as the page's model
// worker runs them), linked the way wasm/js/loader.mjs links them: Go's `kernels` imports are
// trampolines, filled once the kernel module is instantiated on Go's memory. Workers may not
// compile wasm at run time, so both modules are imported (wrangler bundles them compiled).
import "./wasm_exec.js";
import { createRuntimeContext, loadModule } from "./runtime.mjs";
import kernelsModule from "./kernels.wasm";

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
    const linked = {};
    const kernels = {};
    for (const { module, name } of WebAssembly.Module.imports(mod)) {
      if (module === "kernels") kernels[name] = (...args) => linked[name](...args);
    }
    const instance = new WebAssembly.Instance(mod, {
      ...go.importObject,
      kernels,
      workers: { ready: () => ready() },
    });
    if (Object.keys(kernels).length > 0) {
      const k = new WebAssembly.Instance(kernelsModule, { env: { memory: instance.exports.mem } });
      for (const name of Object.keys(kernels)) {
        if (typeof k.exports[name] !== "function") throw new Error(`kernels.wasm does not export ${name}`);
        linked[name] = k.exports[name];
      }
    }
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
