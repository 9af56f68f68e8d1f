// finetune_grad.go: an independent reference for core/finetune's bottleneck-block backward pass. One
// Keras block1 (keras/src/applications/resnet.py: the optional 1x1/stride conv shortcut, then
// 1x1/stride, 3x3 same and 1x1 convs, each Conv2D with bias followed by BatchNormalization in
// inference mode, ReLUs, the residual add and a last ReLU) is built as a GoMLX graph with its
// batch norms kept unfolded, and differentiated by GoMLX's reverse-mode autodiff
// (graph.Gradient). Nothing is shared with core/finetune but the weights and the input.
//
// The differentiated convolutions are written as Einsums rather than graph.Convolve: GoMLX's
// gradient of Convolve with respect to its input flips the kernel with the Reverse op, and of a
// Slice pads with Pad, neither of which simplego implements (v0.26 capabilities.go). Conv2D is
// restated from its definition, out[n,o,p,:] = Σ_{kh,kw} x[n, o·s+kh−pad, p·s+kw−pad, :]·w[kh,kw]
// (zero outside the image), with the taps gathered by 0/1 selection matrices, so every op on
// the gradient path is a DotGeneral, Reshape or elementwise op. The same graph also runs the
// block with graph.Convolve (forward only), tying the Einsum form to GoMLX's own convolution.
package reference

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best dot-imported
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/graftml/graft/core/resnet50"
)

// BlockGrads is a block's output and the gradients of L = Σ_{n,c} GAP(out)[n,c]·r[n,c] with
// respect to its input and to every conv's unfolded kernel and bias (keyed by Keras conv layer
// name, "conv4_block6_1_conv").
type BlockGrads struct {
	Out         Activation           // [N,OH,OW,4F], the Einsum form that is differentiated
	OutConvolve Activation           // the same block with graph.Convolve
	Loss        float32              // L
	Dx          []float32            // ∂L/∂x, [N,H,W,Cin]
	Kernel      map[string][]float32 // ∂L/∂w, [K,K,Cin,Cout] each
	Bias        map[string][]float32 // ∂L/∂b, [Cout] each
}

// BlockGradients evaluates bottleneck block name (e.g. "conv4_block1") on x [N,H,W,Cin] with
// src's weights — stride on its _0 and _1 convs, a conv shortcut when convShortcut — and
// returns L = Σ GAP(out)·r for r [N,4F] (row-major) with its gradients.
func BlockGradients(src resnet50.WeightSource, name string, stride int, convShortcut bool, x Activation, r []float32) (*BlockGrads, error) {
	convs := []string{name + "_1", name + "_2", name + "_3"}
	if convShortcut {
		convs = append([]string{name + "_0"}, convs...)
	}
	// Kernels and biases are graph inputs (so Gradient can reach them); the batch norms are constants.
	type bnWeights struct{ gamma, beta, mean, variance *tensors.Tensor }
	var params []any
	bns := map[string]bnWeights{}
	for _, c := range convs {
		var ts [6]*tensors.Tensor
		for i, w := range []struct{ layer, short string }{
			{c + "_conv", "kernel"}, {c + "_conv", "bias"},
			{c + "_bn", "gamma"}, {c + "_bn", "beta"}, {c + "_bn", "moving_mean"}, {c + "_bn", "moving_variance"},
		} {
			shape, data, err := src.Weight(w.layer, w.short)
			if err != nil {
				return nil, fmt.Errorf("reference: %s/%s:0: %w", w.layer, w.short, err)
			}
			ts[i] = tensors.FromFlatDataAndDimensions(data, shape...)
		}
		params = append(params, ts[0], ts[1])
		bns[c] = bnWeights{ts[2], ts[3], ts[4], ts[5]}
	}
	outC := params[len(params)-1].(*tensors.Tensor).Shape().Dimensions[0] // _3_conv's bias: [4F]
	if len(x.Shape) != 4 || len(x.Data) != x.Shape[0]*x.Shape[1]*x.Shape[2]*x.Shape[3] || len(r) != x.Shape[0]*outC {
		return nil, fmt.Errorf("reference: block %s: x %v (%d values) and r of %d values: want [N,H,W,Cin] and N·%d", name, x.Shape, len(x.Data), len(r), outC)
	}
	inputs := append([]any{
		tensors.FromFlatDataAndDimensions(x.Data, x.Shape...),
		tensors.FromFlatDataAndDimensions(r, x.Shape[0], outC),
	}, params...)

	backend, err := backends.New()
	if err != nil {
		return nil, fmt.Errorf("reference: GoMLX backend: %w", err)
	}
	defer backend.Finalize()
	exec, err := NewExec(backend, func(in []*Node) []*Node {
		xin, rin, p := in[0], in[1], in[2:]
		g := xin.Graph()
		run := func(convolve bool) *Node {
			layer := func(i int, x *Node, stride int, same bool) *Node {
				bn := bns[convs[i]]
				return convBNNodes(x, p[2*i], p[2*i+1], ConstTensor(g, bn.gamma), ConstTensor(g, bn.beta),
					ConstTensor(g, bn.mean), ConstTensor(g, bn.variance), stride, same, convolve)
			}
			shortcut, i := xin, 0
			if convShortcut {
				shortcut, i = layer(0, xin, stride, false), 1
			}
			y := relu(layer(i, xin, stride, false))
			y = relu(layer(i+1, y, 1, true))
			return relu(Add(shortcut, layer(i+2, y, 1, false)))
		}
		out := run(false)
		loss := ReduceAllSum(Mul(ReduceMean(out, 1, 2), rin))
		return append([]*Node{out, StopGradient(run(true)), loss}, Gradient(loss, append([]*Node{xin}, p...)...)...)
	})
	if err != nil {
		return nil, err
	}
	results, err := exec.Exec(inputs...)
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	flat := make([][]float32, len(results))
	for i, t := range results {
		if flat[i], err = tensors.CopyFlatData[float32](t); err != nil {
			return nil, err
		}
	}
	bg := &BlockGrads{
		Out:         Activation{Shape: results[0].Shape().Dimensions, Data: flat[0]},
		OutConvolve: Activation{Shape: results[1].Shape().Dimensions, Data: flat[1]},
		Loss:        flat[2][0], Dx: flat[3],
		Kernel: map[string][]float32{}, Bias: map[string][]float32{},
	}
	for i, c := range convs {
		bg.Kernel[c+"_conv"], bg.Bias[c+"_conv"] = flat[4+2*i], flat[5+2*i]
	}
	return bg, nil
}

