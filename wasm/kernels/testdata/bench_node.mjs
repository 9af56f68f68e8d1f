// bench_node.mjs: GFLOP/s of the generated gemm_f32 under Node (V8) — the engine that matters; wazero
// is not representative. A JS driver does the Go side's blocking (N blocks of nc, K blocks of kc,
// row blocks of mc; one gemm_f32 call per (jc, pc, ic) block, epilogue bias+ReLU on the last K block)
// on ResNet50-shaped GEMMs, with B either packed once up front ("prepacked": weights packed at load
// time, panel stride K*NR), packed per K×N block from float32 ("pack-f32": what core/kernels does),
// or dequantized from int8 per block ("pack-i8": int8 weights kept in memory, weights/FORMAT.md).
//
//   go run ./wasm/gen/cmd/genkernels -variants 4x8-u8,2x16-u8 -variant-dir /tmp/v
//   node --experimental-wasm-relaxed-simd wasm/kernels/testdata/bench_node.mjs [options] /tmp/v/*.wasm
//
// Options: --modes=prepacked,pack-f32,pack-i8  --shapes=MxKxN,…  --mc=64 --kc=256 --nc=256 (lists sweep)
//          --min-time=0.2 (seconds per measurement)  --repeat=3 (round-robin passes; best kept)
//          --json (one JSON line per result)
// A module's micro-kernel width NR comes from its name (gemm-MRxNR-uK[-relaxed].wasm); kernels.wasm
// and kernels-relaxed.wasm are 4x8.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const opts = { modes: 'prepacked,pack-f32,pack-i8', shapes: '3136x64x256,784x1152x128,196x1024x256,49x4608x512',
  mc: '64', kc: '256', nc: '256', 'min-time': '0.2', repeat: '3', json: false };
const files = [];
for (const a of process.argv.slice(2)) {
  const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
  if (m) opts[m[1]] = m[2] ?? true; else files.push(a);
}
if (files.length === 0) { console.error('usage: bench_node.mjs [options] MODULE.wasm…'); process.exit(2); }
const list = (s) => String(s).split(',').map(Number);
const shapes = String(opts.shapes).split(',').map((s) => s.split('x').map(Number));
const FLAG_ACC = 1, FLAG_BIAS = 2, FLAG_RELU = 8;

function shapeOf(file) {
  const m = /(\d+)x(\d+)-u(\d+)/.exec(basename(file));
  return m ? { name: m[0], mr: +m[1], nr: +m[2] } : { name: '4x8-u4', mr: 4, nr: 8 };
}

// A bump allocator over the module's memory (addresses 64-byte aligned).
function layout(memory, sizes) {
  let top = 1 << 16;
  const out = {};
  for (const [name, bytes] of Object.entries(sizes)) {
    out[name] = top;
    top += Math.ceil(bytes / 64) * 64 + 64;
  }
  const need = Math.ceil(top / 65536) - memory.buffer.byteLength / 65536;
  if (need > 0) memory.grow(need);
  return out;
}

function fillRandom(memory, addr, count, seed) {
  const f = new Float32Array(memory.buffer, addr, count);
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) { x = (x * 1664525 + 1013904223) >>> 0; f[i] = (x / 2 ** 32) * 2 - 1; }
}

