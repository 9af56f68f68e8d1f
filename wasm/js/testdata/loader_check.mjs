// loader_check.mjs: exercises ../loader.mjs under Node for loader_test.go. Usage:
//   node [--experimental-wasm-relaxed-simd] loader_check.mjs WASM_EXEC.js PROBE.wasm PROBE_PUREGO.wasm KERNELS_DIR
// PROBE*.wasm are testdata/probe built without and with -tags purego. Prints one line per case,
// "case NAME: ok" or "case NAME: FAIL …", between the probe's own lines, then "done N".
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { webcrypto } from 'node:crypto';

import { startGo, simdSupported, ENGINE_RELAXED, ENGINE_SIMD128, ENGINE_SCALAR } from '../loader.mjs';

const [wasmExec, probePath, puregoPath, kernelsDir] = process.argv.slice(2);
const require = createRequire(import.meta.url);
Object.assign(globalThis, { require, fs, path });
globalThis.crypto ??= webcrypto;
require(path.resolve(wasmExec));

const relaxedOn = process.execArgv.includes('--experimental-wasm-relaxed-simd');
const probe = fs.readFileSync(probePath);
const purego = fs.readFileSync(puregoPath);
const kernels = {
  baseline: fs.readFileSync(path.join(kernelsDir, 'kernels.wasm')),
  relaxed: fs.readFileSync(path.join(kernelsDir, 'kernels-relaxed.wasm')),
};

let count = 0;
async function check(name, fn) {
  count++;
  try {
    await fn();
    console.log(`case ${name}: ok`);
  } catch (err) {
    console.log(`case ${name}: FAIL ${err && err.stack || err}`);
  }
}
function expect(cond, what) {
  if (!cond) throw new Error(what);
}
async function expectReject(promise, fragment) {
  try {
    await promise;
  } catch (err) {
    expect(String(err.message).includes(fragment), `error "${err.message}" lacks "${fragment}"`);
    return;
  }
  throw new Error(`resolved; want an error with "${fragment}"`);
}
async function run(opts, want, code = 0) {
  const r = await startGo({ argv: [String(code)], ...opts });
  expect(r.engine === want, `engine ${r.engine}, want ${want}`);
  const exit = await r.exited;
  expect(exit === code, `exit code ${exit}, want ${code}`);
  expect((r.kernelsInstance !== null) === (want !== ENGINE_SCALAR), 'kernel instance presence');
  return r;
}

await check('simd-probe', () => expect(simdSupported() === true, 'Node 20 validates SIMD128'));
await check('best', () => run({ goWasm: probe, goWasmScalar: purego, kernels }, relaxedOn ? ENGINE_RELAXED : ENGINE_SIMD128));
await check('force-simd128', () => run({ goWasm: probe, kernels, engine: ENGINE_SIMD128 }, ENGINE_SIMD128));
await check('no-relaxed-module', () => run({ goWasm: probe, kernels: { baseline: kernels.baseline } }, ENGINE_SIMD128));
await check('exit-code', () => run({ goWasm: probe, kernels }, relaxedOn ? ENGINE_RELAXED : ENGINE_SIMD128, 3));
await check('purego-program', () => run({ goWasm: purego, kernels }, ENGINE_SCALAR));
await check('paths-and-file-urls', () => run({
  goWasm: path.relative(process.cwd(), probePath),
  kernels: { baseline: pathToFileURL(path.join(kernelsDir, 'kernels.wasm')), relaxed: pathToFileURL(path.join(kernelsDir, 'kernels-relaxed.wasm')) },
}, relaxedOn ? ENGINE_RELAXED : ENGINE_SIMD128));
await check('force-relaxed', async () => {
  if (relaxedOn) {
    await run({ goWasm: probe, kernels, engine: ENGINE_RELAXED }, ENGINE_RELAXED);
  } else {
    await expectReject(startGo({ goWasm: probe, kernels, engine: ENGINE_RELAXED }), 'relaxed SIMD was asked for');
  }
});

// An engine without SIMD128: WebAssembly.validate refuses everything.
const validate = WebAssembly.validate;
WebAssembly.validate = () => false;
try {
  await check('no-simd-uses-scalar-build', () => run({ goWasm: probe, goWasmScalar: purego, kernels }, ENGINE_SCALAR));
  await check('no-simd-needs-scalar-build', () => expectReject(startGo({ goWasm: probe, kernels }), 'goWasmScalar'));
} finally {
  WebAssembly.validate = validate;
}
await check('scalar-build-must-be-purego', () =>
  expectReject(startGo({ goWasm: probe, goWasmScalar: probe, kernels, engine: ENGINE_SCALAR }), '-tags purego'));
await check('needs-wasm-exec', async () => {
  const Go = globalThis.Go;
  delete globalThis.Go;
  try {
    await expectReject(startGo({ goWasm: probe, kernels }), 'wasm_exec.js');
  } finally {
    globalThis.Go = Go;
  }
});
await check('needs-baseline', () => expectReject(startGo({ goWasm: probe, kernels: {} }), 'kernels.baseline'));
console.log(`done ${count}`);
