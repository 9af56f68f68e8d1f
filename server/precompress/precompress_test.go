// Round trips: every variant Dir keeps decodes to its source; incompressible and non-text files
// get none; stale variants go; the brotli cache returns the same bytes without recompressing.
package precompress

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func writeFile(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func randomBytes(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func TestDir(t *testing.T) {
	dir := t.TempDir()
	text := []byte(strings.Repeat("export const x = 1; // compressible\n", 200))
	files := map[string][]byte{
		"index.html":          text,
		"a/b/app.wasm":        append([]byte("\x00asm\x01\x00\x00\x00"), text...),
		"random.js":           randomBytes(4096), // incompressible: no variant kept
		"tiny.css":            []byte("a{}"),     // compressed is larger: no variant kept
		"photo.png":           text,              // not a compressible type: skipped
		"model/chunks/00.bin": text,              // weights: skipped
		"empty.json":          {},
	}
	for n, b := range files {
		writeFile(t, dir, n, b)
	}
	writeFile(t, dir, "random.js.br", []byte("stale variant from an older build"))

	results, err := Dir(dir, Options{BrotliQuality: 5})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range results {
		got = append(got, r.Name)
		if r.Size != int64(len(files[r.Name])) {
			t.Errorf("%s: Size %d, want %d", r.Name, r.Size, len(files[r.Name]))
		}
	}
	if want := "a/b/app.wasm empty.json index.html random.js tiny.css"; strings.Join(got, " ") != want {
		t.Errorf("compressed %q, want %q", strings.Join(got, " "), want)
	}
	for _, name := range []string{"index.html", "a/b/app.wasm"} {
		for _, suffix := range []string{BrotliSuffix, GzipSuffix} {
			b, err := os.ReadFile(filepath.Join(dir, name+suffix))
			if err != nil {
				t.Fatalf("%s%s: %v", name, suffix, err)
			}
			if dec := decode(t, suffix, b); !bytes.Equal(dec, files[name]) {
				t.Errorf("%s%s does not decode to its source", name, suffix)
			}
			if len(b) >= len(files[name]) {
				t.Errorf("%s%s kept at %d bytes, source %d", name, suffix, len(b), len(files[name]))
			}
		}
	}
	for _, name := range []string{"random.js.br", "random.js.gz", "tiny.css.br", "tiny.css.gz", "photo.png.gz", "model/chunks/00.bin.br", "empty.json.gz"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s exists (err %v); it should not", name, err)
		}
	}
}

func decode(t *testing.T, suffix string, b []byte) []byte {
	t.Helper()
	var r io.Reader = brotli.NewReader(bytes.NewReader(b))
	if suffix == GzipSuffix {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s: %v", suffix, err)
	}
	return out
}

func TestBrotliCache(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	text := []byte(strings.Repeat("cache me please; ", 500))
	writeFile(t, dir, "a.js", text)
	if _, err := Dir(dir, Options{BrotliQuality: 4, CacheDir: cache}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(cache)
	if len(entries) != 1 {
		t.Fatalf("cache holds %d entries, want 1", len(entries))
	}
	// Poison the entry: a cache hit must return the entry's bytes, proving no recompression.
	entry := filepath.Join(cache, entries[0].Name())
	poison, _ := Brotli([]byte("poisoned"), 4)
	if err := os.WriteFile(entry, poison, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Dir(dir, Options{BrotliQuality: 4, CacheDir: cache}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "a.js.br"))
	if string(decode(t, BrotliSuffix, b)) != "poisoned" {
		t.Errorf("second run recompressed instead of using the cache")
	}
	// Another quality is another entry.
	if _, err := Dir(dir, Options{BrotliQuality: 5, CacheDir: cache}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 2 {
		t.Errorf("cache holds %d entries after a second quality, want 2", len(entries))
	}
}

func TestBadQuality(t *testing.T) {
	if _, err := Dir(t.TempDir(), Options{BrotliQuality: 12}); err == nil {
		t.Error("quality 12: no error")
	}
}
