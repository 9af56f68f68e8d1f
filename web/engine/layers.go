// What the manifest's layer states mean for the page: which output layer has only real
// (ImageNet) weights behind it, and which part of the network is a synthetic fill. The rule for
// "which output layer a set of conv layers computes" is resnet50.Model's (and weights/format's):
// walk the blocks in order and stop before the first block with a conv missing.
package engine

import (
	"fmt"
	"strings"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/weights/format"
)

// RealFeatureLayer is the last output layer computed from present (not synthetic) weights
// only, "" when conv1 itself is synthetic.
func RealFeatureLayer(m *format.Manifest) string {
	real := map[string]bool{}
	for _, l := range m.Layers {
		real[l.Name] = l.State == format.StatePresent
	}
	return resnet50.LastLayer(func(name string) bool { return real[name] })
}

// SyntheticSummary says in words which layers hold a synthetic fill, e.g.
// "9 of 53 conv layers (in conv5) and the classifier", or "" when none do.
func SyntheticSummary(m *format.Manifest) string {
	var convs, stages []string
	dense := false
	seen := map[string]bool{}
	for _, l := range m.Layers {
		if l.State != format.StateSynthetic {
			continue
		}
		if l.Name == format.DenseLayer {
			dense = true
			continue
		}
		convs = append(convs, l.Name)
		stage, _, _ := strings.Cut(l.Name, "_")
		if !seen[stage] {
			seen[stage] = true
			stages = append(stages, stage)
		}
	}
	var parts []string
	if len(convs) > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d conv layers (in %s)", len(convs), len(m.Layers)-1, strings.Join(stages, ", ")))
	}
	if dense {
		parts = append(parts, "the classifier")
	}
	return strings.Join(parts, " and ")
}
