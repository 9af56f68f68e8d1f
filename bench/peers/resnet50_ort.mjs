// resnet50_ort.mjs: Keras ResNet50 (resnet50_arch.mjs) in ONNX Runtime Web 1.30 on the wasm
// execution provider, one thread, timed as Graft's ./build.sh bench times its engines; prints
//   {"engine":"ort-web-1.30-wasm","ms_median":…,"ms_min":…,"runs":…,"gflops":…,"rss_mb":…,
//    "cpu_ms_median":…,"threads":1,"simd":true,…}
// The model is written here (onnx_writer.mjs), opset 13, NCHW as ONNX defines Conv: each conv a
// Conv with the folded-BN bias and its padding as 'pads' (Keras' ZeroPadding2D included),
// Relu, Add, MaxPool with pads, GlobalAveragePool, Flatten, Gemm, Softmax — what an exporter
// gives for the Keras graph. The weights are the same seeded synthetic ones as the TF.js run's,
// transposed from Keras' HWCK to ONNX's KCHW, so both compute the same function.
//
//   node resnet50_ort.mjs [--runs 20] [--warmup 3] [--check]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  buildResNet50, checkMacs, checkProbabilities, convLayers, convMacs, convOutSize, INPUT_SIZE, NUM_CLASSES, syntheticImage,
  syntheticWeights,
} from './resnet50_arch.mjs';
import { GraphWriter } from './onnx_writer.mjs';
import { forbidNetwork, parseOptions, resultLine, timeRuns } from './timing.mjs';

export const ENGINE = 'ort-web-1.30-wasm';
export const OPSET = 13;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ORT_DIST = path.join(HERE, 'node_modules/onnxruntime-web/dist');
// ORT 1.30 ships one wasm build for this provider, SIMD128 and threads (threads stay unused at
// numThreads = 1: no worker is started).
const WASM_BUILD = 'ort-wasm-simd-threaded';

// kernelToKCHW reorders a Keras HWCK kernel into ONNX Conv's weight layout (K, C, kh, kw).
function kernelToKCHW(src, k, cin, cout) {
  const dst = new Float32Array(src.length);
  for (let y = 0; y < k; y++)
    for (let x = 0; x < k; x++)
      for (let c = 0; c < cin; c++)
        for (let o = 0; o < cout; o++) dst[((o * cin + c) * k + y) * k + x] = src[((y * k + x) * cin + c) * cout + o];
  return dst;
}

// imageToNCHW reorders the NHWC input image to NCHW.
export function imageToNCHW(src, size = INPUT_SIZE) {
  const dst = new Float32Array(src.length);
  for (let i = 0; i < size * size; i++) for (let c = 0; c < 3; c++) dst[c * size * size + i] = src[i * 3 + c];
  return dst;
}

