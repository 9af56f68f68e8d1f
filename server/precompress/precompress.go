// Package precompress writes brotli (.br, RFC 7932) and gzip (.gz, RFC 1952) siblings of the text
// and wasm files in a built dist/ tree, at build time, so the server sends them without compressing
// per request (server/handler picks one by Accept-Encoding). Brotli comes from
// github.com/andybalholm/brotli (a pure-Go port of Google's encoder); gzip from compress/gzip.
package precompress

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

// compressibleExts are the formats worth precompressing: text, JSON and wasm. Images are already
// compressed and weights chunks (int8) barely shrink, so they are left alone.
var compressibleExts = map[string]bool{
	".html": true, ".js": true, ".mjs": true, ".css": true, ".json": true, ".map": true,
	".webmanifest": true, ".wasm": true, ".txt": true, ".svg": true,
}

// Suffixes of the variants; a file already ending in one is a variant, never a source.
const (
	BrotliSuffix = ".br"
	GzipSuffix   = ".gz"
)

// Compressible reports whether the file name is one this package writes variants for.
func Compressible(name string) bool {
	return compressibleExts[strings.ToLower(path.Ext(name))]
}

// Options tunes Dir. The zero value means the defaults.
type Options struct {
	// BrotliQuality is 0..11; 0 means DefaultBrotliQuality.
	BrotliQuality int
	// Parallel is how many files are compressed at once; 0 means runtime.NumCPU().
	Parallel int
	// CacheDir, if set, keeps brotli output by content hash and quality, so a rebuilt dist/
	// recompresses only files whose bytes changed (brotli 11 takes ~15 s for a 6 MB wasm on one
	// core). Entries unused for cacheMaxAge are removed.
	CacheDir string
}

// cacheMaxAge is how long an unused brotli cache entry is kept.
const cacheMaxAge = 7 * 24 * time.Hour

// DefaultBrotliQuality is the strongest level: files are compressed once per build and downloaded
// by every visitor.
const DefaultBrotliQuality = 11

// Result reports one source file: its size and the sizes of the variants kept (0: not kept,
// because it was no smaller than the source).
type Result struct {
	Name               string // slash-separated, relative to the tree
	Size, Brotli, Gzip int64
}

// Dir writes NAME.br and NAME.gz beside every compressible file under root, replacing older ones;
// a variant no smaller than its source is not kept (and an old one is removed). Results are sorted
// by name.
func Dir(root string, opts Options) ([]Result, error) {
	if opts.BrotliQuality == 0 {
		opts.BrotliQuality = DefaultBrotliQuality
	}
	if opts.BrotliQuality < 0 || opts.BrotliQuality > 11 {
		return nil, fmt.Errorf("brotli quality %d is outside 0..11", opts.BrotliQuality)
	}
	if opts.Parallel <= 0 {
		opts.Parallel = runtime.NumCPU()
	}
	if opts.CacheDir != "" {
		if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
			return nil, err
		}
	}
	var names []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || strings.HasSuffix(p, BrotliSuffix) || strings.HasSuffix(p, GzipSuffix) {
			return nil
		}
		if Compressible(p) {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)

	results := make([]Result, len(names))
	errs := make([]error, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range opts.Parallel {
		wg.Go(func() {
			for i := range next {
				results[i], errs[i] = compressFile(root, names[i], opts)
			}
		})
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if opts.CacheDir != "" {
		if err := pruneCache(opts.CacheDir, time.Now().Add(-cacheMaxAge)); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// compressFile writes (or removes) the two variants of one file.
func compressFile(root, name string, opts Options) (Result, error) {
	src := filepath.Join(root, filepath.FromSlash(name))
	data, err := os.ReadFile(src)
	if err != nil {
		return Result{}, err
	}
	r := Result{Name: name, Size: int64(len(data))}
	br, err := brotliCached(data, opts.BrotliQuality, opts.CacheDir)
	if err != nil {
		return r, fmt.Errorf("brotli %s: %w", name, err)
	}
	if r.Brotli, err = keepIfSmaller(src+BrotliSuffix, br, len(data)); err != nil {
		return r, err
	}
	gz, err := Gzip(data)
	if err != nil {
		return r, fmt.Errorf("gzip %s: %w", name, err)
	}
	if r.Gzip, err = keepIfSmaller(src+GzipSuffix, gz, len(data)); err != nil {
		return r, err
	}
	return r, nil
}

// keepIfSmaller writes b to dst (through a temporary file and a rename) when it is smaller than the
// source, else removes dst. It returns the size kept, or 0.
func keepIfSmaller(dst string, b []byte, srcSize int) (int64, error) {
	if len(b) >= srcSize {
		if err := os.Remove(dst); err != nil && !os.IsNotExist(err) {
			return 0, err
		}
		return 0, nil
	}
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return 0, err
	}
	return int64(len(b)), nil
}

// brotliCached is Brotli with the cache of Options.CacheDir ("" = none). A cache entry is named
// by the sha256 of the input and the quality; its mtime is refreshed on use.
func brotliCached(data []byte, quality int, cacheDir string) ([]byte, error) {
	if cacheDir == "" {
		return Brotli(data, quality)
	}
	sum := sha256.Sum256(data)
	entry := filepath.Join(cacheDir, fmt.Sprintf("%x-q%d.br", sum, quality))
	if b, err := os.ReadFile(entry); err == nil {
		now := time.Now()
		os.Chtimes(entry, now, now)
		return b, nil
	}
	b, err := Brotli(data, quality)
	if err != nil {
		return nil, err
	}
	if _, err := keepIfSmaller(entry, b, math.MaxInt); err != nil {
		return nil, err
	}
	return b, nil
}

// pruneCache removes cache entries last used before cutoff.
func pruneCache(dir string, cutoff time.Time) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || !strings.HasSuffix(e.Name(), BrotliSuffix) || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// Brotli compresses data at quality 0..11.
func Brotli(data []byte, quality int) ([]byte, error) {
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, quality)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Gzip compresses data at gzip's best compression.
func Gzip(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
