// run.mjs: runs a GOOS=js GOARCH=wasm program under Node 20 through wasm/js/loader.mjs, linked to
// the generated kernel modules — what Go's own $(go env GOROOT)/lib/wasm/wasm_exec_node.js does,
// plus the loader dance. go_js_wasm_exec (beside this file) wraps it for `go test -exec`.
//
//   node [--experimental-wasm-relaxed-simd] run.mjs PROG.wasm [ARGS…]
//
// Environment: GRAFT_WASM_EXEC  the toolchain's wasm_exec.js (default: $GOROOT/lib/wasm, or
//                               `go env GOROOT`'s)
//              GRAFT_KERNELS_DIR where kernels.wasm and kernels-relaxed.wasm are (default:
//                               wasm/kernels of this checkout)
//              GRAFT_WASM_ENGINE force an engine: wasm-simd128, wasm-relaxed-simd or wasm-scalar
//                               (the last needs a -tags purego program)
// The program gets Node's environment (plus GRAFT_ENGINE) and a real file system, and this
// process exits with its exit code. The engine is printed on stderr when GRAFT_WASM_VERBOSE is set.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { webcrypto } from 'node:crypto';

import { startGo } from '../../js/loader.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [prog, ...args] = process.argv.slice(2);
if (!prog) {
  console.error('usage: node run.mjs PROG.wasm [ARGS…]');
  process.exit(2);
}

function wasmExecPath() {
  if (process.env.GRAFT_WASM_EXEC) return process.env.GRAFT_WASM_EXEC;
  const goroot = process.env.GOROOT || execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
  return path.join(goroot, 'lib', 'wasm', 'wasm_exec.js');
}

// What wasm_exec_node.js sets up before wasm_exec.js: Node's fs (so Go's os package reaches real
// files), path, crypto, require.
const require = createRequire(import.meta.url);
globalThis.require = require;
globalThis.fs = fs;
globalThis.path = path;
globalThis.crypto ??= webcrypto;
require(path.resolve(wasmExecPath()));

const kernelsDir = process.env.GRAFT_KERNELS_DIR || path.join(here, '..', '..', 'kernels');
const force = process.env.GRAFT_WASM_ENGINE || undefined;
const program = fs.readFileSync(prog);
const env = { TMPDIR: os.tmpdir(), ...process.env };
let started;
try {
  started = await startGo({
    goWasm: program,
    goWasmScalar: program, // a -tags purego program runs the same way; the loader sees no kernel imports
    kernels: {
      baseline: fs.readFileSync(path.join(kernelsDir, 'kernels.wasm')),
      relaxed: fs.readFileSync(path.join(kernelsDir, 'kernels-relaxed.wasm')),
    },
    argv: args,
    env,
    engine: force,
  });
} catch (err) {
  console.error(err);
  process.exit(1);
}
const { engine, go, exited } = started;
if (process.env.GRAFT_WASM_VERBOSE) console.error(`run.mjs: engine ${engine}`);
if (force && force !== engine) {
  console.error(`run.mjs: engine ${force} was asked for, the loader chose ${engine}`);
  process.exit(1);
}

// Node exits when nothing is pending; if Go has not exited by then it is deadlocked: resume it so
// that it prints "all goroutines are asleep" and its stacks (as wasm_exec_node.js does).
process.on('exit', (code) => {
  if (code === 0 && !go.exited) {
    go._pendingEvent = { id: 0 };
    go._resume();
  }
});
exited.then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
