// Static files: request path → file name inside the served tree, precompressed variant chosen by
// Accept-Encoding, strong ETag, then http.ServeContent for conditional requests (If-None-Match → 304,
// RFC 9110 §13) and byte ranges (RFC 9110 §14).
package handler

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Precompressed variants sit beside the file they encode ("app.wasm" → "app.wasm.br"); the build
// writes them (package precompress). Server preference, best first: brotli then gzip.
var variants = []struct{ Encoding, Suffix string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// maxUnseekableBytes bounds the copy made of a file whose fs.File cannot seek (http.ServeContent
// needs io.ReadSeeker). Workers Static Assets caps a file at 25 MiB; so do we.
const maxUnseekableBytes = 25 << 20

// resolveName maps a request URL to a file name inside the served tree, or returns the HTTP status
// that refuses it. Names follow io/fs rules (slash-separated, unrooted, no "." or ".." or empty
// elements). Refused with 400: encoded slashes, backslashes or NULs (%2f, %5c, %00), raw
// backslashes, control bytes, dot segments and empty segments, whatever their encoding. Refused
// with 404: hidden names (an element starting with "."). A path ending in "/" means its index.html;
// there are no directory listings.
func resolveName(u *url.URL) (name string, status int) {
	escaped := strings.ToLower(u.EscapedPath())
	for _, bad := range []string{"%2f", "%5c", "%00"} {
		if strings.Contains(escaped, bad) {
			return "", http.StatusBadRequest
		}
	}
	p := u.Path
	if !strings.HasPrefix(p, "/") {
		return "", http.StatusBadRequest
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "", http.StatusBadRequest
		}
	}
	name = p[1:]
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	if !fs.ValidPath(name) {
		return "", http.StatusBadRequest
	}
	for _, elem := range strings.Split(name, "/") {
		if strings.HasPrefix(elem, ".") {
			return "", http.StatusNotFound
		}
	}
	return name, 0
}

// acceptsEncoding reports whether an Accept-Encoding header value admits coding (RFC 9110 §12.5.3):
// listed with q > 0, or covered by "*" with q > 0 and not listed.
func acceptsEncoding(header, coding string) bool {
	star := false
	for _, item := range strings.Split(header, ",") {
		tok, params, _ := strings.Cut(strings.TrimSpace(item), ";")
		tok = strings.ToLower(strings.TrimSpace(tok))
		ok := qValuePositive(params)
		switch tok {
		case coding:
			return ok
		case "*":
			star = ok
		}
	}
	return star
}

// qValuePositive reads the q parameter of one Accept-Encoding element; absent means 1.
func qValuePositive(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			v = strings.TrimSpace(v)
			return strings.Trim(v, "0.") != "" // "0", "0.0", "0.000" → false
		}
	}
	return true
}

// serveFile answers a GET or HEAD for the file name (already resolved) from fsys.
func (h *siteHandler) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	base, baseInfo, err := openRegular(h.fsys, name)
	if err != nil {
		h.logOpenError(name, err)
		writeError(w, http.StatusNotFound)
		return
	}
	served, info, encoding := base, baseInfo, ""
	accept := r.Header.Get("Accept-Encoding")
	for _, v := range variants {
		if !acceptsEncoding(accept, v.Encoding) {
			continue
		}
		if f, fi, err := openRegular(h.fsys, name+v.Suffix); err == nil {
			base.Close()
			served, info, encoding = f, fi, v.Encoding
			break
		}
	}
	defer served.Close()

	content, err := readSeeker(served, info.Size())
	if err != nil {
		h.logf("serve %s: %v", name, err)
		writeError(w, http.StatusInternalServerError)
		return
	}
	etag, err := h.etags.get(name+"|"+encoding, info, content)
	if err != nil {
		h.logf("serve %s: %v", name, err)
		writeError(w, http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", ContentType(name))
	hdr.Set("Cache-Control", CacheControlFor(name))
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("ETag", etag)
	if encoding != "" {
		hdr.Set("Content-Encoding", encoding)
	}
	http.ServeContent(w, r, "", info.ModTime(), content)
}

// openRegular opens name and insists on a regular file (directories are not listed).
func openRegular(fsys fs.FS, name string) (fs.File, fs.FileInfo, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s: not a regular file: %w", name, fs.ErrNotExist)
	}
	return f, fi, nil
}

// readSeeker returns f itself when it can seek, else a bounded in-memory copy.
func readSeeker(f fs.File, size int64) (io.ReadSeeker, error) {
	if rs, ok := f.(io.ReadSeeker); ok {
		return rs, nil
	}
	if size > maxUnseekableBytes {
		return nil, fmt.Errorf("file of %d bytes cannot seek and is over %d bytes", size, maxUnseekableBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxUnseekableBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxUnseekableBytes {
		return nil, fmt.Errorf("file grew past %d bytes while read", maxUnseekableBytes)
	}
	return bytes.NewReader(b), nil
}

// etagCache remembers each file's strong ETag (a sha256 prefix of its bytes) by name, size and
// modification time, so a file is hashed once, not on every request. Files without a modification
// time are hashed every time. The cache is dropped whole when it reaches maxEtagEntries (a dist/
// rebuilt many times under a long-running server), which bounds its memory.
type etagCache struct {
	mu sync.Mutex
	m  map[etagKey]string
}

type etagKey struct {
	name    string
	size    int64
	modNano int64
}

const maxEtagEntries = 1 << 14

func newEtagCache() *etagCache { return &etagCache{m: make(map[etagKey]string)} }

// get returns the ETag for content (left at offset 0) described by info.
func (c *etagCache) get(name string, info fs.FileInfo, content io.ReadSeeker) (string, error) {
	cacheable := !info.ModTime().IsZero()
	key := etagKey{name, info.Size(), info.ModTime().UnixNano()}
	if cacheable {
		c.mu.Lock()
		tag, ok := c.m[key]
		c.mu.Unlock()
		if ok {
			return tag, nil
		}
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, content); err != nil {
		return "", err
	}
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	tag := `"` + hex.EncodeToString(sum.Sum(nil)[:16]) + `"`
	if cacheable {
		c.mu.Lock()
		if len(c.m) >= maxEtagEntries {
			clear(c.m)
		}
		c.m[key] = tag
		c.mu.Unlock()
	}
	return tag, nil
}
