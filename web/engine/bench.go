// bench.go: how long head training takes where it runs (the browser's worker, or natively), on
// synthetic features of the model's width — the target "1,000 images × 20 epochs on cached
// features" figure, without needing 1,000 photos. Two classes whose features differ in mean
// (separable, so the run looks like a real one); every epoch runs (no early stopping); with Flip,
// two views per image as core/head's BenchmarkTrainEpoch (1,600 training rows per epoch).
package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/web/wire"
)

// BenchTrain trains a head on b.Images synthetic examples of b.Features values, b.Epochs epochs.
func BenchTrain(ctx context.Context, base head.Base, b wire.Bench) (wire.BenchResult, error) {
	out := wire.BenchResult{Bench: b, Features: base.Features}
	if b.Images < 4 || b.Images > 100000 || b.Epochs < 1 || b.Epochs > 1000 {
		return out, fmt.Errorf("bench: %d images × %d epochs: want 4…100000 images and 1…1000 epochs", b.Images, b.Epochs)
	}
	cfg, err := head.DefaultConfig(b.Head)
	if err != nil {
		return out, err
	}
	cfg.Epochs, cfg.Patience, cfg.Flip = b.Epochs, 0, b.Flip
	views := 1
	if b.Flip {
		views = 2
	}
	d := &head.Data{Base: base, Classes: []string{"a", "b"}}
	state := uint64(0x9e3779b97f4a7c15)
	next := func() float32 { // xorshift64*, uniform in [0, 1)
		state ^= state >> 12
		state ^= state << 25
		state ^= state >> 27
		return float32((state*0x2545f4914f6cdd1d)>>40) / (1 << 24)
	}
	for i := range b.Images {
		label := i % 2
		var fs [][]float32
		for range views {
			f := make([]float32, base.Features)
			for j := range f {
				f[j] = next() * 2 // ReLU-like, non-negative, as pooled ResNet features are
				if label == 1 && j%7 == 0 {
					f[j] += 0.5
				}
			}
			fs = append(fs, f)
		}
		d.Examples = append(d.Examples, head.Example{Views: fs, Label: label, Name: fmt.Sprint(i)})
	}
	start := time.Now()
	if _, err := head.Train(ctx, cfg, d, nil); err != nil {
		return out, err
	}
	out.Ms = ms(time.Since(start))
	return out, nil
}
