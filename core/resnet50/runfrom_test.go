// runfrom_test.go: RunFrom continues a pass bit for bit: from every output layer, with the same
// model or with one built later from a fuller source, and it leaves the caller's tensor alone.
package resnet50_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// upTo is a source whose weights stop after the layers of stage (conv1, convN_…): what a
// streaming load holds before the later chunks arrive.
type upTo struct {
	inner resnet50.WeightSource
	stage int // the last stage present (1: conv1 only)
}

func (u upTo) Weight(layer, short string) ([]int, []float32, error) {
	var n int
	if _, err := fmt.Sscanf(layer, "conv%d", &n); err != nil || n > u.stage {
		return nil, nil, fmt.Errorf("%s/%s:0: %w", layer, short, resnet50.ErrMissing)
	}
	return u.inner.Weight(layer, short)
}

func TestRunFromContinuesRun(t *testing.T) {
	src := &resnet50.Synthetic{Inner: noWeights{}, Seed: 3}
	m, err := resnet50.New(src, resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(1, 224, 224, 3)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64()*255 - 120)
	}
	seen := map[string]*tensor.Tensor{}
	want, err := m.Run(x, "predictions", func(name string, t *tensor.Tensor) { seen[name] = t.Clone() })
	if err != nil {
		t.Fatal(err)
	}
	layers := resnet50.OutputLayers()
	for i, from := range layers[:len(layers)-1] {
		in := seen[from]
		kept := append([]float32(nil), in.Data...)
		var order []string
		got, err := m.RunFrom(in, from, "predictions", func(name string, _ *tensor.Tensor) { order = append(order, name) })
		if err != nil {
			t.Fatalf("from %s: %v", from, err)
		}
		sameBits(t, "from "+from, got.Data, want.Data)
		sameBits(t, "the input of RunFrom "+from, in.Data, kept)
		if strings.Join(order, " ") != strings.Join(layers[i+1:], " ") {
			t.Fatalf("from %s: observed %v, want %v", from, order, layers[i+1:])
		}
	}

	// A model of stages 1–3 runs to conv3_block4_out; the complete one continues from there.
	part, err := resnet50.New(upTo{src, 3}, resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if part.LastLayer() != "conv3_block4_out" {
		t.Fatalf("the partial model ends at %s", part.LastLayer())
	}
	mid, err := part.Run(x, part.LastLayer(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.RunFrom(mid, part.LastLayer(), "predictions", nil)
	if err != nil {
		t.Fatal(err)
	}
	sameBits(t, "a pass continued by a later model", got.Data, want.Data)
	if _, err := part.RunFrom(mid, part.LastLayer(), "conv4_block1_out", nil); err == nil {
		t.Error("the partial model ran past its last layer")
	}

	for _, c := range []struct{ from, stop string }{{"avg_pool", "conv5_block3_out"}, {"predictions", "predictions"}, {"conv9_out", "predictions"}} {
		if _, err := m.RunFrom(seen["avg_pool"], c.from, c.stop, nil); err == nil {
			t.Errorf("RunFrom %s to %s: no error", c.from, c.stop)
		}
	}
	if _, err := m.RunFrom(seen["conv2_block3_out"], "conv3_block1_out", "predictions", nil); err == nil {
		t.Error("RunFrom took conv2's 256 channels as conv3_block1_out's 512")
	}
}

func sameBits(t *testing.T, what string, a, b []float32) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d vs %d elements", what, len(a), len(b))
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("%s: element %d: %v vs %v", what, i, a[i], b[i])
		}
	}
}
