// conv2d.go: Keras Conv2D (NHWC, kernel [KH,KW,Cin,Cout], dilation 1, groups 1) with the
// ResNet50 epilogue fused in: out = relu?(conv(x, w) + bias + residual). The convolution is
// lowered to one matrix product per block of output pixels:
//
//	out[M, Cout] = patches[M, KH*KW*Cin] · w[KH*KW*Cin, Cout],  M = N*OH*OW
//
// where a patch row is the input window of one output pixel in [KH][KW][Cin] order, the same
// order as w's rows. A 1x1 stride-1 conv needs no patches: x itself is [N*H*W, Cin]. Otherwise
// im2col.go gathers the patches (for a 1x1 strided conv that is just the subsampling), in blocks
// of rows so the scratch stays under im2colBudget whatever the input size. The kernel is float32
// (Conv2D) or int8 codes with per-out-channel scales (Conv2DWeights with Int8Weights; weights.go):
// the same patches, the same GEMM blocking and epilogue, only B's packing differs.
package ops

import (
	"fmt"
	"sync"

	"github.com/graftml/graft/core/kernels"
	"github.com/graftml/graft/core/tensor"
)

// convGeometry holds the sizes of one Conv2D call.
type convGeometry struct {
	n, h, w, cin        int // input [N,H,W,Cin]
	kh, kw, cout        int // kernel [KH,KW,Cin,Cout]
	sh, sw              int // strides
	oh, ow              int // output [N,OH,OW,Cout]
	padTop, padLeft     int // zeros before the first row/column (bottom/right follow from oh, ow)
	padBottom, padRight int
}

func (g convGeometry) patchLen() int   { return g.kh * g.kw * g.cin }
func (g convGeometry) outPixels() int  { return g.n * g.oh * g.ow }
func (g convGeometry) noPatches() bool { return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 }

// newConvGeometry validates the operands of Conv2D / Conv2DRef.
func newConvGeometry(x *tensor.Tensor, w Weights, bias []float32, sh, sw int, pad Padding, residual *tensor.Tensor) (convGeometry, error) {
	if err := tensor.CheckShape("Conv2D input", x, -1, -1, -1, -1); err != nil {
		return convGeometry{}, err
	}
	return convGeometryOf(x.Shape, w, bias, sh, sw, pad, residual)
}

// convGeometryOf is newConvGeometry for an input of shape xs [N,H,W,Cin] (checked by the caller).
func convGeometryOf(xs []int, w Weights, bias []float32, sh, sw int, pad Padding, residual *tensor.Tensor) (convGeometry, error) {
	if err := w.checkShape("Conv2D kernel", -1, -1, xs[3], -1); err != nil {
		return convGeometry{}, fmt.Errorf("%w (input %s: kernel must be [KH,KW,Cin,Cout] with Cin=%d)",
			err, tensor.ShapeString(xs), xs[3])
	}
	g := convGeometry{n: xs[0], h: xs[1], w: xs[2], cin: xs[3],
		kh: w.Shape[0], kw: w.Shape[1], cout: w.Shape[3], sh: sh, sw: sw}
	var err error
	if g.oh, g.padTop, g.padBottom, err = WindowOutputSize(g.h, g.kh, sh, pad); err != nil {
		return g, fmt.Errorf("Conv2D input %s kernel %s rows: %w", tensor.ShapeString(xs), tensor.ShapeString(w.Shape), err)
	}
	if g.ow, g.padLeft, g.padRight, err = WindowOutputSize(g.w, g.kw, sw, pad); err != nil {
		return g, fmt.Errorf("Conv2D input %s kernel %s columns: %w", tensor.ShapeString(xs), tensor.ShapeString(w.Shape), err)
	}
	if bias != nil && len(bias) != g.cout {
		return g, fmt.Errorf("Conv2D: bias has %d elements, kernel %s has Cout=%d", len(bias), tensor.ShapeString(w.Shape), g.cout)
	}
	if residual != nil {
		if err := tensor.CheckShape("Conv2D residual", residual, g.n, g.oh, g.ow, g.cout); err != nil {
			return g, err
		}
	}
	return g, nil
}

// im2colBudget bounds the patch scratch of one Conv2D call: 1 Mi floats (4 MiB). ResNet50's
// conv1 at 224x224 (12544 x 147) fits two blocks, its 3x3 layers one to two (im2colRows may cut
// them smaller).
// A variable only so that tests can force many blocks on small inputs.
var im2colBudget = 1 << 20

// im2colMinRows keeps blocks tall enough for the GEMM to split across cores even when a patch
// row is long (conv5 3x3: 4608 floats, so 227 rows fit the budget).
const im2colMinRows = 64

// im2colRows is the number of patch rows Conv2D gathers and multiplies per block: at most
// im2colBudget floats (but at least im2colMinRows rows); and, where the layer's patch rows are
// short enough that a block of im2colCacheFloats still holds im2colRepackMinRows rows, no more
// than that, so that the block the GEMM reads back is still in cache (L2) when it does. Each
// block re-packs the weights, which costs about as much as ~4 rows of the product, so short
// blocks pay only where rows are short (measured in wasm: conv1 7x7 −20%, conv2 3x3 −16%,
// conv3 3x3 −7%; conv4 3x3 at 64-row blocks +7%, hence the threshold). The blocks are then
// evened out, so that no block is a short remainder.
func im2colRows(m, k int) int {
	rows := max(im2colMinRows, im2colBudget/k)
	if c := im2colCacheFloats / k; c >= im2colRepackMinRows {
		rows = min(rows, c)
	}
	blocks := ceilDiv(m, rows)
	return ceilDiv(m, blocks)
}

