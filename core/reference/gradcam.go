// gradcam.go: an independent reference for core/head's Grad-CAM (Selvaraju et al., ICCV 2017):
// the feature map A [1,H,W,C] pooled by GoMLX (ReduceMean over H and W), the dense head on it,
// the class score (a logit, or ±z for a sigmoid head), and ∂y/∂A by GoMLX's reverse-mode
// autodiff over the whole graph, pooling included — the definition, not core/head's shortcut
// through the pooled vector. α_k is the mean of ∂y/∂A over H and W; the map ReLU(Σ_k α_k A).
package reference

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best dot-imported
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// GradCAM returns the class's Grad-CAM map [H,W] for the head layers (ReLU between them) with
// output "softmax" or "sigmoid" on the feature map a [H,W,C].
func GradCAM(layers []DenseLayer, output string, a []float32, h, w, class int) ([]float32, error) {
	if len(layers) == 0 || (output != "softmax" && output != "sigmoid") || len(a) != h*w*layers[0].In {
		return nil, fmt.Errorf("reference: Grad-CAM of a %d-layer %q head on %d values for %d×%d", len(layers), output, len(a), h, w)
	}
	c, units := layers[0].In, layers[len(layers)-1].Out
	pick := make([]float32, units) // y = Σ z·pick: the class's logit, or ±z for a sigmoid head
	switch {
	case output == "sigmoid" && class == 1:
		pick[0] = 1
	case output == "sigmoid":
		pick[0] = -1
	default:
		pick[class] = 1
	}
	inputs := []any{tensors.FromFlatDataAndDimensions(a, 1, h, w, c), tensors.FromFlatDataAndDimensions(pick, 1, units)}
	for _, d := range layers {
		inputs = append(inputs, tensors.FromFlatDataAndDimensions(d.Kernel, d.In, d.Out), tensors.FromFlatDataAndDimensions(d.Bias, d.Out))
	}
	backend, err := backends.New()
	if err != nil {
		return nil, fmt.Errorf("reference: GoMLX backend: %w", err)
	}
	defer backend.Finalize()
	exec, err := NewExec(backend, func(in []*Node) *Node {
		fmap, pickIn, params := in[0], in[1], in[2:]
		z := ReduceMean(fmap, 1, 2) // [1,C]
		for l := range layers {
			z = Add(MatMul(z, params[2*l]), InsertAxes(params[2*l+1], 0))
			if l < len(layers)-1 {
				z = Max(z, ZerosLike(z))
			}
		}
		score := ReduceAllSum(Mul(z, pickIn))
		grad := Gradient(score, fmap)[0]               // [1,H,W,C]
		alpha := ReduceMean(grad, 1, 2)                // [1,C]
		weighted := Mul(fmap, InsertAxes(alpha, 1, 1)) // [1,H,W,C]
		cam := ReduceSum(weighted, -1)                 // [1,H,W]
		return Max(cam, ZerosLike(cam))
	})
	if err != nil {
		return nil, err
	}
	results, err := exec.Exec(inputs...)
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	return tensors.CopyFlatData[float32](results[0])
}
