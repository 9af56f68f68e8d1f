// classify_test.go: a conservative head classifies a photo from its base layer's activations as
// the head's own Probabilities do on their average (computed here by hand), and refuses
// activations of another layer or of more than one photo.
package app

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/tensor"
)

func TestClassifierConservative(t *testing.T) {
	cfg, _ := head.DefaultConfig("linear")
	cfg.Epochs = 3
	res, err := head.Train(context.Background(), cfg, pooledData(20, 64, "pool1_pool"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClassifier(res.Model)
	if err != nil {
		t.Fatal(err)
	}
	if c.InputLayer() != "pool1_pool" {
		t.Fatalf("input layer %s", c.InputLayer())
	}
	const h, w, ch = 3, 5, 64
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, h*w*ch) // [1,3,5,64]
	for i := range x {
		x[i] = float32(r.NormFloat64()) + 0.5
	}
	mean := make([]float32, ch)
	for i, v := range x {
		mean[i%ch] += v / (h * w)
	}
	want, _ := res.Model.Probabilities(mean, 1)
	xt, _ := tensor.FromData(x, 1, h, w, ch)
	p, err := c.Predict("pool1_pool", xt)
	if err != nil {
		t.Fatal(err)
	}
	best := 0
	for i := range want {
		if d := p.Probs[i] - want[i]; d > 1e-6 || d < -1e-6 {
			t.Errorf("class %d: %g, want %g", i, p.Probs[i], want[i])
		}
		if want[i] > want[best] {
			best = i
		}
	}
	if p.Best != best {
		t.Errorf("best %d, want %d", p.Best, best)
	}
	if _, err := c.Predict("conv1_relu", xt); err == nil {
		t.Error("activations of another layer accepted")
	}
	two, _ := tensor.FromData(append(append([]float32(nil), x...), x...), 2, h, w, ch)
	if _, err := c.Predict("pool1_pool", two); err == nil {
		t.Error("two photos accepted")
	}
}
