package main

import (
	"strings"
	"testing"

	"github.com/graftml/graft/web/wire"
)

// Figures on the page agree with each other and read right: plurals, the best epoch's weights,
// the features from the cache, a skip reason said once.
func TestFiguresAgree(t *testing.T) {
	one := wire.Listing{Final: true, Classes: []wire.ClassCount{{Name: "cats"}}, Entries: make([]wire.Entry, 1)}
	if got := ListingLine(one); got != "1 class, 1 image" {
		t.Errorf("ListingLine = %q", got)
	}
	if got := HeadMeta(wire.HeadInfo{Classes: []string{"cats"}, Accuracy: -1}); !strings.HasPrefix(got, "1 class (cats)") {
		t.Errorf("HeadMeta = %q", got)
	}

	r := &wire.Trained{TrainImages: 40, TrainMs: 1200, BestEpoch: 9,
		History:    make([]wire.Epoch, 10),
		Validation: &wire.Metrics{Accuracy: 1, Examples: 10, Confusion: [][]int{{5, 0}, {0, 5}}}}
	if got := ResultHeadline(r); !strings.Contains(got, "weights of epoch 9 (validation 100%), the best epoch, not the last") {
		t.Errorf("ResultHeadline = %q", got)
	}
	r.BestEpoch = 10
	if got := ResultHeadline(r); !strings.HasSuffix(got, "weights of epoch 10 (validation 100%), the best epoch") {
		t.Errorf("ResultHeadline (last is best) = %q", got)
	}

	tr := Train{Run: 3, Result: &wire.Trained{Run: 3}, Missing: &wire.Missing{Run: 3, Cached: 12, Entries: make([]int, 28)},
		Extract: &Extraction{Run: 3, Hits: 2}}
	if got := CachedLine(&tr); got != "14 of 40 photos' features from the cache" {
		t.Errorf("CachedLine = %q", got)
	}
	tr.Missing = &wire.Missing{Run: 4}
	if got := CachedLine(&tr); got != "" {
		t.Errorf("CachedLine of another run's Missing = %q", got)
	}

	for in, want := range map[string]string{
		"not an image: not a supported image (JPEG, PNG, GIF, WebP or BMP)": "not a supported image (JPEG, PNG, GIF, WebP or BMP)",
		"undecodable: unexpected EOF":                                       "undecodable: unexpected EOF",
		"not an image: text":                                                "not an image: text",
		"duplicate of cats/a.jpg":                                           "duplicate of cats/a.jpg",
	} {
		if got := SkipReason(in); got != want {
			t.Errorf("SkipReason(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAccuracyInterval: the result says how uncertain a small validation split's accuracy is
// (the Wilson interval, app/confidence), widened outwards to whole percents.
func TestAccuracyInterval(t *testing.T) {
	for _, tc := range []struct {
		right, n int
		want     string
	}{{40, 40, "95% interval 91–100%"}, {7, 8, "95% interval 52–98%"}, {0, 5, "95% interval 0–44%"}} {
		if got := IntervalText(tc.right, tc.n); got != tc.want {
			t.Errorf("IntervalText(%d, %d) = %q, want %q", tc.right, tc.n, got, tc.want)
		}
	}
	// A saved head's accuracy too (its file keeps the fraction and the count).
	if got := AccuracyText(wire.HeadInfo{Accuracy: 1, Examples: 40}); got != "validation accuracy 100% (95% interval 91–100%) on 40 images" {
		t.Errorf("AccuracyText = %q", got)
	}
}
