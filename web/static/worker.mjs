// worker.mjs — the model's Web Worker (a module worker that main.mjs starts).
// It starts the engine (web/worker compiled to engine.wasm) through wasm/js/loader.mjs, which
// links it to the generated SIMD kernel module (relaxed SIMD when the browser has it, SIMD128
// otherwise) or starts engine-scalar.wasm (-tags purego) where there is no SIMD; the engine
// learns which as GRAFT_ENGINE. This file only gives Go the browser pieces it cannot reach alone:
// graftDecode (createImageBitmap with the EXIF orientation applied and no colour conversion,
// OffscreenCanvas → RGBA), graftList (a File's SHA-256 and first bytes) and graftIDB (idb.mjs: the feature cache and the saved heads in
// IndexedDB). Messages that arrive before Go runs are queued; Go takes them and owns onmessage
// from then on. Everything else (download, Cache API, verification, preprocessing, ResNet50,
// listing, features, training) is Go: web/engine. The page starts more copies of this worker
// with ?role=extract for its extraction pool.
import "./wasm_exec.js";
import { startGo } from "./loader.mjs";
import { graftIDB } from "./idb.mjs";

self.graftIDB = graftIDB;

const queued = [];
self.onmessage = (e) => queued.push(e.data);

self.graftWorker = {
  takeQueued: () => queued.splice(0),
};

// Decoding: the browser decodes, Go does everything after (web/engine.Session.Classify).
self.graftDecode = {
  // bitmap: the whole image, upright, straight alpha, the file's own colour values.
  bitmap: (blob) =>
    createImageBitmap(blob, { imageOrientation: "from-image", premultiplyAlpha: "none", colorSpaceConversion: "none" }),

  // pixels: RGBA bytes of the bitmap at width×height (a high-quality downscale when smaller).
  async pixels(bitmap, width, height) {
    let src = bitmap;
    if (width !== bitmap.width || height !== bitmap.height) {
      src = await createImageBitmap(bitmap, { resizeWidth: width, resizeHeight: height, resizeQuality: "high" });
      bitmap.close();
    }
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(src, 0, 0);
    src.close();
    const data = ctx.getImageData(0, 0, width, height).data;
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  },

  // head: the first bytes, to name what an undecodable file is.
  async head(blob, n) {
    return new Uint8Array(await blob.slice(0, n).arrayBuffer());
  },
};

// Listing: a picked File's SHA-256 (hex, of all its bytes: the feature cache's content key)
// and its first n bytes (the image header), so that only those cross into Go when a folder is
// listed (web/worker/train_js.go); the whole file enters Go once, when it is extracted.
self.graftList = {
  async hashed(file, n) {
    const buf = await file.arrayBuffer();
    const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
    const hash = Array.from(sum, (b) => b.toString(16).padStart(2, "0")).join("");
    return { hash, header: new Uint8Array(buf, 0, Math.min(n, buf.byteLength)) };
  },
};

// ?engine=wasm-simd128|wasm-relaxed-simd|wasm-scalar on the page forces a compute path (for
// comparing them, and for the browser test of the scalar fallback).
const ENGINES = ["wasm-relaxed-simd", "wasm-simd128", "wasm-scalar"];
const forced = new URL(self.location.href).searchParams.get("engine");

const stopped = (why) => postMessage(JSON.stringify({ kind: "status", status: { phase: "error", error: why } }));
try {
  const { exited } = await startGo({
    goWasm: "engine.wasm",
    goWasmScalar: "engine-scalar.wasm",
    kernels: { baseline: "kernels.wasm", relaxed: "kernels-relaxed.wasm" },
    engine: ENGINES.includes(forced) ? forced : undefined,
    // Go's wasm memory never shrinks, so the heap's high-water mark is what the tab keeps:
    // GOGC=25 holds a ResNet50 pass (int8 weights) at ~128 MB instead of ~160 MB (wasm/cmd/bench, same speed).
    env: { GOGC: "25" },
  });
  exited.then((code) => stopped(`the engine stopped (exit code ${code})`), (err) => stopped("the engine crashed: " + err.message));
} catch (err) {
  stopped("the engine could not start: " + err.message);
}
