package main

import (
	"strings"
	"testing"

	"github.com/graftml/graft/web/wire"
)

func TestChangeWrite(t *testing.T) {
	c := &LabelCheck{Changes: []wire.Change{
		{Hash: "h1", Path: "dogs/cat.1.jpg", Class: "cats"},
		{Hash: "h2", Path: "cats/blurry.png", Exclude: true},
		{Hash: "h3", Path: "cats/sub/dog.2.jpg", Class: "dogs"},
	}}
	items := WriteItems(c.Changes)
	want := []wire.SortItem{{Folder: "cats", Name: "cat.1.jpg"}, {Folder: ExcludedFolder + "/cats", Name: "blurry.png"}, {Folder: "dogs", Name: "dog.2.jpg"}}
	for i := range want {
		if items[i] != want[i] {
			t.Errorf("item %d: %+v, want %+v", i, items[i], want[i])
		}
	}
	var w ChangeWrite
	if run := w.Start(c.Changes); run <= WriteRunBase || !w.Running || len(w.Pending) != 3 {
		t.Fatalf("start: run %d, %+v", run, w)
	}
	w.Finish(c, []bool{true, true, false}, "cats/sub/dog.2.jpg is not the listed photo")
	if w.Running || len(c.Changes) != 1 || c.Changes[0].Hash != "h3" {
		t.Fatalf("after writing two of three: changes %+v", c.Changes)
	}
	if !strings.Contains(w.Line, "Wrote 2 changes into the folder (1 moved to their class, 1 into _excluded/)") || !strings.Contains(w.Line, "Not written: cats/sub/dog.2.jpg") {
		t.Errorf("line %q", w.Line)
	}
	w.Start(c.Changes)
	w.Finish(c, []bool{false}, "no permission")
	if len(c.Changes) != 1 || w.Line != "Nothing was written: no permission" {
		t.Errorf("nothing written: changes %d, line %q", len(c.Changes), w.Line)
	}
}
