// head.go: an independent reference for core/head's backward pass. The same dense head (Keras
// Dense layers, ReLU, dropout with a given mask, softmax + categorical cross-entropy or sigmoid +
// binary cross-entropy from logits, mean over the batch) is built as a GoMLX graph and
// differentiated by GoMLX's reverse-mode autodiff (graph.Gradient). Nothing is shared with
// core/head but the weights and the batch: the products, the losses and every derivative are
// GoMLX's own.
package reference

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best dot-imported
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// DenseLayer is one dense layer, row-major: Kernel [In,Out], Bias [Out].
type DenseLayer struct {
	In, Out      int
	Kernel, Bias []float32
}

// HeadGradients evaluates a head — layers in order, ReLU after every layer but the last, then
// output "softmax" (C logits) or "sigmoid" (one logit, P(class 1)) — on the batch x [N,F] with
// labels [N], and returns the mean loss and its gradient with respect to every kernel and bias.
// masks[l] multiplies hidden layer l's ReLU output ([N,Out_l], dropout's 0 or 1/(1−rate));
// masks may be nil or hold nil for layers without dropout.
func HeadGradients(layers []DenseLayer, output string, x []float32, n int, labels []int, masks [][]float32) (float32, []DenseLayer, error) {
	if len(layers) == 0 || (output != "softmax" && output != "sigmoid") {
		return 0, nil, fmt.Errorf("reference: head with %d layers and output %q", len(layers), output)
	}
	classes := layers[len(layers)-1].Out
	target := make([]float32, n*classes) // one-hot rows, or y ∈ {0,1} for sigmoid
	for i, y := range labels {
		if output == "sigmoid" {
			target[i] = float32(y)
		} else {
			target[i*classes+y] = 1
		}
	}
	inputs := []any{tensors.FromFlatDataAndDimensions(x, n, layers[0].In), tensors.FromFlatDataAndDimensions(target, n, classes)}
	var maskAt []int // which hidden layers have a mask input
	for l := range len(layers) - 1 {
		if l < len(masks) && masks[l] != nil {
			inputs = append(inputs, tensors.FromFlatDataAndDimensions(masks[l], n, layers[l].Out))
			maskAt = append(maskAt, l)
		}
	}
	for _, d := range layers {
		inputs = append(inputs, tensors.FromFlatDataAndDimensions(d.Kernel, d.In, d.Out), tensors.FromFlatDataAndDimensions(d.Bias, d.Out))
	}
	backend, err := backends.New()
	if err != nil {
		return 0, nil, fmt.Errorf("reference: GoMLX backend: %w", err)
	}
	defer backend.Finalize()
	exec, err := NewExec(backend, func(in []*Node) []*Node {
		a, y := in[0], in[1]
		masksIn, params := in[2:2+len(maskAt)], in[2+len(maskAt):]
		for l := range layers {
			a = Add(MatMul(a, params[2*l]), InsertAxes(params[2*l+1], 0))
			if l == len(layers)-1 {
				break
			}
			a = Max(a, ZerosLike(a))
			for k, at := range maskAt {
				if at == l {
					a = Mul(a, masksIn[k])
				}
			}
		}
		loss := headLoss(a, y, output)
		return append([]*Node{loss}, Gradient(loss, params...)...)
	})
	if err != nil {
		return 0, nil, err
	}
	results, err := exec.Exec(inputs...)
	if err != nil {
		return 0, nil, fmt.Errorf("reference: %w", err)
	}
	flat := make([][]float32, len(results))
	for i, t := range results {
		if flat[i], err = tensors.CopyFlatData[float32](t); err != nil {
			return 0, nil, err
		}
	}
	grads := make([]DenseLayer, len(layers))
	for l, d := range layers {
		grads[l] = DenseLayer{In: d.In, Out: d.Out, Kernel: flat[1+2*l], Bias: flat[2+2*l]}
	}
	return flat[0][0], grads, nil
}

// headLoss is the mean loss of logits z against target (one-hot [N,C], or y [N,1] for sigmoid):
// softmax: logsumexp(z) − Σ z·onehot; sigmoid: max(z,0) − z·y + log(1 + e^−|z|).
func headLoss(z, target *Node, output string) *Node {
	if output == "sigmoid" {
		return ReduceAllMean(Add(Sub(Max(z, ZerosLike(z)), Mul(z, target)), Log1p(Exp(Neg(Abs(z))))))
	}
	zmax := StopGradient(ReduceAndKeep(z, ReduceMax, -1))
	lse := Add(Log(ReduceSum(Exp(Sub(z, zmax)), -1)), ReduceSum(zmax, -1))
	return ReduceAllMean(Sub(lse, ReduceSum(Mul(z, target), -1)))
}