// convBNNodes is Conv2D (kernel [K,K,Cin,Cout], bias [Cout]; 'valid', or 'same' for the
// stride-1 3x3) then BatchNormalization in inference mode, the convolution by graph.Convolve
// when convolve, else by convEinsum.
func convBNNodes(x, kernel, bias, gamma, beta, mean, variance *Node, stride int, same, convolve bool) *Node {
	k := kernel.Shape().Dimensions[0]
	pad := 0
	if same {
		pad = (k - 1) / 2 // Keras 'same' for an odd kernel at stride 1
	}
	var y *Node
	if convolve {
		y = Convolve(x, kernel).Strides(stride).PaddingPerDim([][2]int{{pad, pad}, {pad, pad}}).Done()
	} else {
		y = convEinsum(x, kernel, stride, pad)
	}
	y = Add(y, perChannel(bias))
	scale := Mul(perChannel(gamma), Rsqrt(AddScalar(perChannel(variance), bnEpsilon)))
	return Add(Mul(Sub(y, perChannel(mean)), scale), perChannel(beta))
}

// convEinsum is Conv2D of x [N,H,W,Cin] with kernel [K,K,Cin,Cout], stride s and pad zeros on
// every side: out[n,o,q,d] = Σ_{i,j,c} x[n, o·s+i−pad, q·s+j−pad, c]·kernel[i,j,c,d].
// The taps come from selection matrices sel[i,o,h] = 1 where h = o·s+i−pad (so padding is the
// rows with no 1), applied along H and then W; selecting is exact in float32.
func convEinsum(x, kernel *Node, stride, pad int) *Node {
	d := x.Shape().Dimensions
	k := kernel.Shape().Dimensions[0]
	selection := func(size int) *Node { // [K, out, size]
		out := (size+2*pad-k)/stride + 1
		m := make([]float32, k*out*size)
		for i := range k {
			for o := range out {
				if h := o*stride + i - pad; h >= 0 && h < size {
					m[(i*out+o)*size+h] = 1
				}
			}
		}
		return ConstTensor(x.Graph(), tensors.FromFlatDataAndDimensions(m, k, out, size))
	}
	rows := Einsum("ioh,nhwc->niowc", selection(d[1]), x)      // [N,K,OH,W,Cin]
	taps := Einsum("jqw,niowc->nioqjc", selection(d[2]), rows) // [N,K,OH,OW,K,Cin]
	return Einsum("nioqjc,ijcd->noqd", taps, kernel)           // [N,OH,OW,Cout]
}
