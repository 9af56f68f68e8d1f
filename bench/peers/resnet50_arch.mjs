// resnet50_arch.mjs: Keras' ResNet50 (v1) as one stage table that both peer benchmarks walk,
// the synthetic weights they load, and the checks that make their figures mean the same work.
// The architecture is keras/src/applications/resnet.py (ResNet50 → stack1 → block1): conv1 7x7/2
// after ZeroPadding2D(3), BN, relu, ZeroPadding2D(1) + MaxPooling2D 3x3/2, stages of bottleneck
// blocks {3, 4, 6, 3} whose first block has a conv shortcut ('_0_conv') and carries the stage's
// stride on its 1x1 '_1_conv' (stride 1 for conv2, 2 from conv3 on), 3x3 '_2_conv' 'same',
// 1x1 '_3_conv' to 4×filters, add, relu; global average pool, dense 1000, softmax. Layer names
// are Keras'. BatchNorm is folded into each conv's kernel and bias, as the TF.js converter
// and ONNX exporters do for an inference graph, so a conv here is conv + bias (+ relu).
//
// Axes: N batch (1), H, W rows and columns, C channels, K = out channels. Kernels are held in
// Keras' layout, HWCK (kh, kw, Cin, K); the dense kernel is [2048, 1000] (Cin, K).

export const INPUT_SIZE = 224;
export const NUM_CLASSES = 1000;

// STAGES is Keras' ResNet50: stack1(x, filters, blocks, stride1, name).
export const STAGES = [
  { name: 'conv2', filters: 64, blocks: 3, stride: 1 },
  { name: 'conv3', filters: 128, blocks: 4, stride: 2 },
  { name: 'conv4', filters: 256, blocks: 6, stride: 2 },
  { name: 'conv5', filters: 512, blocks: 3, stride: 2 },
];

// EXPECTED_MACS is ResNet50's multiply-adds at 224×224 over the convs and the dense layer (the
// 3.86 G behind Graft's 7.72 GFLOP, wasm/cmd/bench); MACS_TOLERANCE is how far an engine's own
// count may be from it (1%: the figure is quoted to three digits).
export const EXPECTED_MACS = 3.86e9;
export const MACS_TOLERANCE = 0.01;

// SOFTMAX_SUM_TOLERANCE: float32 sums of 1000 probabilities stay well inside 1e-3 of 1.
export const SOFTMAX_SUM_TOLERANCE = 1e-3;

// convLayers lists every conv in Keras' execution order: name, kernel size k, stride, 'pad'
// (the zero padding on each side: conv1's ZeroPadding2D(3); 'same' for 3x3 stride 1 is 1),
// cin, cout, and whether a relu follows it directly (not on '_0_conv' and '_3_conv', whose
// relu comes after the residual add).
export function convLayers() {
  const layers = [{ name: 'conv1_conv', k: 7, stride: 2, pad: 3, cin: 3, cout: 64, relu: true }];
  let cin = 64;
  for (const st of STAGES) {
    for (let b = 1; b <= st.blocks; b++) {
      const p = `${st.name}_block${b}`;
      const stride = b === 1 ? st.stride : 1;
      if (b === 1) layers.push({ name: `${p}_0_conv`, k: 1, stride, pad: 0, cin, cout: 4 * st.filters, relu: false });
      layers.push({ name: `${p}_1_conv`, k: 1, stride, pad: 0, cin, cout: st.filters, relu: true });
      layers.push({ name: `${p}_2_conv`, k: 3, stride: 1, pad: 1, cin: st.filters, cout: st.filters, relu: true });
      layers.push({ name: `${p}_3_conv`, k: 1, stride: 1, pad: 0, cin: st.filters, cout: 4 * st.filters, relu: false });
      cin = 4 * st.filters;
    }
  }
  return layers;
}

// buildResNet50 walks the architecture with an engine's ops and returns the probabilities:
//   ops.conv(x, layer)        conv + folded-BN bias (+ relu when layer.relu), layer from convLayers
//   ops.maxPool(x)            pool1: 3x3/2 over x padded by 1 on each side (x ≥ 0 after relu, so
//                             Keras' zero padding and a max pool's -inf padding agree)
//   ops.addRelu(a, b)         the residual add, then relu
//   ops.head(x)               global average pool, dense 1000 + bias, softmax
// x is whatever the engine passes around (a tensor, a value name).
export function buildResNet50(ops, input) {
  const layer = new Map(convLayers().map((l) => [l.name, l]));
  let x = ops.conv(input, layer.get('conv1_conv'));
  x = ops.maxPool(x);
  for (const st of STAGES) {
    for (let b = 1; b <= st.blocks; b++) {
      const p = `${st.name}_block${b}`;
      const shortcut = b === 1 ? ops.conv(x, layer.get(`${p}_0_conv`)) : x;
      let y = ops.conv(x, layer.get(`${p}_1_conv`));
      y = ops.conv(y, layer.get(`${p}_2_conv`));
      y = ops.conv(y, layer.get(`${p}_3_conv`));
      x = ops.addRelu(shortcut, y);
    }
  }
  return ops.head(x);
}

