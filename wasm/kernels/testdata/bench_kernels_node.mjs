// bench_kernels_node.mjs: time of the non-GEMM kernels under Node on ResNet50 sizes (im2col for the
// 3x3 convs, conv1 and the stride-2 1x1 gather; B packing from float32 and int8; dequantization;
// the standalone epilogue; the backward pass's transpose, col2im, ReLU mask and column sums). Best
// of 30 runs after 5 warm-up runs. Contents of memory are whatever is there (zeros): these
// kernels' speed does not depend on the values, but never-written pages may all be the kernel's
// one zero page, which flatters a kernel that reads more than it writes (the transpose runs ~3×
// slower on Go's memory: core/kernels BenchmarkTransposeF32).
//   node wasm/kernels/testdata/bench_kernels_node.mjs wasm/kernels/kernels.wasm
import { readFileSync } from 'node:fs';
const memory = new WebAssembly.Memory({ initial: 2048 });
const { instance } = await WebAssembly.instantiate(readFileSync(process.argv[2]), { env: { memory } });
const ex = instance.exports;
function time(f) { for (let i = 0; i < 5; i++) f(); let best = 1e9; for (let r = 0; r < 30; r++) { const s = performance.now(); f(); best = Math.min(best, performance.now() - s); } return best; }
const src = 1 << 20, dst = 64 << 20, w8 = 100 << 20, sc = 110 << 20;
// im2col conv2 3x3 56x56x64 'same', all pixels
for (const [h, c] of [[56, 64], [28, 128], [14, 256], [7, 512]]) {
  const ms = time(() => ex.im2col_f32(src, h, h, c, 3, 3, 1, 1, 1, h, dst, 0, h * h));
  const bytes = h * h * 9 * c * 4;
  console.log(`im2col 3x3 ${h}x${h}x${c}: ${ms.toFixed(3)} ms, ${(bytes / ms / 1e6).toFixed(1)} GB/s written`);
}
{ const ms = time(() => ex.im2col_f32(src, 224, 224, 3, 7, 7, 2, 3, 3, 112, dst, 0, 112 * 112)); console.log(`im2col conv1 7x7/2 pad 3 224x224x3: ${ms.toFixed(3)} ms`); }
{ const ms = time(() => ex.im2col_f32(src, 56, 56, 256, 1, 1, 2, 0, 0, 28, dst, 0, 28 * 28)); console.log(`gather 1x1/2 56x56x256: ${ms.toFixed(3)} ms`); }
for (const [k, n] of [[4608, 512], [1024, 256]]) {
  const ms = time(() => ex.pack_b_i8(w8, n, sc, dst, k * 8, k, n));
  console.log(`pack_b_i8 ${k}x${n}: ${ms.toFixed(3)} ms, ${(k * n / ms / 1e6).toFixed(2)} G weights/s`);
  const ms2 = time(() => ex.pack_b_f32(src, n, dst, k * 8, k, n));
  console.log(`pack_b_f32 ${k}x${n}: ${ms2.toFixed(3)} ms, ${(k * n / ms2 / 1e6).toFixed(2)} G floats/s`);
  const ms3 = time(() => ex.dequant_i8(w8, n, sc, dst, n, k, n));
  console.log(`dequant_i8 ${k}x${n}: ${ms3.toFixed(3)} ms, ${(k * n / ms3 / 1e6).toFixed(2)} G weights/s`);
}
{ const ms = time(() => ex.bias_act_f32(dst, 256, 3136, 256, 2 | 4 | 8, src, w8, 256)); console.log(`bias_act 3136x256 bias+res+relu: ${ms.toFixed(3)} ms, ${(3136*256*4*3/ms/1e6).toFixed(1)} GB/s moved`); }
// the backward pass's kernels (core/ops.Conv2DBackward, ReLUBackward) at conv4_block6's sizes, batch 8
for (const [r, c] of [[1568, 2304], [1024, 1024], [1024, 256]]) {
  const ms = time(() => ex.transpose_f32(src, c, dst, r, r, c));
  console.log(`transpose ${r}x${c}: ${ms.toFixed(3)} ms, ${(r * c * 8 / ms / 1e6).toFixed(1)} GB/s moved`);
}
{ const ms = time(() => ex.col2im_f32(dst, 14, 14, 256, 3, 3, 1, 1, 1, 1, 14, src, 0, 196)); console.log(`col2im 3x3 14x14x256 (one image): ${ms.toFixed(3)} ms`); }
{ const ms = time(() => ex.relu_mask_f32(dst, src, 1568 * 1024)); console.log(`relu_mask 1568x1024: ${ms.toFixed(3)} ms`); }
{ const ms = time(() => ex.col_sum_f32(src, 1024, 1568, 1024, w8)); console.log(`col_sum 1568x1024: ${ms.toFixed(3)} ms`); }
