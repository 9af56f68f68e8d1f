package preprocess

import (
	"bytes"
	"errors"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// headerCorpus is every image file the decoders' own tests use (Go's image/testdata,
// golang.org/x/image's testdata where the module cache has it) and this package's testdata.
func headerCorpus(t testing.TB) map[string][]byte {
	t.Helper()
	dirs := []string{filepath.Join(runtime.GOROOT(), "src", "image", "testdata"), "testdata"}
	if mods, err := filepath.Glob(filepath.Join(os.Getenv("HOME"), "go", "pkg", "mod", "golang.org", "x", "image@*", "testdata")); err == nil {
		dirs = append(dirs, mods...)
	}
	if gm := os.Getenv("GOMODCACHE"); gm != "" {
		if mods, err := filepath.Glob(filepath.Join(gm, "golang.org", "x", "image@*", "testdata")); err == nil {
			dirs = append(dirs, mods...)
		}
	}
	out := map[string][]byte{}
	for _, dir := range dirs {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if e.IsDir() || !strings.Contains(".png .gif .jpg .jpeg .webp .bmp", ext) {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err == nil {
				out[filepath.Join(filepath.Base(filepath.Dir(dir)), e.Name())] = data
			}
		}
	}
	if len(out) < 50 {
		t.Fatalf("only %d images found for the corpus", len(out))
	}
	return out
}

// agree checks DecodeHeader against image.DecodeConfig (the decoders are registered in this
// package's native build) on data: the same format and size wherever DecodeConfig succeeds,
// and a "damaged" verdict only where DecodeConfig fails too.
func agree(t *testing.T, what string, data []byte) {
	t.Helper()
	cfg, format, cerr := image.DecodeConfig(bytes.NewReader(data))
	h, herr := DecodeHeader(data)
	switch {
	case cerr == nil && herr != nil:
		t.Fatalf("%s: DecodeConfig gives %s %d×%d, DecodeHeader fails: %v", what, format, cfg.Width, cfg.Height, herr)
	case cerr == nil && (h.Format != format || h.Width != cfg.Width || h.Height != cfg.Height):
		t.Fatalf("%s: DecodeConfig gives %s %d×%d, DecodeHeader %s %d×%d", what, format, cfg.Width, cfg.Height, h.Format, h.Width, h.Height)
	case cerr == nil:
	case herr != nil && !errors.Is(herr, ErrHeaderShort) && !errors.Is(herr, ErrNotImage):
		// Both refuse: fine.
	case herr == nil && errors.Is(cerr, image.ErrFormat):
		t.Fatalf("%s: DecodeHeader reads %+v from bytes DecodeConfig does not recognise", what, h)
	}
}

func TestDecodeHeaderAgreesWithDecodeConfig(t *testing.T) {
	formats := map[string]int{}
	for name, data := range headerCorpus(t) {
		agree(t, name, data)
		if h, err := DecodeHeader(data); err == nil {
			formats[h.Format]++
		}
		// Every truncation within the header, and a few beyond.
		for n := 0; n < len(data) && n < 2048; n++ {
			agree(t, name+" cut", data[:n])
		}
	}
	for _, f := range []string{"png", "gif", "jpeg", "webp", "bmp"} {
		if formats[f] == 0 {
			t.Errorf("no %s image in the corpus: %v", f, formats)
		}
	}
}

func TestDecodeHeaderRefuses(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00")
	if h, err := DecodeHeader(png); err != nil || h != (Header{"png", 16, 16}) {
		t.Fatalf("a 16×16 RGB PNG header: %+v, %v", h, err)
	}
	bad := append([]byte(nil), png...)
	bad[24] = 3 // bit depth 8 → 3
	for what, c := range map[string]struct {
		data  []byte
		short bool
	}{
		"png bit depth": {bad, false},
		"png cut":       {png[:20], true},
		"jpeg SOI only": {[]byte("\xff\xd8"), true},
		"jpeg EOI":      {[]byte("\xff\xd8\xff\xd9"), false},
		"jpeg SOF3":     {[]byte("\xff\xd8\xff\xc3\x00\x0b\x08\x00\x10\x00\x10\x01\x01\x11\x00"), false},
		"gif cut":       {[]byte("GIF89a\x10\x00"), true},
	} {
		_, err := DecodeHeader(c.data)
		if err == nil || errors.Is(err, ErrHeaderShort) != c.short {
			t.Errorf("%s: %v (want short=%v)", what, err, c.short)
		}
	}
	if _, err := DecodeHeader([]byte("<svg xmlns='http://www.w3.org/2000/svg'></svg>")); !errors.Is(err, ErrNotImage) {
		t.Errorf("SVG: %v", err)
	}
}

// FuzzDecodeHeader: on any bytes, DecodeHeader does not panic and agrees with DecodeConfig.
func FuzzDecodeHeader(f *testing.F) {
	n := 0
	for _, data := range headerCorpus(f) {
		if n++; n%4 == 0 { // a quarter of the corpus, cut to its header, as seeds
			f.Add(data[:min(len(data), 512)])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) { agree(t, "fuzz", data) })
}
