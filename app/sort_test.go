package app

import (
	"strings"
	"testing"
)

func TestSortPlan(t *testing.T) {
	p, err := NewSortPlan([]string{"cats", "dogs"}, []string{"cats/a.jpg", "dogs/B.JPG"})
	if err != nil {
		t.Fatal(err)
	}
	if f := p.Folder(&Prediction{Best: 1}); f != "dogs" {
		t.Errorf("folder %q", f)
	}
	if f := p.Folder(&Prediction{Best: 1, Checked: true, Unknown: true}); f != UnknownFolder {
		t.Errorf("unknown photo's folder %q", f)
	}
	for _, c := range []struct{ folder, name, want string }{
		{"cats", "a.jpg", "cats/a (2).jpg"},
		{"cats", "a.jpg", "cats/a (3).jpg"},
		{"dogs", "b.jpg", "dogs/b (2).jpg"}, // B.JPG is there: the same file on macOS
		{"dogs", "a.jpg", "dogs/a.jpg"},
		{"dogs", "noext", "dogs/noext"},
		{"dogs", "noext", "dogs/noext (2)"},
	} {
		if got := p.Place(c.folder, c.name); got != c.want {
			t.Errorf("Place(%s, %s) = %s, want %s", c.folder, c.name, got, c.want)
		}
	}
	for _, bad := range [][]string{{"cats", UnknownFolder}, {"a/b", "c"}, {"..", "c"}} {
		if _, err := NewSortPlan(bad, nil); err == nil || !strings.Contains(err.Error(), "app:") {
			t.Errorf("classes %q: %v", bad, err)
		}
	}
}
