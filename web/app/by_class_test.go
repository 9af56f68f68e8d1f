package main

import (
	"slices"
	"strings"
	"testing"
)

func TestByClass(t *testing.T) {
	var b ByClass
	if got := b.Add("cats", []string{"IMG_0001.jpg", "IMG_0002.jpg"}); !slices.Equal(got, []string{"cats/IMG_0001.jpg", "cats/IMG_0002.jpg"}) {
		t.Fatalf("first pick: %v", got)
	}
	// The same names again (a second pick from the camera roll), one of them with other case.
	if got := b.Add("cats", []string{"IMG_0001.jpg", "img_0002.JPG", "noext"}); !slices.Equal(got, []string{"cats/IMG_0001 (2).jpg", "cats/img_0002 (2).JPG", "cats/noext"}) {
		t.Fatalf("second pick: %v", got)
	}
	b.Add("dogs", []string{"IMG_0001.jpg", "a/b.png"})
	if !slices.Equal(b.Classes, []string{"cats", "dogs"}) || b.Counts["cats"] != 5 || b.Counts["dogs"] != 2 {
		t.Fatalf("classes %v counts %v", b.Classes, b.Counts)
	}
	if p := b.Paths(); len(p) != 7 || p[5] != "dogs/IMG_0001.jpg" || p[6] != "dogs/a_b.png" {
		t.Fatalf("paths %v", p)
	}
	if kept := b.Remove("cats"); !slices.Equal(kept, []int{5, 6}) || !slices.Equal(b.Classes, []string{"dogs"}) || b.Counts["cats"] != 0 {
		t.Fatalf("after removing cats: kept %v, classes %v, counts %v", kept, b.Classes, b.Counts)
	}
	if got := ClassCountLine("dogs", 1); got != "dogs: 1 photo" {
		t.Errorf("ClassCountLine = %q", got)
	}
}

func TestClassName(t *testing.T) {
	for typed, want := range map[string]string{"  cats ": "cats", "Golden retriever": "Golden retriever"} {
		if got, err := ClassName(typed); err != nil || got != want {
			t.Errorf("ClassName(%q) = %q, %v", typed, got, err)
		}
	}
	for _, bad := range []string{"", "  ", "a/b", `a\b`, ".", "..", strings.Repeat("x", 65)} {
		if _, err := ClassName(bad); err == nil {
			t.Errorf("ClassName(%q) accepted", bad)
		}
	}
}
