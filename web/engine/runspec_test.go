package engine

import (
	"context"
	"slices"
	"testing"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/web/wire"
)

// TestRunSpecOfIsPreparesPlan: what a pool worker derives from the settings alone is what the
// model worker's Prepare plans for the same run, for both strategies, with and without flips
// and in both resize modes; bad settings are refused as Prepare refuses them.
func TestRunSpecOfIsPreparesPlan(t *testing.T) {
	s, err := NewSession(testModel(t).manifest)
	if err != nil {
		t.Fatal(err)
	}
	lister := dataset.NewLister()
	AddFile(lister, "a/p.png", classPhoto(0, 0))
	AddFile(lister, "b/p.png", classPhoto(1, 0))
	var tr Trainer
	tr.SetListing(1, lister.Listing())
	for _, strategy := range []string{wire.StrategyConservative, wire.StrategyDynamic} {
		for _, flip := range []bool{false, true} {
			for _, resize := range []string{"crop", "nearest"} {
				set := wire.DefaultSettings()
				set.Strategy, set.Flip, set.Resize = strategy, flip, resize
				spec, err := RunSpecOf(s.Manifest(), set)
				if err != nil {
					t.Fatalf("%s flip %v %s: %v", strategy, flip, resize, err)
				}
				base, _ := app.HeadBase(s.Manifest(), resize)
				plan, err := tr.Prepare(context.Background(), NewMemFeatures(), base, wire.Train{Run: 1, Listing: 1, Settings: set})
				if err != nil {
					t.Fatal(err)
				}
				if spec.Base != plan.Base || !slices.Equal(spec.Views, plan.Views) || spec.Input != plan.Input {
					t.Errorf("%s flip %v %s: RunSpecOf %+v, Prepare's plan %+v %v %q", strategy, flip, resize, spec, plan.Base, plan.Views, plan.Input)
				}
				if (strategy == wire.StrategyDynamic) != (spec.Input != "") || len(spec.Views) != map[bool]int{false: 1, true: 2}[flip] {
					t.Errorf("%s flip %v: views %v, input %q", strategy, flip, spec.Views, spec.Input)
				}
			}
		}
	}
	bad := wire.DefaultSettings()
	bad.Epochs = 0
	if _, err := RunSpecOf(s.Manifest(), bad); err == nil {
		t.Error("RunSpecOf accepted 0 epochs")
	}
}
