// config.go: a user's settings (app/settings) as the engine's configs — head.Config for the
// conservative strategy, and finetune.Config beside it for the dynamic one. The head's preset
// gives the layers and Adam's β1, β2, ε (core/head/config.go, Keras' Adam defaults); every
// other number is the setting's.
package app

import (
	"fmt"

	"github.com/graftml/graft/app/settings"
	"github.com/graftml/graft/core/finetune"
	"github.com/graftml/graft/core/head"
)

// ConfigOf turns s into the head's config and, for the dynamic strategy, the fine-tune's (nil
// for the conservative one). Each is validated; an error names the setting at fault. The resize
// mode is checked where it is used (HeadBase).
func ConfigOf(s settings.Settings) (head.Config, *finetune.Config, error) {
	cfg, err := HeadConfigOf(s)
	if err != nil {
		return head.Config{}, nil, err
	}
	switch s.Strategy {
	case "", settings.StrategyConservative:
		return cfg, nil, nil
	case settings.StrategyDynamic:
	default:
		return head.Config{}, nil, fmt.Errorf("strategy %q: want %s or %s", s.Strategy, settings.StrategyConservative, settings.StrategyDynamic)
	}
	d := FineTuneConfigOf(cfg, s)
	if err := d.Validate(); err != nil {
		return head.Config{}, nil, err
	}
	return cfg, &d, nil
}

// HeadConfigOf is s's head config, validated, whatever the strategy.
func HeadConfigOf(s settings.Settings) (head.Config, error) {
	cfg, err := PresetConfig(s)
	if err != nil {
		return head.Config{}, err
	}
	return cfg, cfg.Validate()
}

// PresetConfig is s's head config before validation: the preset's layers and Adam constants,
// then each setting (no dropout keeps the preset's). graft train sets its Adam flags on it
// before validating.
func PresetConfig(s settings.Settings) (head.Config, error) {
	cfg, err := head.DefaultConfig(s.Head)
	if err != nil {
		return head.Config{}, err
	}
	cfg.Epochs, cfg.BatchSize, cfg.LearningRate = s.Epochs, s.BatchSize, s.LearningRate
	cfg.Seed, cfg.ValSplit, cfg.Patience, cfg.Flip, cfg.Output = s.Seed, s.ValSplit, s.Patience, s.Flip, head.Output(s.Output)
	if s.Dropout != nil {
		cfg.Dropout = *s.Dropout
	}
	return cfg, nil
}

// FineTuneConfigOf is the fine-tuning phase of s over head config cfg, not yet validated.
func FineTuneConfigOf(cfg head.Config, s settings.Settings) finetune.Config {
	return finetune.Config{Head: cfg, Unfreeze: s.Unfreeze, FineTuneLR: s.FineTuneLR, FineTuneEpochs: s.FineTuneEpochs,
		MemoryBudget: int64(s.MemoryMB) << 20}
}
