// arena_test.go: recycled activation buffers (arena.go) change nothing: the tensor Run returns
// stays the caller's through later calls, repeated and concurrent calls give the same bits.
package resnet50_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

func TestRunRecyclesBuffersWithoutChangingResults(t *testing.T) {
	m, err := resnet50.New(&resnet50.Synthetic{Inner: noWeights{}, Seed: 1}, resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	input := func(seed uint64) *tensor.Tensor {
		x := tensor.New(1, 64, 96, 3)
		rng := rand.New(rand.NewPCG(seed, 9))
		for i := range x.Data {
			x.Data[i] = float32(rng.Float64()*255 - 120)
		}
		return x
	}
	run := func(x *tensor.Tensor) (*tensor.Tensor, map[string][]float32) {
		seen := map[string][]float32{}
		y, err := m.Run(x, "conv5_block3_out", func(name string, act *tensor.Tensor) {
			seen[name] = append([]float32(nil), act.Data...)
		})
		if err != nil {
			t.Error(err)
		}
		return y, seen
	}
	same := func(what string, a, b []float32) { t.Helper(); sameBits(t, what, a, b) }
	y1, seen1 := run(input(1))
	kept := append([]float32(nil), y1.Data...)
	run(input(2)) // recycles the buffers of the first call
	y3, seen3 := run(input(1))
	same("the first result after two more calls", y1.Data, kept)
	same("a repeated call", y3.Data, kept)
	for name, v := range seen1 {
		same(name, seen3[name], v)
	}
	var wg sync.WaitGroup
	ys := make([]*tensor.Tensor, 4)
	for i := range ys {
		wg.Go(func() { ys[i], _ = run(input(1)) })
	}
	wg.Wait()
	for _, y := range ys {
		same("a concurrent call", y.Data, kept)
	}
}
