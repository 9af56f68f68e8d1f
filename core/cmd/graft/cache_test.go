// cache_test.go: graft cache counts and clears only the caches' own files (cache.go).
package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graftml/graft/app/blockinput"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/finetune"
)

// TestCacheCommand fills a cache folder through the caches' own writers (so the names graft
// cache looks for are the names they write), adds files that are not theirs, and checks the
// counts, --clear of one kind then of all, and that nothing else is removed.
func TestCacheCommand(t *testing.T) {
	dir := t.TempDir()
	feats, inputs := dataset.DirCache{Dir: dir}, blockinput.InputDir{Dir: filepath.Join(dir, "blockinputs")}
	q, err := finetune.Compress(make([]float32, 2*2*3), 2, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		k := dataset.Key{Content: strings.Repeat("ab", 31) + string(rune('0'+i)) + "0", Model: "m", Layer: "l", View: dataset.ViewOriginal, Resize: "crop"}
		if err := feats.Put(k, []float32{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			if err := inputs.Put(k.String(), q); err != nil {
				t.Fatal(err)
			}
		}
	}
	foreign := []string{filepath.Join(dir, "notes.txt"), filepath.Join(dir, "ab", "keep.f32"), filepath.Join(dir, "blockinputs", "x.gbi")}
	for _, f := range foreign {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("not a cache entry"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	check := func(args []string, want ...string) {
		t.Helper()
		stdout, stderr, status := runCLI(append([]string{"cache", "--cache", dir}, args...)...)
		if status != 0 {
			t.Fatalf("graft cache %v: status %d: %s", args, status, stderr)
		}
		for _, w := range want {
			if !strings.Contains(stdout, w) {
				t.Errorf("graft cache %v: output lacks %q:\n%s", args, w, stdout)
			}
		}
	}
	check(nil, "features     holds 5 entries", "block inputs holds 3 entries")
	check([]string{"--clear", "inputs"}, "features     holds 5 entries", "block inputs removed 3 entries")
	check(nil, "features     holds 5 entries", "block inputs holds 0 entries")
	check([]string{"--clear", "all"}, "features     removed 5 entries")
	check(nil, "features     holds 0 entries", "block inputs holds 0 entries")
	for _, f := range foreign {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("a file that is not the cache's was touched: %v", err)
		}
	}
	if _, _, status := runCLI("cache", "--cache", dir, "--clear", "everything"); status != 2 {
		t.Errorf("--clear everything: status %d, want 2", status)
	}
}
