// Colour contrast of web/static/style.css, by WCAG 2.2: text against its background at least
// 4.5:1 (success criterion 1.4.3, normal-size text), the bars and the focus ring against what is
// next to them at least 3:1 (1.4.11, non-text contrast). Contrast ratio = (L1 + 0.05)/(L2 + 0.05)
// with L the relative luminance of sRGB (WCAG 2.2, "relative luminance" definition).
package main

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// Minimum ratios (WCAG 2.2 1.4.3 and 1.4.11).
const (
	minTextContrast    = 4.5
	minNonTextContrast = 3.0
)

// contrastPairs are the foreground/background pairs the stylesheet uses, by variable name.
var contrastPairs = []struct {
	fg, bg string
	min    float64
}{
	{"fg", "bg", minTextContrast},
	{"fg", "panel", minTextContrast},
	{"muted", "bg", minTextContrast},
	{"muted", "panel", minTextContrast},
	{"muted", "accent-soft", minTextContrast}, // the hint inside a drop zone being dragged over
	{"accent-fg", "accent", minTextContrast},  // buttons
	{"accent", "panel", minTextContrast},      // quiet buttons
	{"warn-fg", "warn-bg", minTextContrast},
	{"error-fg", "error-bg", minTextContrast},
	{"ok", "panel", minTextContrast},
	{"warn-fg", "panel", minTextContrast}, // the retry notice
	{"bar", "bar-track", minNonTextContrast},
	{"bar", "panel", minNonTextContrast},
	{"accent", "panel", minNonTextContrast},       // the drop zone's border when focused or dragged over
	{"fg", "panel", minNonTextContrast},           // the focus ring
	{"series-train", "panel", minNonTextContrast}, // chart lines
	{"series-val", "panel", minNonTextContrast},
	{"fg", "panel", minTextContrast},       // the phase boundary's label on the charts
	{"error-fg", "panel", minTextContrast}, // form errors
	// Confusion matrix counts: dark text on heat-0 … heat-5, light text from darkFrom (chart.go) on.
	{"fg", "heat-0", minTextContrast}, {"fg", "heat-1", minTextContrast}, {"fg", "heat-2", minTextContrast},
	{"fg", "heat-3", minTextContrast}, {"fg", "heat-4", minTextContrast}, {"fg", "heat-5", minTextContrast},
	{"accent-fg", "heat-6", minTextContrast}, {"accent-fg", "heat-7", minTextContrast},
	{"accent-fg", "heat-8", minTextContrast}, {"accent-fg", "heat-9", minTextContrast},
}

func TestContrast(t *testing.T) {
	css, err := os.ReadFile("../static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\s*;`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	for _, p := range contrastPairs {
		fg, okF := vars[p.fg]
		bg, okB := vars[p.bg]
		if !okF || !okB {
			t.Errorf("style.css lacks --%s or --%s as #rrggbb", p.fg, p.bg)
			continue
		}
		if r := contrast(fg, bg); r < p.min {
			t.Errorf("--%s %s on --%s %s: contrast %.2f:1, want ≥ %.1f:1", p.fg, fg, p.bg, bg, r, p.min)
		}
	}
}

func TestContrastFormula(t *testing.T) {
	// Reference values: black on white is 21:1; #767676 on white is the classic 4.54:1.
	if r := contrast("#000000", "#ffffff"); math.Abs(r-21) > 1e-9 {
		t.Errorf("black on white %.4f, want 21", r)
	}
	if r := contrast("#767676", "#ffffff"); math.Abs(r-4.54) > 0.01 {
		t.Errorf("#767676 on white %.4f, want 4.54", r)
	}
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(0) + 0.7152*ch(1) + 0.0722*ch(2)
}
