// Package ops is the middle tier of Graft's float32 engine (kernels → ops → model): the layers of Keras'
// ResNet50 as functions of tensors. Ops check shapes (errors name them), compute padding, lay
// convolutions out as matrix products (im2col) and fold batch norm; the arithmetic is done by
// core/kernels. Definitions follow tf.keras layers (Conv2D, BatchNormalization, ZeroPadding2D,
// MaxPooling2D, GlobalAveragePooling2D, Dense, Activation) in inference mode.
//
// Axis vocabulary: activations are NHWC [N, H, W, C]; conv kernels [KH, KW, Cin, Cout]
// (K = Cout = out channels); dense kernels [In, Out]. All tensors are float32, row-major.
//
// Errors: ops whose operands can disagree at run time (Conv2D, Dense, Add) return errors that
// name the shapes. ZeroPad2D, MaxPool2D, GlobalAvgPool, BatchNorm and FoldBatchNorm keep the
// single-result signatures the model is written against: their shapes follow from the
// hard-coded architecture and from weights the loader has already checked, so an inconsistent
// call is a programming error and they panic with a message naming the shapes (mustOK).
//
// Fast ops have slow obvious twins (Conv2D / Conv2DRef, Dense / DenseRef, BatchNorm /
// BatchNormRef) that accumulate in float64; tests hold the fast ones to float32 rounding bounds.
//
// Layer kernels come in two forms (Weights, weights.go): float32, or int8 codes with one float32
// scale per out channel that stay int8 in memory. Conv2DWeights / Conv2DWeightsRef and
// DenseWeights / DenseWeightsRef take either; Conv2D and Dense are their float32 entries. An int8
// kernel gives bit for bit the result of its dequantized float32 kernel.
package ops

// mustOK turns a precondition error of a single-result op into a panic (see the package comment).
func mustOK(op string, err error) {
	if err != nil {
		panic("ops." + op + ": " + err.Error())
	}
}
