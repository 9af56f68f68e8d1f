package main

import (
	"io"
	"testing"

	"github.com/graftml/graft/app/settings"
	"github.com/graftml/graft/core/head"
)

// TestTrainFlagDefaults: graft train with no flags means app/settings.DefaultSettings, and its
// Adam flags mean the preset's (head.DefaultConfig); --unfreeze 0 is the conservative strategy.
func TestTrainFlagDefaults(t *testing.T) {
	fs, mf, f := newTrainFlags(io.Discard)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	strategy := settings.StrategyConservative
	unfreeze := settings.DefaultSettings().Unfreeze
	if *f.unfreeze > 0 {
		strategy, unfreeze = settings.StrategyDynamic, *f.unfreeze
	}
	got := settings.Settings{Head: *f.preset, Output: *f.loss, Epochs: *f.epochs, LearningRate: *f.lr, BatchSize: *f.batch,
		ValSplit: *f.valSplit, Patience: *f.patience, Flip: *f.flip, Seed: mf.seed, Resize: mf.resize,
		Strategy: strategy, Unfreeze: unfreeze, FineTuneLR: *f.tuneLR, FineTuneEpochs: *f.tuneEpochs, MemoryMB: *f.memoryMB}
	if want := settings.DefaultSettings(); got != want {
		t.Errorf("graft train's defaults\n %+v\nwant DefaultSettings\n %+v", got, want)
	}
	cfg, _ := head.DefaultConfig(*f.preset)
	if *f.beta1 != cfg.Beta1 || *f.beta2 != cfg.Beta2 || *f.eps != cfg.Epsilon || *f.dropout != -1 {
		t.Errorf("Adam flags %g %g %g dropout %g, want %g %g %g -1", *f.beta1, *f.beta2, *f.eps, *f.dropout, cfg.Beta1, cfg.Beta2, cfg.Epsilon)
	}
	// The flags' printed defaults are the same values.
	for name, want := range map[string]string{"epochs": "20", "batch": "32", "lr": "0.001", "val-split": "0.2", "patience": "5",
		"fine-tune-lr": "1e-05", "fine-tune-epochs": "5", "memory-mb": "512", "head": "mlp256", "loss": "softmax", "seed": "1", "resize": "crop", "unfreeze": "0"} {
		if got := fs.Lookup(name).DefValue; got != want {
			t.Errorf("--%s default %q, want %q", name, got, want)
		}
	}
}
