// resnet50_ort_native.mjs: Keras ResNet50 (resnet50_arch.mjs) in ONNX Runtime's native CPU
// execution provider (onnxruntime-node 1.30, MLAS), the same ONNX graph and seeded weights as
// resnet50_ort.mjs hands the wasm provider, timed as Graft's ./build.sh bench times its native
// engine; --threads N sets intraOpNumThreads (default 1; 0 = every core, os.availableParallelism()).
// Prints
//   {"engine":"ort-node-1.30-cpu","ms_median":…,"ms_min":…,"runs":…,"gflops":…,"rss_mb":…,
//    "cpu_ms_median":…,"threads":N,…}
// interOpNumThreads is 1 and the execution mode sequential (batch 1 has no parallel branches to
// run side by side); ORT's intra-op threads spin between ops by default, so cpu_ms_median counts
// that spinning too (--no-spin turns it off: session.intra_op.allow_spinning = 0).
// The binary is the one the npm tarball bundles (node_modules/onnxruntime-node/bin/napi-v6/
// linux/x64); its install script would fetch only the CUDA provider from NuGet, which
// ./build.sh bench-peers skips (ONNXRUNTIME_NODE_INSTALL=skip).
//
//   node resnet50_ort_native.mjs [--threads 1] [--runs 20] [--warmup 3] [--check] [--no-spin]
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { checkMacs, checkProbabilities, INPUT_SIZE, syntheticImage } from './resnet50_arch.mjs';
import { imageToNCHW, OPSET, resnet50Onnx } from './resnet50_ort.mjs';
import { forbidNetwork, parseOptions, resultLine, timeRuns } from './timing.mjs';

export const ENGINE = 'ort-node-1.30-cpu';
const HERE = path.dirname(fileURLToPath(import.meta.url));

// ownOptions takes --threads N and --no-spin out of argv, leaving timing.mjs's options.
function ownOptions(argv) {
  const rest = [];
  let threads = 1;
  let spin = true;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--threads') threads = Number(argv[++i]);
    else if (argv[i] === '--no-spin') spin = false;
    else rest.push(argv[i]);
  }
  if (!Number.isInteger(threads) || threads < 0) throw new Error('--threads must be an integer ≥ 0 (0: every core)');
  return { threads: threads || os.availableParallelism(), spin, rest };
}

// createOrtNativeResNet50 creates the CPU session with threads intra-op threads and returns
// forward (resolving to the 1000 probabilities), the multiply-adds and what the runtime ran with.
export async function createOrtNativeResNet50({ threads = 1, spin = true } = {}) {
  const ort = await import('onnxruntime-node');
  const model = resnet50Onnx();
  checkMacs(ENGINE, model.macs);
  const session = await ort.InferenceSession.create(model.bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: spin ? '1' : '0' } } },
  });
  const image = new ort.Tensor('float32', imageToNCHW(syntheticImage()), [1, 3, INPUT_SIZE, INPUT_SIZE]);
  const forward = async () => {
    const result = await session.run({ input: image });
    return result[model.output].data;
  };
  checkProbabilities(ENGINE, await forward());
  const binding = createRequire(import.meta.url).resolve('onnxruntime-node');
  const info = {
    threads,
    intra_op_spinning: spin,
    ort_version: ort.env.versions?.node,
    provider: 'cpu',
    binary: path.relative(HERE, path.join(path.dirname(binding), '..', 'bin/napi-v6', `${process.platform}/${process.arch}`, 'libonnxruntime.so.1')),
    cores: os.availableParallelism(),
    model_mb: Math.round(model.bytes.length / 1e5) / 10,
  };
  return { forward, macs: model.macs, info };
}

async function main() {
  const own = ownOptions(process.argv.slice(2));
  const opt = parseOptions(own.rest);
  forbidNetwork();
  const net = await createOrtNativeResNet50(own);
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
