// Package ops is the middle tier of Graft's float32 engine (style.md #3): the layers of Keras'
// ResNet50 as functions of tensors. Ops check shapes (errors name them), compute padding, lay
// convolutions out as matrix products (im2col) and fold batch norm; the arithmetic is done by
// core/kernels. Definitions follow tf.keras layers (Conv2D, BatchNormalization, ZeroPadding2D,
// MaxPooling2D, GlobalAveragePooling2D, Dense, Activation) in inference mode.
//
// Axis vocabulary: activations are NHWC [N, H, W, C]; conv kernels [KH, KW, Cin, Cout]
// (K = Cout = out channels); dense kernels [In, Out]. All tensors are float32, row-major.
//
// Fast ops have slow obvious twins (Conv2D / Conv2DRef, Dense / DenseRef, BatchNorm /
// BatchNormRef) that accumulate in float64; tests hold the fast ones to float32 rounding bounds.
package ops
