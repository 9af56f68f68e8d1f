// Sorting a folder: a pool worker's Sorter, built from the active head's file, answers what the
// active head answers beside the top-5 (graft classify --head's path), with app.CSVRow's row
// and the folder of its class; the copies are named by app.SortPlan, never over a file there.
package engine

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/web/wire"
)

func TestSorterIsActiveHead(t *testing.T) {
	s := loadedSession(t)
	id := s.Manifest().Model.ID
	shelf := NewShelf(&MemHeads{}, id, "conv4_block6_out")
	if _, _, _, err := shelf.ActiveFile(); err != ErrNoActiveHead {
		t.Errorf("no head active: %v", err)
	}
	if r, _ := shelf.SortReady(3); r.Error == "" {
		t.Error("sort_ready without a head says nothing")
	}
	m, file := tinyHead(t, id)
	if err := shelf.SetTrained(m, file, nil, nil); err != nil {
		t.Fatal(err)
	}
	ready, got := shelf.SortReady(3)
	if ready.Error != "" || !slices.Equal(got, file) || !slices.Equal(ready.Classes, m.Classes) || ready.CSVHeader[ready.SortedTo] != "sorted_to" {
		t.Fatalf("sort_ready %+v (%d bytes)", ready, len(got))
	}
	// A pool worker's shelf (no head of its own) builds the sorter from the file.
	sorter, err := NewShelf(&MemHeads{}, id, "conv4_block6_out").NewSorter(got)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewShelf(&MemHeads{}, "another-model", "conv4_block6_out").NewSorter(got); err == nil {
		t.Error("a sorter for another model's head")
	}
	img := testPhoto()
	px := Pixels{RGBA: img.Pix, Width: img.Rect.Dx(), Height: img.Rect.Dy(), Stride: img.Stride}
	ctx := context.Background()
	// Sent with the other resize mode: the head still sees the photo its own way.
	res, err := s.ClassifyWithHead(ctx, px, preprocess.Nearest, shelf, false)
	if err != nil {
		t.Fatal(err)
	}
	row, err := sorter.Sort(ctx, s, px, "photos/x.png")
	if err != nil {
		t.Fatal(err)
	}
	h := res.Head
	if row.Best != h.Best || row.Prob != h.Classes[h.Best].Prob {
		t.Errorf("sorter: class %d prob %g; active head: class %d prob %g", row.Best, row.Prob, h.Best, h.Classes[h.Best].Prob)
	}
	wantFolder := m.Classes[h.Best]
	if h.OpenSet != nil && h.OpenSet.Unknown {
		wantFolder = app.UnknownFolder
	}
	if row.Folder != wantFolder || row.Unknown != (h.OpenSet != nil && h.OpenSet.Unknown) {
		t.Errorf("folder %q unknown %v, want %q", row.Folder, row.Unknown, wantFolder)
	}
	if len(row.CSV) != len(ready.CSVHeader) || row.CSV[0] != "photos/x.png" || row.CSV[ready.SortedTo] != "" ||
		row.CSV[2] != strconv.FormatFloat(float64(row.Prob), 'g', 6, 64) {
		t.Errorf("CSV row %q for header %q", row.CSV, ready.CSVHeader)
	}
	if _, err := sorter.Sort(ctx, s, Pixels{Width: 2, Height: 2, Stride: 8}, "bad"); err == nil {
		t.Error("sorting pixels that are not there")
	}
}

func TestPlanCopies(t *testing.T) {
	got := PlanCopies(&wire.SortPlan{Run: 4, Classes: []string{"cats", "dogs"}, Existing: []string{"cats/a.png", "notes.txt"},
		Items: []wire.SortItem{{Folder: "cats", Name: "A.png"}, {Folder: "cats", Name: "a.png"}, {Folder: "dogs", Name: "a.png"}, {Folder: app.UnknownFolder, Name: "car.jpg"}}})
	want := []string{"cats/A (2).png", "cats/a (3).png", "dogs/a.png", app.UnknownFolder + "/car.jpg"}
	if got.Error != "" || got.Run != 4 || !slices.Equal(got.Paths, want) {
		t.Errorf("copies %+v, want %q", got, want)
	}
	if bad := PlanCopies(&wire.SortPlan{Classes: []string{app.UnknownFolder}}); bad.Error == "" {
		t.Error("a class named like the unknown folder was accepted")
	}
}
