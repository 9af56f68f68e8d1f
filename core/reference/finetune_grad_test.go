// The block-gradient check against GoMLX autodiff on a real block:
// core/finetune's Block.Forward/Backward, which trains the folded weights w' = w·s,
// b' = (b−μ)·s + β (s = γ/√(σ²+ε)), against GoMLX's reverse-mode autodiff of the same Keras
// block1 built unfolded (block.go; keras/src/applications/resnet.py), with the real Keras
// weights and real activations of two photos. By the chain rule ∂L/∂w = s·∂L/∂w' and
// ∂L/∂b = s·∂L/∂b' per output channel, and ∂L/∂x is the same on both sides.
package reference

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/finetune"
	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// gradRelErr bounds max|ours − ref| / max|ref| for every gradient tensor (and the block's
// output). Both sides are float32 with different summation orders: a kernel gradient sums
// N·OH·OW = 392 products, ∂x sums up to 9·256 or 1024 products per conv and chains three convs.
// Measured: ≤ 1e-6 for outputs, kernels and ∂x; ≤ 4.2e-6 for the _0/_3 biases, where GoMLX's
// float32 reduction of 392 terms is the less exact side (core/ops sums in float64: 2.8e-7 from
// a float64 sum, GoMLX 2e-5 absolute). ReLU masks may also flip on values within rounding of 0.
// 1e-4 leaves ~25× room, while a missing s factor, a dropped ReLU mask or a lost shortcut
// gradient shows up as 0.5 or worse, and a wrong stride or padding as a shape error.
const gradRelErr = 1e-4

