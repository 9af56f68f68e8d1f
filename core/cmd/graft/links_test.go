// graft train on a folder of links: it trains exactly like the folder of copies (Keras'
// flow_from_directory reads linked files too), and lists what it skipped with a count per reason.
package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graftml/graft/internal/shared"
)

func TestTrainOnLinkedFolderMatchesCopied(t *testing.T) {
	h5 := shared.Path(t, shared.PartialH5)
	dir := t.TempDir()
	copied, linked := filepath.Join(dir, "copied"), filepath.Join(dir, "linked")
	colourFolder(t, copied, 6, 3)
	// linked/red is a link to the whole folder; linked/blue holds a link per photo, and a
	// broken link and a link back to its own folder that the listing must refuse.
	if err := os.MkdirAll(filepath.Join(linked, "blue"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(copied, "red"), filepath.Join(linked, "red")); err != nil {
		t.Fatal(err)
	}
	photos, _ := filepath.Glob(filepath.Join(copied, "blue", "*.png"))
	for _, p := range photos {
		if err := os.Symlink(p, filepath.Join(linked, "blue", filepath.Base(p))); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink(filepath.Join(dir, "missing.png"), filepath.Join(linked, "blue", "gone.png"))
	os.Symlink(filepath.Join(linked, "blue"), filepath.Join(linked, "blue", "again"))

	train := func(data, name string) (string, []byte) {
		out := filepath.Join(dir, name+".head")
		stdout, stderr, status := runCLI("train", "--h5", h5, "--data", data, "--layer", "pool1_pool", "--head", "linear",
			"--epochs", "5", "--flip", "--cache", filepath.Join(dir, name+"-cache"), "--out", out)
		if status != 0 {
			t.Fatalf("train on %s: status %d: %s", name, status, stderr)
		}
		b, _ := os.ReadFile(out)
		return stdout, b
	}
	outCopied, headCopied := train(copied, "copied")
	outLinked, headLinked := train(linked, "linked")
	if len(headCopied) == 0 || !bytes.Equal(headCopied, headLinked) {
		t.Error("the folder of links and the folder of copies wrote different head files")
	}
	for _, out := range []string{outCopied, outLinked} {
		if !strings.Contains(out, ": 2 classes, 12 images") || !strings.Contains(out, "(24 computed, 0 from the cache)") {
			t.Errorf("train output:\n%s", out)
		}
	}
	for _, want := range []string{"skipped 2 files (1 broken link, 1 link cycle):", "blue/gone.png: broken link", "blue/again/: link cycle: leads back to blue/"} {
		if !strings.Contains(outLinked, want) {
			t.Errorf("train on the linked folder does not say %q:\n%s", want, outLinked)
		}
	}
}
