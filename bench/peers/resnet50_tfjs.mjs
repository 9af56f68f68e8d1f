// resnet50_tfjs.mjs: Keras ResNet50 (resnet50_arch.mjs) in TensorFlow.js 4.22 on the wasm
// backend (XNNPACK), one thread, timed as Graft's ./build.sh bench times its engines; prints
//   {"engine":"tfjs-wasm-4.22","ms_median":…,"ms_min":…,"runs":…,"gflops":…,"rss_mb":…,
//    "cpu_ms_median":…,"threads":1,"simd":true,…}
// The graph is what the TF.js converter makes of a Keras ResNet50 graph model: NHWC, BatchNorm
// folded, each conv a tf.fused.conv2d with bias and (where Keras has one directly after) relu,
// the residual add then relu, mean over H and W, tf.fused.matMul with bias, softmax. Keras'
// ZeroPadding2D layers are given to the conv and the pool as explicit padding (the same zeros;
// XNNPACK pads without a copy), the cheapest form of the same work.
//
//   node resnet50_tfjs.mjs [--runs 20] [--warmup 3] [--check]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildResNet50, checkMacs, checkProbabilities, convLayers, convMacs, INPUT_SIZE, NUM_CLASSES, syntheticImage, syntheticWeights,
} from './resnet50_arch.mjs';
import { forbidNetwork, parseOptions, resultLine, timeRuns } from './timing.mjs';

export const ENGINE = 'tfjs-wasm-4.22';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const WASM_DIR = path.join(HERE, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep;

// wasmFilesRead records the .wasm files the backend reads (Emscripten's Node path reads them
// with fs.readFileSync / fs.readFile), so the JSON line can say which build ran.
const wasmFilesRead = [];
for (const name of ['readFileSync', 'readFile']) {
  const orig = fs[name];
  fs[name] = function (file, ...rest) {
    if (String(file).endsWith('.wasm')) wasmFilesRead.push(path.relative(HERE, String(file)));
    return orig.call(this, file, ...rest);
  };
}

// createTfjsResNet50 starts the wasm backend on one thread, loads the synthetic weights and
// returns forward (resolving to the 1000 probabilities, read back), the multiply-adds counted
// from the shapes the convs produced, and what the backend ran with.
export async function createTfjsResNet50() {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(WASM_DIR);
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error(`${ENGINE}: the wasm backend did not start`);
  await tf.ready();
  const info = {
    threads: wasm.getThreadsCount(),
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    backend: tf.getBackend(),
    multithread_support: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    wasm_file: wasmFilesRead.join(','),
  };

  const layers = new Map(convLayers().map((l) => [l.name, l]));
  const weights = new Map();
  for (const [name, w] of syntheticWeights()) {
    const l = layers.get(name);
    const shape = l ? [l.k, l.k, l.cin, l.cout] : [w.kernel.length / NUM_CLASSES, NUM_CLASSES];
    weights.set(name, { kernel: tf.tensor(w.kernel, shape), bias: tf.tensor1d(w.bias) });
  }
  const image = tf.tensor4d(syntheticImage(), [1, INPUT_SIZE, INPUT_SIZE, 3]);

  let macs = 0;
  let counting = true; // the first call counts; later ones only compute
  const ops = {
    conv(x, l) {
      const w = weights.get(l.name);
      const pad = l.pad === 0 ? 'valid' : l.k === 3 && l.stride === 1 ? 'same' : [[0, 0], [l.pad, l.pad], [l.pad, l.pad], [0, 0]];
      const y = tf.fused.conv2d({ x, filter: w.kernel, strides: l.stride, pad, bias: w.bias, activation: l.relu ? 'relu' : 'linear' });
      if (counting) macs += convMacs(y.shape[1], y.shape[2], l.k, x.shape[3], y.shape[3]);
      return y;
    },
    maxPool: (x) => tf.maxPool(x, 3, 2, 1),
    addRelu: (a, b) => tf.relu(tf.add(a, b)),
    head(x) {
      const w = weights.get('predictions');
      const pooled = tf.mean(x, [1, 2]); // GlobalAveragePooling2D: [1, 2048]
      if (counting) macs += pooled.shape[1] * w.kernel.shape[1];
      return tf.softmax(tf.fused.matMul({ a: pooled, b: w.kernel, bias: w.bias }));
    },
  };
  const forward = async () => {
    const y = tf.tidy(() => buildResNet50(ops, image));
    const out = await y.data();
    y.dispose();
    return out;
  };
  const first = await forward();
  counting = false;
  checkMacs(ENGINE, macs);
  checkProbabilities(ENGINE, first);
  const tensorsAfterFirst = tf.memory().numTensors;
  return {
    forward,
    macs,
    info,
    // leaks: tensors left behind since the first run (0: tf.tidy and dispose free each run's)
    leaks: () => tf.memory().numTensors - tensorsAfterFirst,
  };
}

async function main() {
  const opt = parseOptions();
  forbidNetwork();
  const net = await createTfjsResNet50();
  if (net.info.threads !== 1) throw new Error(`${ENGINE}: asked for 1 thread, the backend runs ${net.info.threads}`);
  if (!net.info.simd) throw new Error(`${ENGINE}: this Node has no wasm SIMD, the figures would not compare`);
  const t = await timeRuns(net.forward, opt);
  checkProbabilities(ENGINE, t.out);
  if (net.leaks() !== 0) throw new Error(`${ENGINE}: ${net.leaks()} tensors leaked over the runs`);
  console.log(resultLine(ENGINE, net.macs, t, opt.runs, { ...net.info, macs: net.macs }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e?.stack ?? e?.message ?? e);
    process.exit(1);
  });
}
