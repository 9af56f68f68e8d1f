package resnet50_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// noWeights has none: Synthetic fills everything, which is all a speed measurement needs.
type noWeights struct{}

func (noWeights) Weight(layer, short string) ([]int, []float32, error) {
	return nil, nil, fmt.Errorf("%s/%s:0: %w", layer, short, resnet50.ErrMissing)
}

// BenchmarkForward is one full ResNet50 forward pass, 224x224, batch 1, to the softmax: 3.86 G
// multiply-adds (7.72 GFLOP), reported as ms/image and GFLOP/s on all cores (GOMAXPROCS).
func BenchmarkForward(b *testing.B) {
	m, err := resnet50.New(&resnet50.Synthetic{Inner: noWeights{}, Seed: 1}, resnet50.Options{})
	if err != nil {
		b.Fatal(err)
	}
	x := tensor.New(1, 224, 224, 3)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64()*255 - 120)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Run(x, "predictions", nil); err != nil {
			b.Fatal(err)
		}
	}
	msPerImage := float64(b.Elapsed().Milliseconds()) / float64(b.N)
	b.ReportMetric(msPerImage, "ms/image")
	b.ReportMetric(7.72/(msPerImage/1000), "GFLOP/s")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "threads")
}
