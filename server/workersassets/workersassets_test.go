// Prepare copies exactly the servable files, leaves out variants, hidden files and links, writes
// _headers, and refuses Cloudflare's reserved names and over-size files.
package workersassets

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/graftml/graft/server/handler"
	"github.com/graftml/graft/server/internal/testdist"
	"github.com/graftml/graft/server/precompress"
)

func TestPrepareFixture(t *testing.T) {
	tmp := t.TempDir()
	dist, out := filepath.Join(tmp, "dist"), filepath.Join(tmp, "out")
	tree := testdist.New(testdist.Options{})
	if err := tree.Write(dist); err != nil {
		t.Fatal(err)
	}
	if _, err := precompress.Dir(dist, precompress.Options{BrotliQuality: 3}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(tmp, "secret.txt"), []byte("secret"), 0o644)
	os.Symlink("../secret.txt", filepath.Join(dist, "link.txt"))
	os.WriteFile(filepath.Join(dist, "notes.txt.gz"), []byte("a .gz with no source: a real file"), 0o644)

	rep, err := Prepare(dist, out)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range tree.Names() {
		if !strings.HasPrefix(n, ".") {
			want = append(want, n)
		}
	}
	want = append(want, "notes.txt.gz", HeadersFileName)
	sort.Strings(want)
	var got []string
	fs.WalkDir(os.DirFS(out), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			got = append(got, p)
		}
		return err
	})
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("assets folder holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep.Files != len(want)-1 {
		t.Errorf("Report.Files %d, want %d", rep.Files, len(want)-1)
	}
	for _, n := range tree.Names() {
		if strings.HasPrefix(n, ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(n)))
		if err != nil || !bytes.Equal(b, tree.Files[n]) {
			t.Errorf("%s: copy differs (err %v)", n, err)
		}
	}
	headers, _ := os.ReadFile(filepath.Join(out, HeadersFileName))
	wantHeaders, _ := handler.WorkersHeadersFile(append(tree.Names()[1:], "notes.txt.gz")) // [0] is .hidden
	if !bytes.Equal(headers, wantHeaders) {
		t.Errorf("_headers is not WorkersHeadersFile of the copied names:\n%s", headers)
	}
	if !strings.Contains(strings.Join(rep.Skipped, ","), "link.txt (symlink)") {
		t.Errorf("Skipped %v does not list the symlink", rep.Skipped)
	}

	if _, err := Prepare(dist, out); err == nil {
		t.Error("second Prepare into a full folder: no error")
	}
}

func TestPrepareRefuses(t *testing.T) {
	for name, size := range map[string]int{"_headers": 10, "_redirects": 10, "big.bin": MaxFileBytes + 1} {
		tmp := t.TempDir()
		dist := filepath.Join(tmp, "dist")
		os.MkdirAll(dist, 0o755)
		os.WriteFile(filepath.Join(dist, "index.html"), []byte("<p>hi"), 0o644)
		if err := os.WriteFile(filepath.Join(dist, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Prepare(dist, filepath.Join(tmp, "out")); err == nil {
			t.Errorf("%s (%d bytes): no error", name, size)
		}
	}
}