// resnet50Onnx writes the model and counts its multiply-adds from the shapes it tracks
// (values are {name, c, h}: channels and rows, square).
export function resnet50Onnx() {
  const g = new GraphWriter('resnet50');
  const layers = new Map(convLayers().map((l) => [l.name, l]));
  for (const [name, w] of syntheticWeights()) {
    const l = layers.get(name);
    if (l) g.initializer(`${name}/kernel`, [l.cout, l.cin, l.k, l.k], kernelToKCHW(w.kernel, l.k, l.cin, l.cout));
    else g.initializer(`${name}/kernel`, [w.kernel.length / NUM_CLASSES, NUM_CLASSES], w.kernel);
    g.initializer(`${name}/bias`, [w.bias.length], w.bias);
  }
  let macs = 0;
  let adds = 0;
  const ops = {
    conv(x, l) {
      const h = convOutSize(x.h, l.k, l.stride, l.pad);
      macs += convMacs(h, h, l.k, x.c, l.cout);
      const p = l.pad;
      let y = g.node('Conv', l.name, [x.name, `${l.name}/kernel`, `${l.name}/bias`], [l.name], {
        kernel_shape: [l.k, l.k], strides: [l.stride, l.stride], pads: [p, p, p, p], dilations: [1, 1], group: 1,
      });
      if (l.relu) y = g.node('Relu', `${l.name}_relu`, [y], [`${l.name}_relu`]);
      return { name: y, c: l.cout, h };
    },
    maxPool(x) {
      const y = g.node('MaxPool', 'pool1_pool', [x.name], ['pool1_pool'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
      return { name: y, c: x.c, h: convOutSize(x.h, 3, 2, 1) };
    },
    addRelu(a, b) {
      if (a.c !== b.c || a.h !== b.h) throw new Error(`residual shapes differ: ${a.name} ${a.c}x${a.h}, ${b.name} ${b.c}x${b.h}`);
      const n = `add${++adds}`;
      const y = g.node('Relu', `${n}_out`, [g.node('Add', n, [a.name, b.name], [n])], [`${n}_out`]);
      return { name: y, c: a.c, h: a.h };
    },
    head(x) {
      macs += x.c * NUM_CLASSES;
      let y = g.node('GlobalAveragePool', 'avg_pool', [x.name], ['avg_pool']);
      y = g.node('Flatten', 'flatten', [y], ['flatten'], { axis: 1 });
      y = g.node('Gemm', 'predictions', [y, 'predictions/kernel', 'predictions/bias'], ['logits'], { transB: 0 });
      return { name: g.node('Softmax', 'softmax', [y], ['probabilities'], { axis: 1 }), c: NUM_CLASSES, h: 1 };
    },
  };
  const input = { name: g.input('input', [1, 3, INPUT_SIZE, INPUT_SIZE]), c: 3, h: INPUT_SIZE };
  const out = buildResNet50(ops, input);
  g.output(out.name, [1, NUM_CLASSES]);
  return { bytes: g.modelBytes(OPSET), macs, output: out.name };
}

// createOrtResNet50 starts ONNX Runtime Web's wasm provider on one thread from node_modules,
// creates the session and returns forward (resolving to the 1000 probabilities), the
// multiply-adds and what the runtime ran with.
export async function createOrtResNet50() {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  // The glue and the binary from node_modules, nowhere else.
  ort.env.wasm.wasmPaths = { mjs: pathToFileURL(path.join(ORT_DIST, `${WASM_BUILD}.mjs`)).href };
  ort.env.wasm.wasmBinary = fs.readFileSync(path.join(ORT_DIST, `${WASM_BUILD}.wasm`));
  const model = resnet50Onnx();
  checkMacs(ENGINE, model.macs);
  const session = await ort.InferenceSession.create(model.bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const image = new ort.Tensor('float32', imageToNCHW(syntheticImage()), [1, 3, INPUT_SIZE, INPUT_SIZE]);
  const forward = async () => {
    const result = await session.run({ input: image });
    const t = result[model.output];
    const out = t.data;
    t.dispose();
    return out;
  };
  checkProbabilities(ENGINE, await forward());
  const info = {
    threads: ort.env.wasm.numThreads,
    simd: WASM_BUILD.includes('simd'),
    ort_version: ort.env.versions?.web,
    proxy: ort.env.wasm.proxy,
    wasm_file: path.relative(HERE, path.join(ORT_DIST, `${WASM_BUILD}.wasm`)),
    model_mb: Math.round(model.bytes.length / 1e5) / 10,
  };
  return { forward, macs: model.macs, info };
}

async function main() {
  const opt = parseOptions();
  forbidNetwork();
  const net = await createOrtResNet50();
  if (net.info.threads !== 1) throw new Error(`${ENGINE}: asked for 1 thread, the runtime has ${net.info.threads}`);
  const t = await timeRuns(net.forward, opt);
  checkProbabilities(ENGINE, t.out);
  console.log(resultLine(ENGINE, net.macs, t, opt.runs, { ...net.info, macs: net.macs, opset: OPSET }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e?.stack ?? e?.message ?? e);
    process.exit(1);
  });
}
