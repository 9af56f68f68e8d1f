package resnet50_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/resnet50/resnet50test"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/internal/shared"
	"github.com/graftml/graft/weights"
	"github.com/graftml/graft/weights/keras"
)

// Keras' model.summary() for ResNet50(weights='imagenet'): 25,636,712 parameters in total
// (25,583,592 trainable + 53,120 BN moving statistics).
const kerasResNet50Params = 25_636_712

func TestWeightSpecsCountMatchesKeras(t *testing.T) {
	n := 0
	for _, s := range resnet50.WeightSpecs() {
		p := 1
		for _, d := range s.Shape {
			p *= d
		}
		n += p
	}
	if n != kerasResNet50Params {
		t.Fatalf("ResNet50 has %d parameters here, Keras says %d", n, kerasResNet50Params)
	}
	if got := len(resnet50.Convs()); got != 53 {
		t.Fatalf("%d convs, want 53", got)
	}
	if got := len(resnet50.OutputLayers()); got != 2+16+3 {
		t.Fatalf("%d output layers, want 21", got)
	}
}

func partialSource(t *testing.T) resnet50.WeightSource {
	f, err := keras.ReadFile(shared.Path(t, shared.PartialH5))
	if err != nil {
		t.Fatal(err)
	}
	return weights.KerasSource(f)
}

func TestPartialFileStopsAtConv4(t *testing.T) {
	m, err := resnet50.New(partialSource(t), resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.LastLayer() != "conv4_block6_out" {
		t.Fatalf("last layer %s, want conv4_block6_out", m.LastLayer())
	}
	if m.Complete() {
		t.Fatal("partial file reported complete")
	}
	err = m.CheckLayer("predictions")
	if err == nil || !strings.Contains(err.Error(), "conv5_block1_0_conv/kernel:0") || !strings.Contains(err.Error(), "predictions/kernel:0") {
		t.Fatalf("error should name the missing tensors, got %v", err)
	}
	if err := m.CheckLayer("conv4_block6_out"); err != nil {
		t.Fatal(err)
	}
	if err := m.CheckLayer("conv9_block1_out"); err == nil {
		t.Fatal("unknown layer accepted")
	}
	x := tensor.New(1, 64, 64, 3)
	if _, err := m.Run(x, "conv5_block1_out", nil); err == nil {
		t.Fatal("ran past the missing weights")
	}
}

func TestSyntheticFillIsDeterministicAndLabelled(t *testing.T) {
	a := &resnet50.Synthetic{Inner: partialSource(t), Seed: 7}
	b := &resnet50.Synthetic{Inner: partialSource(t), Seed: 7}
	// Ask in different orders: values must not depend on it.
	_, k1, err := a.Weight("conv5_block2_2_conv", "kernel")
	if err != nil {
		t.Fatal(err)
	}
	_, _, _ = b.Weight("predictions", "kernel")
	_, k2, _ := b.Weight("conv5_block2_2_conv", "kernel")
	for i := range k1 {
		if k1[i] != k2[i] {
			t.Fatalf("synthetic value %d differs: %g vs %g", i, k1[i], k2[i])
		}
	}
	// Under its real BN the synthetic conv acts as He-normal with an identity BN:
	// kernel·|γ|/√(σ²+ε) has variance 2/fan_in (fan_in = 3·3·512), and BN(bias) = 0.
	src := partialSource(t)
	_, gamma, _ := src.Weight("conv5_block2_2_bn", "gamma")
	_, beta, _ := src.Weight("conv5_block2_2_bn", "beta")
	_, mean, _ := src.Weight("conv5_block2_2_bn", "moving_mean")
	_, variance, _ := src.Weight("conv5_block2_2_bn", "moving_variance")
	std := func(k int) float64 { return math.Sqrt(float64(variance[k]) + 1.001e-5) }
	var sum2 float64
	for i, v := range k1 {
		w := float64(v) * math.Abs(float64(gamma[i%512])) / std(i%512)
		sum2 += w * w
	}
	if got, want := sum2/float64(len(k1)), 2.0/(3*3*512); math.Abs(got-want)/want > 0.02 {
		t.Fatalf("BN-matched variance %g, He-normal wants %g", got, want)
	}
	_, bias, _ := a.Weight("conv5_block2_2_conv", "bias")
	for k := range bias {
		if y := (float64(bias[k])-float64(mean[k]))*float64(gamma[k])/std(k) + float64(beta[k]); math.Abs(y) > 1e-4 {
			t.Fatalf("BN(bias) of channel %d = %g, want 0", k, y)
		}
	}
	// Real weights pass through untouched.
	_, real, _ := partialSource(t).Weight("conv1_conv", "kernel")
	_, got, _ := a.Weight("conv1_conv", "kernel")
	if real[5] != got[5] {
		t.Fatal("real weight was replaced")
	}
	if f := a.Filled(); len(f) != 2 || f[0] != "conv5_block2_2_conv/bias:0" || f[1] != "conv5_block2_2_conv/kernel:0" {
		t.Fatalf("Filled() = %v", f)
	}
	if _, _, err := partialSource(t).Weight("predictions", "kernel"); !errors.Is(err, resnet50.ErrMissing) {
		t.Fatalf("missing weight error %v does not wrap ErrMissing", err)
	}
}

// relErr is max|a−b| / max|b|.
func relErr(a, b []float32) float64 {
	maxDiff, maxB := 0.0, 0.0
	for i := range a {
		maxDiff = math.Max(maxDiff, math.Abs(float64(a[i])-float64(b[i])))
		maxB = math.Max(maxB, math.Abs(float64(b[i])))
	}
	return maxDiff / maxB
}

// foldTolerance: folding BN changes rounding only (one multiply moved into the weights);
// across 16 blocks that stays near 1e-6 relative.
const foldTolerance = 1e-4

// TestFoldedMatchesUnfoldedAndReference runs a small random image through conv4_block6_out three
// ways: fast folded (the product path, resnet50.Model), fast unfolded (BN as its own op,
// resnet50test), and the slow reference conv unfolded (resnet50test with Reference). A 64x64 input keeps the slow path quick while every layer still has real shapes.
func TestFoldedMatchesUnfoldedAndReference(t *testing.T) {
	src := partialSource(t)
	x := tensor.New(1, 64, 64, 3)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64()*255 - 120)
	}
	type runner interface {
		Run(x *tensor.Tensor, stopAt string, observe func(string, *tensor.Tensor)) (*tensor.Tensor, error)
	}
	run := func(m runner, err error) map[string][]float32 {
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]float32{}
		_, err = m.Run(x, "conv4_block6_out", func(name string, act *tensor.Tensor) {
			out[name] = append([]float32(nil), act.Data...)
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	folded := run(resnet50.New(src, resnet50.Options{}))
	unfolded := run(resnet50test.New(src, resnet50test.Options{}))
	reference := run(resnet50test.New(src, resnet50test.Options{Reference: true}))
	for name, want := range reference {
		if e := relErr(unfolded[name], want); e > foldTolerance {
			t.Errorf("%s: fast unfolded vs reference: rel err %.3g", name, e)
		}
		if e := relErr(folded[name], want); e > foldTolerance {
			t.Errorf("%s: folded vs reference: rel err %.3g", name, e)
		}
	}
	if len(reference) != 2+13 {
		t.Fatalf("observed %d layers, want 15", len(reference))
	}
}
