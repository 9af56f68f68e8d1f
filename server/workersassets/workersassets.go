// Package workersassets prepares the folder uploaded as Workers Static Assets (wrangler.jsonc
// "assets.directory") from a built dist/ tree: every file the native server would serve, minus the
// .br/.gz variants (Cloudflare compresses on its own), plus the `_headers` file from
// handler.WorkersHeadersFile. Limits from Cloudflare's docs (Workers → Platform → Limits →
// Static Assets): 25 MiB per file, 20,000 files on the free plan.
package workersassets

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/graftml/graft/server/handler"
	"github.com/graftml/graft/server/precompress"
)

// Cloudflare's limits on Workers Static Assets.
const (
	MaxFileBytes = 25 << 20
	MaxFiles     = 20000
)

// HeadersFileName is the file Cloudflare reads for custom headers; it is not served.
const HeadersFileName = "_headers"

// Report says what Prepare did.
type Report struct {
	Files    int      // files copied, _headers not counted
	Bytes    int64    // their total size
	Skipped  []string // variants, hidden files and symlinks left out, with the reason
	Largest  string   // the largest file copied
	MaxBytes int64    // its size
}

// Prepare copies the servable files of distDir into outDir (which must not exist yet, or be empty)
// and writes outDir/_headers. distDir is read through os.Root, so links cannot lead outside it.
func Prepare(distDir, outDir string) (Report, error) {
	var rep Report
	root, err := os.OpenRoot(distDir)
	if err != nil {
		return rep, err
	}
	defer root.Close()
	src := root.FS()

	var names []string
	err = fs.WalkDir(src, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			rep.Skipped = append(rep.Skipped, name+" (hidden)")
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			rep.Skipped = append(rep.Skipped, name+" (symlink)")
			return nil
		case !d.Type().IsRegular():
			rep.Skipped = append(rep.Skipped, name+" (not a regular file)")
			return nil
		case name == HeadersFileName || name == "_redirects":
			return fmt.Errorf("%s/%s: Cloudflare reserves this name; the build generates _headers itself", distDir, name)
		case isVariant(src, name):
			rep.Skipped = append(rep.Skipped, name+" (precompressed variant)")
			return nil
		}
		names = append(names, name)
		return nil
	})
	if err != nil {
		return rep, err
	}
	if len(names) > MaxFiles {
		return rep, fmt.Errorf("%d files: over Workers Static Assets' %d", len(names), MaxFiles)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return rep, err
	}
	entries, err := os.ReadDir(outDir)
	if err != nil {
		return rep, err
	}
	if len(entries) > 0 {
		return rep, fmt.Errorf("%s must be empty", outDir)
	}
	for _, name := range names {
		n, err := copyFile(src, name, filepath.Join(outDir, filepath.FromSlash(name)))
		if err != nil {
			return rep, err
		}
		rep.Files++
		rep.Bytes += n
		if n > rep.MaxBytes {
			rep.Largest, rep.MaxBytes = name, n
		}
	}
	headers, err := handler.WorkersHeadersFile(names)
	if err != nil {
		return rep, err
	}
	return rep, os.WriteFile(filepath.Join(outDir, HeadersFileName), headers, 0o644)
}

// isVariant reports whether name is a .br/.gz sibling that precompress wrote for a file present.
func isVariant(fsys fs.FS, name string) bool {
	for _, suffix := range []string{precompress.BrotliSuffix, precompress.GzipSuffix} {
		if base, ok := strings.CutSuffix(name, suffix); ok && precompress.Compressible(base) {
			if fi, err := fs.Stat(fsys, base); err == nil && fi.Mode().IsRegular() {
				return true
			}
		}
	}
	return false
}

// copyFile copies one regular file, refusing files over MaxFileBytes.
func copyFile(src fs.FS, name, dst string) (int64, error) {
	in, err := src.Open(name)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return 0, err
	}
	if fi.Size() > MaxFileBytes {
		return 0, fmt.Errorf("%s: %d bytes, over Workers Static Assets' %d per file", name, fi.Size(), MaxFileBytes)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, err
	}
	out, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.LimitReader(in, MaxFileBytes+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > MaxFileBytes {
		err = fmt.Errorf("%s grew past %d bytes while copied", name, MaxFileBytes)
	}
	return n, err
}