// convOutSize is a conv's or pool's output rows for n input rows (padding on both sides).
export function convOutSize(n, k, stride, pad) {
  return Math.floor((n + 2 * pad - k) / stride) + 1;
}

// convMacs is one conv's multiply-adds: every output pixel of every output channel sums k·k·cin.
export function convMacs(oh, ow, k, cin, cout) {
  return oh * ow * k * k * cin * cout;
}

// seededRandom is a small deterministic generator (xorshift32) giving floats in [-1, 1).
export function seededRandom(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 31 - 1;
  };
}

// uniform fills n floats uniformly in [-a, a): a = std·√3 gives the standard deviation std.
function uniform(rand, n, std) {
  const a = std * Math.sqrt(3);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = a * rand();
  return v;
}

// syntheticWeights yields a seeded stand-in for the folded Keras weights, layer by layer
// ([name, {kernel (HWCK), bias}] in convLayers' order, then 'predictions' with its [2048, 1000]
// kernel), so an engine can take each into its own memory before the next is made. Kernels are
// He-scaled (std √(2/fan_in)), conv1's divided by the input's spread (IMAGE_STD), the residual
// branch's last conv and the shortcut conv halved so the sum does not grow block after block;
// biases are small, like folded BatchNorm offsets. Activations then stay of order one — far
// from float32's subnormals, which would slow any engine — and the softmax is far from one-hot
// (entropy ≈ 4 nats), so comparing two engines' outputs means something (check.mjs).
export function* syntheticWeights(seed = 42) {
  const rand = seededRandom(seed);
  for (const l of convLayers()) {
    const fanIn = l.k * l.k * l.cin;
    const gain = l.name === 'conv1_conv' ? 1 / IMAGE_STD : l.relu ? 1 : 0.5;
    yield [l.name, { kernel: uniform(rand, fanIn * l.cout, gain * Math.sqrt(2 / fanIn)), bias: uniform(rand, l.cout, 0.05) }];
  }
  yield ['predictions', { kernel: uniform(rand, 2048 * NUM_CLASSES, Math.sqrt(1 / 2048)), bias: uniform(rand, NUM_CLASSES, 0.05) }];
}

// IMAGE_STD is the synthetic input's standard deviation (uniform over 255 values: 255/√12).
const IMAGE_STD = 255 / Math.sqrt(12);

// syntheticImage is a seeded caffe-preprocessed-looking NHWC [1, 224, 224, 3] input (BGR minus
// the ImageNet means: roughly [-120, 135]), as Graft's benchmark feeds.
export function syntheticImage(seed = 7) {
  const rand = seededRandom(seed);
  const x = new Float32Array(INPUT_SIZE * INPUT_SIZE * 3);
  for (let i = 0; i < x.length; i++) x[i] = IMAGE_STD * Math.sqrt(3) * rand() + 7.5;
  return x;
}

// checkMacs fails unless an engine's own count is within MACS_TOLERANCE of EXPECTED_MACS.
export function checkMacs(engine, macs) {
  const rel = Math.abs(macs - EXPECTED_MACS) / EXPECTED_MACS;
  if (!(rel <= MACS_TOLERANCE)) {
    throw new Error(`${engine}: the network counts ${macs} multiply-adds, ${(100 * rel).toFixed(2)}% from ResNet50's ${EXPECTED_MACS}`);
  }
}

// checkProbabilities fails unless out is NUM_CLASSES finite values ≥ 0 summing to 1.
export function checkProbabilities(engine, out) {
  if (out.length !== NUM_CLASSES) throw new Error(`${engine}: output has ${out.length} values, want ${NUM_CLASSES}`);
  let sum = 0;
  for (const v of out) {
    if (!Number.isFinite(v) || v < 0) throw new Error(`${engine}: output holds ${v}, not a probability`);
    sum += v;
  }
  if (Math.abs(sum - 1) > SOFTMAX_SUM_TOLERANCE) throw new Error(`${engine}: probabilities sum to ${sum}, want 1 ± ${SOFTMAX_SUM_TOLERANCE}`);
  return sum;
}
