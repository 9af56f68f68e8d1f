// Tests of ListDir on folders as users have them: linked files read, linked folders followed
// once, cycles and broken links refused with their reasons, and the count per reason.
package dataset

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func symlink(t *testing.T, target, link string) {
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestLinkedFolderListsLikeCopied: a folder of links to photos elsewhere lists exactly as the
// folder of copies (same classes, paths, hashes and sizes).
func TestLinkedFolderListsLikeCopied(t *testing.T) {
	store, copied, linked := t.TempDir(), t.TempDir(), t.TempDir()
	for i, rel := range []string{"cats/a.png", "cats/sub/b.png", "dogs/c.png", "dogs/d.png"} {
		data := pngBytes(t, 20+i, 16, uint8(10+i))
		writeFile(t, store, rel, data)
		writeFile(t, copied, rel, data)
	}
	symlink(t, filepath.Join(store, "cats/a.png"), filepath.Join(linked, "cats/a.png")) // a linked file
	symlink(t, filepath.Join(store, "cats/sub"), filepath.Join(linked, "cats/sub"))     // a linked sub-folder
	symlink(t, filepath.Join(store, "dogs"), filepath.Join(linked, "dogs"))             // a linked class folder
	want, err := ListDir(copied)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ListDir(linked)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Entries) != 4 || !slices.Equal(got.Entries, want.Entries) || !slices.Equal(got.Classes, want.Classes) || len(got.Skipped) != 0 {
		t.Errorf("linked folder lists as\n%+v\n%+v\nskipped %v\nwant %+v\n%+v", got.Classes, got.Entries, got.Skipped, want.Classes, want.Entries)
	}
}

func TestLinksThatCannotBeFollowed(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "cats/a.png", pngBytes(t, 20, 16, 1))
	writeFile(t, root, "dogs/b.png", pngBytes(t, 21, 16, 2))
	symlink(t, filepath.Join(root, "cats"), filepath.Join(root, "cats/loop"))            // back to its own folder
	symlink(t, root, filepath.Join(root, "dogs/up"))                                     // back to the root
	symlink(t, filepath.Join(root, "dogs"), filepath.Join(root, "cats/dogs-again"))      // a second way into dogs
	symlink(t, filepath.Join(root, "nowhere.png"), filepath.Join(root, "cats/gone.png")) // broken
	l, err := ListDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 2 || !slices.Equal(l.Names(), []string{"cats", "dogs"}) {
		t.Errorf("entries %+v, classes %v", l.Entries, l.Names())
	}
	reasons := map[string]string{}
	for _, s := range l.Skipped {
		reasons[s.Path] = s.Reason
	}
	for path, want := range map[string]string{
		"cats/loop/":       ReasonLinkCycle + ": leads back to cats/",
		"dogs/up/":         ReasonLinkCycle + ": leads back to ./",
		"cats/dogs-again/": ReasonFolderListed + " dogs/",
		"cats/gone.png":    ReasonBrokenLink + ": ",
	} {
		if !strings.HasPrefix(reasons[path], want) {
			t.Errorf("%s: reason %q, want it to start with %q", path, reasons[path], want)
		}
	}
	if len(l.Skipped) != 4 {
		t.Errorf("skipped %v", l.Skipped)
	}
	counts := l.SkipCounts()
	if !slices.Equal(counts, []ReasonCount{{ReasonLinkCycle, 2}, {ReasonBrokenLink, 1}, {ReasonFolderListed, 1}}) {
		t.Errorf("SkipCounts = %v", counts)
	}
}
