// loader.mjs: starts Graft's Go WebAssembly program linked to the generated SIMD128 kernel module
// (calling convention: wasm/gen/README.md). The same module runs in a page, in a
// module Web Worker and in Node 20. It needs the global `Go` class of the Go toolchain's
// wasm_exec.js (`$(go env GOROOT)/lib/wasm/wasm_exec.js`, copied from the Go that built the wasm)
// to be loaded first: a <script> in a page, `await import('./wasm_exec.js')` in a module worker,
// `require` in Node (after setting globalThis.fs etc. as Go's wasm_exec_node.js does).
//
// The dance, in order:
//  1. pick the engine: SIMD128 missing (a tiny SIMD module fails WebAssembly.validate) → the
//     scalar Go build (`goWasmScalar`, built with -tags purego); otherwise the relaxed-SIMD kernel
//     module when WebAssembly.validate accepts it, the baseline SIMD128 module otherwise;
//  2. give Go lazy trampolines for its `kernels` imports (the kernel module cannot exist yet: it
//     imports Go's memory), and instantiate Go;
//  3. instantiate the kernel module on Go's memory ({env: {memory: goInstance.exports.mem}}; the
//     module's import has minimum 1 page and no maximum) and point the trampolines at it;
//  4. go.run. Go sees the engine as GRAFT_ENGINE in its environment.
//
//   import { startGo } from './loader.mjs';
//   const { engine, exited } = await startGo({ goWasm: 'app.wasm', goWasmScalar: 'app-scalar.wasm',
//     kernels: { baseline: 'kernels.wasm', relaxed: 'kernels-relaxed.wasm' } });
//
// Sources (goWasm, goWasmScalar, kernels.*) may be URLs (string or URL; relative to the page or
// worker, or to the working directory in Node, where file: URLs and paths are read with node:fs),
// Responses, ArrayBuffers or typed arrays. Note that go.run starts Go synchronously: a Go main
// that computes without waiting on JS finishes before startGo returns.

// Engines, as reported to the caller and to Go (GRAFT_ENGINE).
export const ENGINE_RELAXED = 'wasm-relaxed-simd';
export const ENGINE_SIMD128 = 'wasm-simd128';
export const ENGINE_SCALAR = 'wasm-scalar';

// (module (func (result v128) v128.const i32x4 0 0 0 0)): valid exactly where SIMD128 is.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, // code: no locals, v128.const
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0x0b, // end
]);

// simdSupported reports whether this engine validates WebAssembly SIMD128.
export function simdSupported() {
  return WebAssembly.validate(SIMD_PROBE);
}

// The kernel module's exports as Go imports them (wasm/kernels Signatures; a Go test holds this
// list to it). Each trampoline calls through `linked`, filled once the module is instantiated.
function kernelTrampolines(linked) {
  return {
    gemm_f32: (a, lda, b, ldp, c, ldc, m, n, k, flags, bias, res, ldres) =>
      linked.gemm_f32(a, lda, b, ldp, c, ldc, m, n, k, flags, bias, res, ldres),
    pack_b_f32: (src, ldb, dst, ldp, k, n) => linked.pack_b_f32(src, ldb, dst, ldp, k, n),
    pack_b_i8: (src, ldb, scale, dst, ldp, k, n) => linked.pack_b_i8(src, ldb, scale, dst, ldp, k, n),
    dequant_i8: (src, lds, scale, dst, ldd, k, n) => linked.dequant_i8(src, lds, scale, dst, ldd, k, n),
    bias_act_f32: (c, ldc, m, n, flags, bias, res, ldres) => linked.bias_act_f32(c, ldc, m, n, flags, bias, res, ldres),
    im2col_f32: (src, h, w, c, kh, kw, stride, padt, padl, ow, dst, p0, np) =>
      linked.im2col_f32(src, h, w, c, kh, kw, stride, padt, padl, ow, dst, p0, np),
    max_pool_f32: (src, h, w, c, pool, stride, padt, padl, oh, ow, dst) =>
      linked.max_pool_f32(src, h, w, c, pool, stride, padt, padl, oh, ow, dst),
    transpose_f32: (src, lds, dst, ldd, rows, cols) => linked.transpose_f32(src, lds, dst, ldd, rows, cols),
    col2im_f32: (dst, h, w, c, kh, kw, sh, sw, padt, padl, ow, src, p0, np) =>
      linked.col2im_f32(dst, h, w, c, kh, kw, sh, sw, padt, padl, ow, src, p0, np),
    relu_mask_f32: (dy, y, n) => linked.relu_mask_f32(dy, y, n),
    col_sum_f32: (src, lds, m, n, sum) => linked.col_sum_f32(src, lds, m, n, sum),
  };
}

const isNode = typeof process !== 'undefined' && process.versions != null && process.versions.node != null;

// baseURL resolves relative sources: the document, the worker script, or Node's working directory.
async function baseURL() {
  if (typeof document !== 'undefined' && document.baseURI) return document.baseURI;
  if (typeof location !== 'undefined' && location.href) return location.href;
  if (isNode) {
    const { pathToFileURL } = await import('node:url');
    return pathToFileURL(process.cwd() + '/').href;
  }
  throw new Error('loader: cannot resolve a relative URL here; pass an absolute URL or the bytes');
}

