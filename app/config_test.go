package app

import (
	"reflect"
	"strings"
	"testing"

	"github.com/graftml/graft/app/settings"
	"github.com/graftml/graft/core/finetune"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/preprocess"
)

// TestDefaultsAgree: app/settings cannot import core (the page links it), so its numbers and
// the engine's own defaults (head.DefaultConfig, finetune.DefaultConfig, preprocess) are held
// equal here.
func TestDefaultsAgree(t *testing.T) {
	d := settings.DefaultSettings()
	if d.Head != head.DefaultPreset || d.Resize != string(preprocess.DefaultResize) {
		t.Errorf("preset %q resize %q, want %q %q", d.Head, d.Resize, head.DefaultPreset, preprocess.DefaultResize)
	}
	cfg, ft, err := ConfigOf(d)
	want, _ := head.DefaultConfig(head.DefaultPreset)
	if err != nil || ft != nil || !reflect.DeepEqual(cfg, want) {
		t.Errorf("ConfigOf(defaults) = %+v, %v, %v; want %+v, nil, nil", cfg, ft, err, want)
	}
	d.Strategy = settings.StrategyDynamic
	_, ft, err = ConfigOf(d)
	if wantFT := finetune.DefaultConfig(want); err != nil || ft == nil || !reflect.DeepEqual(*ft, wantFT) {
		t.Errorf("ConfigOf(dynamic defaults) = %+v, %v; want %+v", ft, err, wantFT)
	}
}

// TestConfigOfSettings: each setting reaches the config.
func TestConfigOfSettings(t *testing.T) {
	s := settings.Settings{Head: "linear", Output: "sigmoid", Epochs: 3, LearningRate: 0.01, BatchSize: 8, ValSplit: 0.5,
		Patience: 0, Flip: true, Seed: 9, Resize: "nearest", Strategy: settings.StrategyDynamic, Unfreeze: 2,
		FineTuneLR: 1e-4, FineTuneEpochs: 7, MemoryMB: 3}
	cfg, ft, err := ConfigOf(s)
	if err != nil || cfg.Head != "linear" || cfg.Hidden != nil || cfg.Output != head.Sigmoid || cfg.Epochs != 3 || cfg.LearningRate != 0.01 ||
		cfg.BatchSize != 8 || cfg.ValSplit != 0.5 || cfg.Patience != 0 || !cfg.Flip || cfg.Seed != 9 {
		t.Fatalf("head config %+v, %v", cfg, err)
	}
	if ft == nil || ft.Unfreeze != 2 || ft.FineTuneLR != 1e-4 || ft.FineTuneEpochs != 7 || ft.MemoryBudget != 3<<20 || !reflect.DeepEqual(ft.Head, cfg) {
		t.Errorf("fine-tune config %+v", ft)
	}
}

// TestConfigOfDropout: a dropout setting replaces the preset's; none keeps it.
func TestConfigOfDropout(t *testing.T) {
	s := settings.DefaultSettings()
	preset, _ := head.DefaultConfig(s.Head)
	if cfg, err := HeadConfigOf(s); err != nil || cfg.Dropout != preset.Dropout {
		t.Errorf("no dropout setting: %g, %v; want the preset's %g", cfg.Dropout, err, preset.Dropout)
	}
	d := 0.1
	s.Dropout = &d
	if cfg, err := HeadConfigOf(s); err != nil || cfg.Dropout != 0.1 {
		t.Errorf("dropout 0.1: %g, %v", cfg.Dropout, err)
	}
	d = 1
	if _, err := HeadConfigOf(s); err == nil || !strings.Contains(err.Error(), "dropout") {
		t.Errorf("dropout 1: %v, want an error naming dropout", err)
	}
}

// TestConfigOfRejects: a bad setting is an error that names it.
func TestConfigOfRejects(t *testing.T) {
	for _, tc := range []struct {
		change func(*settings.Settings)
		want   string
	}{
		{func(s *settings.Settings) { s.Head = "huge" }, `no preset "huge"`},
		{func(s *settings.Settings) { s.Output = "tanh" }, "output"},
		{func(s *settings.Settings) { s.Epochs = 0 }, "epochs 0"},
		{func(s *settings.Settings) { s.BatchSize = 0 }, "batch size 0"},
		{func(s *settings.Settings) { s.ValSplit = 0.95 }, "validation split"},
		{func(s *settings.Settings) { s.Strategy = "bold" }, `strategy "bold"`},
		{func(s *settings.Settings) { s.Strategy, s.Unfreeze = settings.StrategyDynamic, 0 }, "unfreeze"},
		{func(s *settings.Settings) { s.Strategy, s.FineTuneLR = settings.StrategyDynamic, -1 }, "learning rate"},
	} {
		s := settings.DefaultSettings()
		tc.change(&s)
		_, ft, err := ConfigOf(s)
		if err == nil || ft != nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.want)) {
			t.Errorf("ConfigOf(%+v) = %v, %v; want an error saying %q", s, ft, err, tc.want)
		}
	}
	// The conservative strategy ignores the fine-tuning settings.
	s := settings.DefaultSettings()
	s.Unfreeze = 0
	if _, ft, err := ConfigOf(s); err != nil || ft != nil {
		t.Errorf("conservative with unfreeze 0: %v, %v", ft, err)
	}
}
