package format

import (
	"testing"

	"github.com/graftml/graft/core/resnet50"
)

// The manifest's synthetic-init name must be the engine's: a changed fill is a changed name.
func TestSyntheticInitNameMatchesEngine(t *testing.T) {
	if SyntheticInitHeNorm != resnet50.SyntheticInit {
		t.Fatalf("format says %q, core/resnet50 fills %q", SyntheticInitHeNorm, resnet50.SyntheticInit)
	}
}