// bytesOf returns the bytes of a source (see the header).
async function bytesOf(src, what) {
  if (src == null) throw new Error(`loader: ${what} was not given`);
  if (src instanceof ArrayBuffer || ArrayBuffer.isView(src)) return src;
  if (typeof Response !== 'undefined' && src instanceof Response) return src.arrayBuffer();
  const url = new URL(String(src), await baseURL());
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`loader: fetching ${what} ${url}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

// compileGo compiles the Go program, streaming when it comes from the network.
async function compileGo(src, what) {
  if (src instanceof WebAssembly.Module) return src;
  const streamable = typeof src === 'string' || src instanceof URL;
  if (streamable && typeof WebAssembly.compileStreaming === 'function') {
    const url = new URL(String(src), await baseURL());
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`loader: fetching ${what} ${url}: HTTP ${res.status}`);
      if ((res.headers.get('Content-Type') || '').startsWith('application/wasm')) {
        return WebAssembly.compileStreaming(res);
      }
      return WebAssembly.compile(await res.arrayBuffer());
    }
  }
  return WebAssembly.compile(await bytesOf(src, what));
}

// chooseKernels returns the engine and the kernel module's bytes (null for the scalar engine).
async function chooseKernels(kernels, force) {
  if (force === ENGINE_SCALAR || !simdSupported()) return { engine: ENGINE_SCALAR, bytes: null };
  if (force !== ENGINE_SIMD128 && kernels.relaxed != null) {
    const bytes = await bytesOf(kernels.relaxed, 'kernels.relaxed');
    if (WebAssembly.validate(bytes)) return { engine: ENGINE_RELAXED, bytes };
    if (force === ENGINE_RELAXED) throw new Error('loader: relaxed SIMD was asked for but this engine rejects kernels-relaxed.wasm');
  }
  return { engine: ENGINE_SIMD128, bytes: await bytesOf(kernels.baseline, 'kernels.baseline') };
}

/**
 * startGo instantiates and starts the Go program with the best kernel module this engine runs.
 *
 * @param {object} o
 * @param o.goWasm        the Go program (GOOS=js GOARCH=wasm), importing module "kernels"
 * @param o.goWasmScalar  the same program built with -tags purego (no kernel imports), used when
 *                        SIMD128 is unsupported; without it that case is an error
 * @param o.kernels       { baseline: kernels.wasm, relaxed: kernels-relaxed.wasm (optional) }
 * @param o.argv          arguments after the program name
 * @param o.env           environment of the Go program (GRAFT_ENGINE is added)
 * @param o.engine        force an engine (ENGINE_SIMD128, ENGINE_RELAXED or ENGINE_SCALAR); default: best
 * @returns {Promise<{engine: string, go: Go, instance: WebAssembly.Instance,
 *   kernelsInstance: WebAssembly.Instance|null, exited: Promise<number>}>}
 *   exited resolves with Go's exit code when the program exits (go.exit is wrapped so that it
 *   does not end a Node process), and rejects if the program traps.
 */
export async function startGo({ goWasm, goWasmScalar, kernels = {}, argv = [], env = {}, engine: force } = {}) {
  if (typeof globalThis.Go !== 'function') {
    throw new Error("loader: load the Go toolchain's wasm_exec.js (the one that built the wasm) before startGo");
  }
  let { engine, bytes: kernelBytes } = await chooseKernels(kernels, force);
  let goModule;
  if (engine === ENGINE_SCALAR) {
    if (goWasmScalar == null) {
      throw new Error('loader: this engine lacks WebAssembly SIMD128 and no goWasmScalar (a -tags purego build) was given');
    }
    goModule = await compileGo(goWasmScalar, 'goWasmScalar');
  } else {
    goModule = await compileGo(goWasm, 'goWasm');
  }
  const kernelImports = WebAssembly.Module.imports(goModule).filter((i) => i.module === 'kernels');
  if (kernelImports.length === 0) {
    engine = ENGINE_SCALAR; // a purego build needs no kernels
  } else if (engine === ENGINE_SCALAR) {
    throw new Error('loader: goWasmScalar imports the kernel module; build it with -tags purego');
  }

  const go = new globalThis.Go();
  go.argv = ['js', ...argv];
  go.env = { ...env, GRAFT_ENGINE: engine };
  let exitCode = 0;
  go.exit = (code) => { exitCode = code; }; // wasm_exec's default warns; Node's runner exits

  const linked = {};
  const trampolines = kernelTrampolines(linked);
  if (kernelImports.length > 0) {
    const unknown = kernelImports.filter((i) => !(i.name in trampolines)).map((i) => i.name);
    if (unknown.length > 0) {
      throw new Error(`loader: the Go program imports kernels.${unknown.join(', kernels.')}, which wasm/js/loader.mjs does not know`);
    }
    go.importObject.kernels = trampolines;
  }
  const instance = await WebAssembly.instantiate(goModule, go.importObject);

  let kernelsInstance = null;
  if (engine !== ENGINE_SCALAR) {
    ({ instance: kernelsInstance } = await WebAssembly.instantiate(kernelBytes, { env: { memory: instance.exports.mem } }));
    for (const { name } of kernelImports) {
      if (typeof kernelsInstance.exports[name] !== 'function') {
        throw new Error(`loader: the kernel module does not export ${name}, which the Go program imports`);
      }
      linked[name] = kernelsInstance.exports[name];
    }
  }
  const exited = go.run(instance).then(() => exitCode);
  return { engine, go, instance, kernelsInstance, exited };
}
