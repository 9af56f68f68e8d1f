package head

import (
	"context"
	"testing"
)

// catsDogsSized is data shaped like the cats-vs-dogs training run: 1,000 images (two classes) with two views
// (original, flip) of 1,024 features (conv4_block6_out); with flips on and a 20 % split, an
// epoch is 1,600 training rows and 200 validation rows.
func catsDogsSized() *Data {
	r := newRNG(1, 1)
	d := &Data{Base: Base{ModelID: "bench", Layer: "conv4_block6_out", Features: 1024, Resize: "crop"}, Classes: []string{"cats", "dogs"}}
	for i := range 1000 {
		views := make([][]float32, 2)
		for v := range views {
			views[v] = make([]float32, 1024)
			for j := range views[v] {
				views[v][j] = float32(2*r.float64()) + float32(i%2)*0.1*float32(j%3)
			}
		}
		d.Examples = append(d.Examples, Example{Views: views, Label: i % 2})
	}
	return d
}

// BenchmarkTrainEpoch is one epoch of that workload per preset; 20 epochs take 20× this
// (the target: under 10 s for 1,000 images × 20 epochs).
func BenchmarkTrainEpoch(b *testing.B) {
	d := catsDogsSized()
	for _, p := range Presets {
		b.Run("preset="+p.Name, func(b *testing.B) {
			cfg, _ := DefaultConfig(p.Name)
			cfg.Epochs, cfg.Flip = 1, true
			for b.Loop() {
				if _, err := Train(context.Background(), cfg, d, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
