package main

import (
	"testing"
	"unicode/utf8"

	"github.com/graftml/graft/web/wire"
)

// TestChoicesFitAPhone: every option's text is short enough for a select at 375 px (about 30
// characters at the page's font; the browser test measures the real widths), and each has its
// sentence.
func TestChoicesFitAPhone(t *testing.T) {
	all := map[string][]Choice{"head": HeadChoices(), "output": OutputChoices, "resize": ResizeChoices, "strategy": StrategyChoices}
	if len(all["head"]) != len(wire.Presets) {
		t.Fatalf("%d head choices for %d presets", len(all["head"]), len(wire.Presets))
	}
	for name, cs := range all {
		for _, c := range cs {
			if n := utf8.RuneCountInString(c.Text); n > 28 || c.About == "" || c.Value == "" {
				t.Errorf("%s: %+v (%d characters)", name, c, n)
			}
			if ChoiceAbout(cs, c.Value) != c.About {
				t.Errorf("%s: ChoiceAbout(%q) = %q", name, c.Value, ChoiceAbout(cs, c.Value))
			}
		}
	}
	if ChoiceAbout(OutputChoices, "nope") != "" {
		t.Error("ChoiceAbout of an unknown value")
	}
}
