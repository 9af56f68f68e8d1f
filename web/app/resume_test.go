// Tests of resume.go's lines.
package main

import (
	"testing"

	"github.com/graftml/graft/web/wire"
)

func TestResumeLine(t *testing.T) {
	tr := &Train{Run: 2, Missing: &wire.Missing{Run: 2, Cached: 812, Entries: make([]int, 188)}}
	if got, want := ResumeLine(tr), "Continuing: 812 of 1,000 photos were extracted before; extracting the other 188."; got != want {
		t.Errorf("ResumeLine = %q, want %q", got, want)
	}
	for name, m := range map[string]*wire.Missing{"nothing cached": {Run: 2, Entries: make([]int, 5)},
		"another run": {Run: 1, Cached: 3, Entries: make([]int, 5)}, "none": nil} {
		if got := ResumeLine(&Train{Run: 2, Missing: m}); got != "" {
			t.Errorf("%s: ResumeLine = %q, want none", name, got)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q", n, got)
		}
	}
	if got := NotKeptLine(&Train{NotKept: "storage full", NotKeptPhotos: 3}); got != "This browser refused to keep the features of 3 photos (storage full): this run uses them, the next run extracts them again." {
		t.Errorf("NotKeptLine = %q", got)
	}
}