func TestFineTuneBlockGradientsMatchGoMLX(t *testing.T) {
	if testing.Short() {
		t.Skip("block-gradient reference comparison skipped in -short mode")
	}
	src := loadSource(t)
	model, err := resnet50.New(src, resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A batch of N = 2 real photos, run to the inputs of the two blocks.
	var pixels []float32
	for _, p := range photos {
		pixels = append(pixels, loadPhoto(t, p).Data...)
	}
	x, err := tensor.FromData(pixels, len(photos), resnet50.InputSize, resnet50.InputSize, 3)
	if err != nil {
		t.Fatal(err)
	}
	acts := map[string]*tensor.Tensor{}
	if _, err := model.Run(x, "conv4_block5_out", func(name string, act *tensor.Tensor) {
		if name == "conv3_block4_out" || name == "conv4_block5_out" {
			acts[name] = act.Clone()
		}
	}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		block        string
		stride       int  // of the _0 and _1 convs (Keras stack1: 2 on the first block of conv3…conv5)
		convShortcut bool // the first block of a stage
		input        string
	}{
		{"conv4_block6", 1, false, "conv4_block5_out"}, // [2,14,14,1024] → [2,14,14,1024]
		{"conv4_block1", 2, true, "conv3_block4_out"},  // [2,28,28,512] → [2,14,14,1024]
	}
	for _, c := range cases {
		t.Run(c.block, func(t *testing.T) {
			checkBlockGradients(t, src, model, c.block, c.stride, c.convShortcut, acts[c.input])
		})
	}
}

func checkBlockGradients(t *testing.T, src resnet50.WeightSource, model *resnet50.Model, block string, stride int, convShortcut bool, x *tensor.Tensor) {
	infos, err := resnet50.TopBlocks(block+"_out", 1)
	if err != nil {
		t.Fatal(err)
	}
	stack, err := finetune.LoadBlocks(model, infos)
	if err != nil {
		t.Fatal(err)
	}
	b := stack[0]
	n, outC := x.Shape[0], b.C3.Spec.Cout
	rng := rand.New(rand.NewPCG(8, 1))
	r := tensor.New(n, outC) // [N,4F]: ∂L/∂GAP(out)
	for i := range r.Data {
		r.Data[i] = float32(2*rng.Float64() - 1)
	}

	ref, err := BlockGradients(src, block, stride, convShortcut, Activation{Shape: x.Shape, Data: x.Data}, r.Data)
	if err != nil {
		t.Fatal(err)
	}

	out, tape, err := b.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(out.Shape, ref.Out.Shape) {
		t.Fatalf("out %v, reference %v", out.Shape, ref.Out.Shape)
	}
	check(t, "out: Einsum vs Convolve", ref.Out.Data, ref.OutConvolve.Data)
	check(t, "out", out.Data, ref.Out.Data)
	loss := 0.0
	for i, v := range ops.GlobalAvgPool(out).Data {
		loss += float64(v) * float64(r.Data[i])
	}
	t.Logf("%-22s ours %.6g  ref %.6g", "L", loss, ref.Loss)
	if d := math.Abs(loss - float64(ref.Loss)); !(d <= gradRelErr*math.Abs(float64(ref.Loss))) {
		t.Errorf("L = %.7g, reference %.7g", loss, ref.Loss)
	}

	dOut, err := ops.GlobalAvgPoolBackward(r, out.Shape[1], out.Shape[2])
	if err != nil {
		t.Fatal(err)
	}
	grads, dx, err := b.Backward(tape, dOut, true)
	if err != nil {
		t.Fatal(err)
	}
	convs := b.Convs()
	if len(grads) != 2*len(convs) || len(convs) != len(ref.Kernel) {
		t.Fatalf("%d gradients for %d convs; the reference has %d convs", len(grads), len(convs), len(ref.Kernel))
	}
	for i, c := range convs {
		s := bnScale(t, src, c.Spec.Name)
		dw := make([]float32, len(grads[2*i])) // ∂L/∂w = s·∂L/∂w' per output channel (the last axis)
		for p, v := range grads[2*i] {
			dw[p] = float32(s[p%len(s)] * float64(v))
		}
		db := make([]float32, len(grads[2*i+1]))
		for co, v := range grads[2*i+1] {
			db[co] = float32(s[co] * float64(v))
		}
		check(t, c.Spec.Name+"/kernel", dw, ref.Kernel[c.Spec.Name])
		check(t, c.Spec.Name+"/bias", db, ref.Bias[c.Spec.Name])
	}
	check(t, "x", dx.Data, ref.Dx)
}

// bnScale is s = γ/√(σ²+ε) of conv layer name's batch norm ("conv4_block6_1_conv" → _1_bn).
func bnScale(t *testing.T, src resnet50.WeightSource, conv string) []float64 {
	bn := conv[:len(conv)-len("conv")] + "bn"
	_, gamma, err := src.Weight(bn, "gamma")
	if err != nil {
		t.Fatal(err)
	}
	_, variance, err := src.Weight(bn, "moving_variance")
	if err != nil {
		t.Fatal(err)
	}
	s := make([]float64, len(gamma))
	for i, g := range gamma {
		s[i] = float64(g) / math.Sqrt(float64(variance[i])+bnEpsilon)
	}
	return s
}

// check logs and bounds max|ours − ref| / max|ref| for one tensor.
func check(t *testing.T, what string, ours, ref []float32) {
	t.Helper()
	if len(ours) != len(ref) {
		t.Errorf("%s: %d values, reference %d", what, len(ours), len(ref))
		return
	}
	maxDiff, maxRef := 0.0, 0.0
	for i, v := range ref {
		maxDiff = math.Max(maxDiff, math.Abs(float64(ours[i])-float64(v)))
		maxRef = math.Max(maxRef, math.Abs(float64(v)))
	}
	rel := maxDiff / maxRef
	t.Logf("%-26s max|diff| %.3g  max|ref| %.4g  rel %.3g", what, maxDiff, maxRef, rel)
	if !(rel <= gradRelErr) {
		t.Errorf("%s: max|ours−ref|/max|ref| = %.3g > %g", what, rel, gradRelErr)
	}
}