function bench(memory, ex, nr, [M, K, N], mode, mc, kc, nc, minTime) {
  const panels = Math.ceil(N / nr);
  const buf = layout(memory, {
    A: 4 * M * K, W: 4 * K * N, W8: K * N, scale: 4 * N, bias: 4 * N, C: 4 * M * N,
    Bfull: 4 * panels * nr * K, Bblk: 4 * kc * Math.ceil(nc / nr) * nr,
  });
  fillRandom(memory, buf.A, M * K, 1);
  fillRandom(memory, buf.W, K * N, 2);
  fillRandom(memory, buf.scale, N, 3);
  fillRandom(memory, buf.bias, N, 4);
  new Int8Array(memory.buffer, buf.W8, K * N).forEach((_, i, a) => { a[i] = (i * 37) % 251 - 125; });
  if (mode === 'prepacked') ex.pack_b_f32(buf.W, N, buf.Bfull, K * nr, K, N);

  const run = () => {
    for (let jc = 0; jc < N; jc += nc) {
      const ncb = Math.min(nc, N - jc);
      for (let pc = 0; pc < K; pc += kc) {
        const kcb = Math.min(kc, K - pc);
        let b = buf.Bblk, ldp = kcb * nr;
        if (mode === 'prepacked') {
          b = buf.Bfull + 4 * ((jc / nr) * K * nr + pc * nr);
          ldp = K * nr;
        } else if (mode === 'pack-f32') {
          ex.pack_b_f32(buf.W + 4 * (pc * N + jc), N, b, ldp, kcb, ncb);
        } else {
          ex.pack_b_i8(buf.W8 + pc * N + jc, N, buf.scale + 4 * jc, b, ldp, kcb, ncb);
        }
        const flags = (pc > 0 ? FLAG_ACC : 0) | (pc + kcb === K ? FLAG_BIAS | FLAG_RELU : 0);
        for (let ic = 0; ic < M; ic += mc) {
          const mcb = Math.min(mc, M - ic);
          ex.gemm_f32(buf.A + 4 * (ic * K + pc), K, b, ldp, buf.C + 4 * (ic * N + jc), N, mcb, ncb, kcb,
            flags, buf.bias + 4 * jc, 0, 0);
        }
      }
    }
  };
  for (let i = 0; i < 3; i++) run(); // tier up from Liftoff to TurboFan
  const times = [];
  const t0 = performance.now();
  while (times.length < 5 || (performance.now() - t0) / 1000 < minTime) {
    const s = performance.now();
    run();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const flop = 2 * M * K * N;
  return { best: flop / times[0] / 1e6, median: flop / times[times.length >> 1] / 1e6, ms: times[0], runs: times.length };
}

// Load every module, then measure round-robin --repeat times so that load from other processes
// spreads over all candidates; each cell keeps its best run (and the median of its medians).
const mods = [];
for (const file of files) {
  const bytes = readFileSync(file);
  if (!WebAssembly.validate(bytes)) {
    console.error(`${basename(file)}: not valid here (relaxed SIMD needs --experimental-wasm-relaxed-simd)`);
    continue;
  }
  const memory = new WebAssembly.Memory({ initial: 256 });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  mods.push({ file: basename(file), ...shapeOf(file), relaxed: /relaxed/.test(basename(file)), memory, ex: instance.exports });
}
const cells = [];
for (const mod of mods) for (const mode of String(opts.modes).split(',')) for (const mc of list(opts.mc))
  for (const kc of list(opts.kc)) for (const nc of list(opts.nc)) cells.push({ mod, mode, mc, kc, nc, res: shapes.map(() => []) });
for (let rep = 0; rep < Number(opts.repeat ?? 1); rep++) {
  for (const c of cells) {
    shapes.forEach((shape, i) => c.res[i].push(bench(c.mod.memory, c.mod.ex, c.mod.nr, shape, c.mode, c.mc, c.kc, c.nc, Number(opts['min-time']))));
  }
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
for (const c of cells) {
  const best = c.res.map((rs) => Math.max(...rs.map((r) => r.best)));
  const med = c.res.map((rs) => median(rs.map((r) => r.median)));
  const mean = best.reduce((a, b) => a + b, 0) / best.length;
  if (opts.json) {
    shapes.forEach((s, i) => console.log(JSON.stringify({ module: c.mod.file, shape: c.mod.name, relaxed: c.mod.relaxed,
      mode: c.mode, mc: c.mc, kc: c.kc, nc: c.nc, m: s[0], k: s[1], n: s[2], gflops_best: +best[i].toFixed(2),
      gflops_median: +med[i].toFixed(2) })));
  } else {
    console.log(`${c.mod.file.padEnd(28)} ${c.mode.padEnd(9)} mc=${c.mc} kc=${c.kc} nc=${c.nc}  ` +
      shapes.map((s, i) => `${s.join('x')}: ${best[i].toFixed(1)} (${med[i].toFixed(1)})`).join('  ') +
      `  mean ${mean.toFixed(1)}`);
  }
}
