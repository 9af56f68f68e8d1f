// runspec.go: what an extraction computes for one run — the head's base (app.HeadBase: the
// choice of layer for this model and the settings' resize mode), the views (the settings'
// flip) and, for the dynamic strategy, the block-input layer cached beside the features
// (InputLayerOf). Every worker derives it from its own manifest and the run's settings, as the
// model worker's Prepare does, so the page forwards only settings and never a layer
// (RATIONALE.md: "The page never handles the layer").
package engine

import (
	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/web/wire"
	"github.com/graftml/graft/weights/format"
)

// RunSpec is one run's extraction: which features, of which views, and which block input.
type RunSpec struct {
	Base  head.Base
	Views []dataset.View
	Input string // "" for the conservative strategy
}

// RunSpecOf is the extraction of a run with settings s on the model of manifest m: the Base,
// Views and Input that Prepare gives the run's Plan.
func RunSpecOf(m *format.Manifest, s wire.Settings) (RunSpec, error) {
	base, err := app.HeadBaseAt(m, s.Resize, s.Layer)
	if err != nil {
		return RunSpec{}, err
	}
	cfg, d, err := app.ConfigOf(s)
	if err != nil {
		return RunSpec{}, err
	}
	r := RunSpec{Base: base, Views: dataset.TrainingViews(cfg.Flip)}
	if d != nil {
		if r.Input, err = InputLayerOf(base.Layer, d.Unfreeze); err != nil {
			return RunSpec{}, err
		}
	}
	return r, nil
}
