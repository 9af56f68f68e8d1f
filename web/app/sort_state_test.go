// The sort panel's state: hidden files left out and the rest in name order, answers from the
// pool filling rows (another run's ignored), the table's order by each column, the CSV with
// sorted_to filled where a copy was written, and the copies to plan.
package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/graftml/graft/web/wire"
)

// sortedFixture is a folder of four photos (and two hidden files) sorted by two workers.
func sortedFixture() (*Sort, error) {
	s := NewSort(SortRunBase+1, "pets", []string{"pets/b.jpg", "pets/.DS_Store", "pets/a.jpg", "pets/.cache/x.jpg", "pets/sub/c.png", "pets/d.txt"},
		[]string{"u1", "u2", "u3", "u4", "u5", "u6"})
	if s.Skipped != 2 || len(s.Rows) != 4 || s.Rows[0].Path != "pets/a.jpg" || s.Rows[0].URL != "u3" || s.Rows[3].Path != "pets/sub/c.png" {
		return nil, fmt.Errorf("rows %+v, %d skipped", s.Rows, s.Skipped)
	}
	header := []string{"path", "class", "prob", "unknown", "score", "threshold", "nearest", "sorted_to", "p(cats)", "p(dogs)"}
	if !s.Ready(&wire.SortReady{Run: s.Run, Head: "pets", Classes: []string{"cats", "dogs"}, CSVHeader: header, SortedTo: 7}, 2, 0) {
		return nil, fmt.Errorf("not ready")
	}
	answers := map[string]wire.Sorted{
		"pets/a.jpg":     {Best: 1, Prob: 0.9, Folder: "dogs", CSV: []string{"pets/a.jpg", "dogs", "0.9", "false", "", "", "", "", "0.1", "0.9"}},
		"pets/b.jpg":     {Best: 0, Prob: 0.6, Unknown: true, Folder: "_none of these", CSV: []string{"pets/b.jpg", "_none of these", "0.6", "true", "", "", "", "", "0.6", "0.4"}},
		"pets/d.txt":     {Undecodable: "“d.txt” is a text file, not an image."},
		"pets/sub/c.png": {Best: 0, Prob: 0.7, Folder: "cats", CSV: []string{"pets/sub/c.png", "cats", "0.7", "false", "", "", "", "", "0.7", "0.3"}},
	}
	for range 4 {
		j, ok := s.Extract.Assign(0)
		if !ok {
			j, ok = s.Extract.Assign(1)
		}
		if !ok {
			return nil, fmt.Errorf("no job to assign")
		}
		if _, ok := s.Apply(&wire.Sorted{ID: j.ID, Run: s.Run + 1}, 1); ok {
			return nil, fmt.Errorf("an answer of another run was taken")
		}
		a := answers[s.Rows[j.Entry].Path]
		a.ID, a.Run = j.ID, s.Run
		if w, ok := s.Apply(&a, 1); !ok || w != j.Worker {
			return nil, fmt.Errorf("answer to job %+v: worker %d, %v", j, w, ok)
		}
	}
	if s.Phase != SortDone {
		return nil, fmt.Errorf("phase %q after every answer", s.Phase)
	}
	return s, nil
}

func TestSortState(t *testing.T) {
	s, err := sortedFixture()
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Rows[1]; r.Class != "none of these" || !r.Unknown {
		t.Errorf("the unknown photo: %+v", r)
	}
	if r := s.Rows[2]; r.Error == "" || SortClassText(r) == "" || SortProbText(r) != "" {
		t.Errorf("the text file: %+v", r)
	}
	paths := func() string {
		var p []string
		for _, r := range s.View() {
			p = append(p, strings.TrimPrefix(r.Path, "pets/"))
		}
		return strings.Join(p, " ")
	}
	for _, step := range []struct{ col, want, aria string }{
		{"prob", "a.jpg sub/c.png b.jpg d.txt", "descending"}, // most probable first
		{"prob", "d.txt b.jpg sub/c.png a.jpg", "ascending"},
		{"class", "d.txt sub/c.png a.jpg b.jpg", "ascending"},
		{"unknown", "a.jpg d.txt sub/c.png b.jpg", "ascending"},
		{"file", "a.jpg b.jpg d.txt sub/c.png", "ascending"},
		{"file", "sub/c.png d.txt b.jpg a.jpg", "descending"},
	} {
		s.SetBy(step.col)
		if got := paths(); got != step.want || s.AriaSort(step.col) != step.aria {
			t.Errorf("by %s: %q (%s), want %q (%s)", step.col, got, s.AriaSort(step.col), step.want, step.aria)
		}
	}
	rows, items := s.CopyItems()
	if !slices.Equal(rows, []int{0, 1, 3}) || items[2] != (wire.SortItem{Folder: "cats", Name: "c.png"}) || items[1].Folder != "_none of these" {
		t.Errorf("copies: rows %v items %+v", rows, items)
	}
	s.Rows[3].SortedTo = "cats/c.png"
	want := "path,class,prob,unknown,score,threshold,nearest,sorted_to,p(cats),p(dogs)\n" +
		"pets/a.jpg,dogs,0.9,false,,,,,0.1,0.9\n" +
		"pets/b.jpg,_none of these,0.6,true,,,,,0.6,0.4\n" +
		"pets/sub/c.png,cats,0.7,false,,,,cats/c.png,0.7,0.3\n"
	if got := string(s.CSV()); got != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", got, want)
	}
	if rows, _ := s.CopyItems(); len(rows) != 2 {
		t.Errorf("a photo copied already is planned again: %v", rows)
	}
	if line := SortLine(s); !strings.Contains(line, "Sorted 3 of 4 photos") || !strings.Contains(line, "1 none of its classes") || !strings.Contains(line, "2 hidden files left out") {
		t.Errorf("line %q", line)
	}
}

func TestSortRefused(t *testing.T) {
	s := NewSort(SortRunBase+2, "x", []string{"x/a.jpg"}, []string{"u"})
	if s.Ready(&wire.SortReady{Run: s.Run, Error: "no head is in use"}, 2, 0) || s.Phase != SortFailed || !strings.Contains(SortLine(s), "no head is in use") {
		t.Errorf("sorting without a head: %q %q", s.Phase, SortLine(s))
	}
	c := NewSort(SortRunBase+3, "x", []string{"x/a.jpg"}, []string{"u"})
	c.Cancel()
	if c.Phase != SortCancelled || c.Busy() {
		t.Errorf("cancel: %q", c.Phase)
	}
}
