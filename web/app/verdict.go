// verdict.go: the words the page shows for the active head's open set (core/head/openset.go):
// a photo beyond its threshold is "not one of" the head's classes, with the nearest class and
// how far it is, measured in the threshold (the distance 95% of the held-out photos stay within).
package main

import (
	"fmt"
	"strings"

	"github.com/graftml/graft/web/wire"
)

// Unknown reports whether the head says the photo is none of its classes.
func Unknown(h *wire.HeadPrediction) bool { return h != nil && h.OpenSet != nil && h.OpenSet.Unknown }

// VerdictLine is the line above the head's probabilities: "Not one of: cats, dogs" with the
// nearest class, or for a photo within the threshold how near it is; "" without an open set.
func VerdictLine(h *wire.HeadPrediction) string {
	if h == nil || h.OpenSet == nil || len(h.Classes) == 0 {
		return ""
	}
	o := h.OpenSet
	names := make([]string, len(h.Classes))
	for i, c := range h.Classes {
		names[i] = c.Name
	}
	nearest := "?"
	if o.Nearest >= 0 && o.Nearest < len(names) {
		nearest = names[o.Nearest]
	}
	ratio := o.Score / o.Threshold
	if o.Unknown {
		return fmt.Sprintf("Not one of: %s. Nearest is %s, %.1f× as far as the photos it was trained on.", strings.Join(names, ", "), nearest, ratio)
	}
	return fmt.Sprintf("Looks like its classes: %s is nearest (%.0f%% of the limit).", nearest, 100*ratio)
}

// HeadProbsClass is the head panel's class: greyed when the photo is none of the classes.
func HeadProbsClass(h *wire.HeadPrediction) string {
	if Unknown(h) {
		return "head-probs unknown"
	}
	return "head-probs"
}