// im2colRepackMinRows: rows of a block below which a cache-sized block is not worth its re-packing.
const im2colRepackMinRows = 96

func ceilDiv(a, b int) int { return (a + b - 1) / b }

var im2colPool = sync.Pool{New: func() any { return new([]float32) }}

// Conv2D computes relu?(conv(x, w) + bias + residual), x [N,H,W,Cin], w [KH,KW,Cin,Cout],
// bias [Cout] or nil, residual [N,OH,OW,Cout] or nil; result [N,OH,OW,Cout]. Keras 'same'
// padding is TensorFlow's (extra row/column at the bottom/right).
func Conv2D(x, w *tensor.Tensor, bias []float32, strideH, strideW int, pad Padding, residual *tensor.Tensor, relu bool) (*tensor.Tensor, error) {
	return Conv2DWeights(x, F32Weights(w), bias, strideH, strideW, pad, residual, relu)
}

// Conv2DWeights is Conv2D with the kernel in either form (weights.go): with int8 weights the
// result is bit for bit Conv2D's on the dequantized kernel (w.Float32()).
func Conv2DWeights(x *tensor.Tensor, w Weights, bias []float32, strideH, strideW int, pad Padding, residual *tensor.Tensor, relu bool) (*tensor.Tensor, error) {
	return Conv2DWeightsTo(tensor.New, x, w, bias, strideH, strideW, pad, residual, relu)
}

// Alloc gives an op its output tensor of the given shape. The contents may be anything: the
// ops that take an Alloc overwrite every element. tensor.New is one (zeroed, fresh); a model
// can pass buffers it recycles between layers (core/resnet50's arena).
type Alloc func(shape ...int) *tensor.Tensor

// Conv2DWeightsTo is Conv2DWeights with the output taken from alloc (overwritten in full).
func Conv2DWeightsTo(alloc Alloc, x *tensor.Tensor, w Weights, bias []float32, strideH, strideW int, pad Padding, residual *tensor.Tensor, relu bool) (*tensor.Tensor, error) {
	g, err := newConvGeometry(x, w, bias, strideH, strideW, pad, residual)
	if err != nil {
		return nil, err
	}
	return conv2D(alloc, g, x, w, bias, residual, relu), nil
}

// Conv2DWeightsPadded is Conv2DWeights(ZeroPad2D(x, top, bottom, left, right), w, …, Valid, …)
// bit for bit without the padded copy: the patches read zeros outside x (Keras' conv1_pad +
// conv1_conv). The output comes from alloc (overwritten in full).
func Conv2DWeightsPadded(alloc Alloc, x *tensor.Tensor, w Weights, bias []float32, stride, top, bottom, left, right int, residual *tensor.Tensor, relu bool) (*tensor.Tensor, error) {
	if err := tensor.CheckShape("Conv2D input", x, -1, -1, -1, -1); err != nil {
		return nil, err
	}
	if top < 0 || bottom < 0 || left < 0 || right < 0 {
		return nil, fmt.Errorf("Conv2D: negative padding (%d, %d, %d, %d)", top, bottom, left, right)
	}
	// The geometry of the padded input, then the padding moved into the window arithmetic.
	padded := []int{x.Shape[0], x.Shape[1] + top + bottom, x.Shape[2] + left + right, x.Shape[3]}
	g, err := convGeometryOf(padded, w, bias, stride, stride, Valid, residual)
	if err != nil {
		return nil, err
	}
	g.h, g.w = x.Shape[1], x.Shape[2]
	g.padTop, g.padBottom, g.padLeft, g.padRight = top, bottom, left, right
	return conv2D(alloc, g, x, w, bias, residual, relu), nil
}

// conv2D runs a validated conv: out from alloc, then the GEMM (accumulate=false) per patch block.
func conv2D(alloc Alloc, g convGeometry, x *tensor.Tensor, w Weights, bias []float32, residual *tensor.Tensor, relu bool) *tensor.Tensor {
	out := alloc(g.n, g.oh, g.ow, g.cout)
	m, k := g.outPixels(), g.patchLen()
	ep := kernels.Epilogue{Bias: bias, ReLU: relu}
	if residual != nil {
		ep.Residual, ep.LdResidual = residual.Data, g.cout
	}
	if m == 0 || g.cout == 0 {
		return out
	}
	if g.noPatches() { // 1x1 stride 1: x is already the [N*H*W, Cin] patch matrix
		w.gemm(m, k, x.Data, k, out.Data, g.cout, ep)
		return out
	}
	rowsPerBlock := im2colRows(m, max(k, 1))
	bufp := im2colPool.Get().(*[]float32)
	defer im2colPool.Put(bufp)
	if cap(*bufp) < rowsPerBlock*k {
		*bufp = make([]float32, 0, rowsPerBlock*k)
	}
	patches := (*bufp)[:rowsPerBlock*k]
	for r0 := 0; r0 < m; r0 += rowsPerBlock {
		rows := min(rowsPerBlock, m-r0)
		im2colBlock(g, x.Data, r0, rows, patches)
		blockEp := ep
		if blockEp.Residual != nil {
			blockEp.Residual = blockEp.Residual[r0*g.cout:]
		}
		w.gemm(rows, k, patches, k, out.Data[r0*g.cout:], g.cout, blockEp)
	}
	return out
}
