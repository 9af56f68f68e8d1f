package finetune

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/head"
)

// BenchmarkFineTuneStep times one fine-tuning step at the real shapes: a batch of 32 block
// inputs [14,14,1024] through conv4_block6 forward, the mlp256 head's step, the block's backward
// and Adam (ns/op per batch; divide by 32 for a training row, multiply by rows/32 for an epoch).
// go test -run '^$' -bench FineTuneStep ./core/finetune
func BenchmarkFineTuneStep(b *testing.B) {
	m := partialModel(b)
	infos := mustTop(b, "conv4_block6_out", 1)
	stack, err := LoadBlocks(m, infos)
	if err != nil {
		b.Fatal(err)
	}
	cfg, _ := head.DefaultConfig("mlp256")
	cfg.LearningRate = DefaultFineTuneLR
	net := &head.Net{Output: head.Softmax, Layers: []head.Dense{
		{In: 1024, Out: 256, Kernel: make([]float32, 1024*256), Bias: make([]float32, 256)},
		{In: 256, Out: 2, Kernel: make([]float32, 512), Bias: make([]float32, 2)}}}
	st, err := head.NewStepper(cfg, net)
	if err != nil {
		b.Fatal(err)
	}
	const h, w, c = 14, 14, 1024
	r := rand.New(rand.NewPCG(1, 2))
	store := NewStore(1<<30, h, w, c, nil)
	for e := range 32 {
		x := make([]float32, h*w*c)
		for i := range x {
			if r.IntN(2) == 0 {
				x[i] = float32(r.ExpFloat64())
			}
		}
		store.Put(e, 0, x)
	}
	d := &head.Data{Examples: make([]head.Example, 32)}
	for i := range d.Examples {
		d.Examples[i] = head.Example{Label: i % 2, Views: [][]float32{nil}}
	}
	run := &runner{cfg: Config{Head: cfg}, stack: stack, step: st, in: store, data: d, adam: head.NewAdam(cfg, stack.Params())}
	idx := make([]int, 32)
	for i := range idx {
		idx[i] = i
	}
	run.rows = trainRows(d, idx, false)
	b.ResetTimer()
	for range b.N {
		if _, err := run.epoch(context.Background()); err != nil { // 32 rows: one batch
			b.Fatal(err)
		}
	}
}
