// The native server: the shared site checks, then what only the native side does or can be tested
// on (precompressed variants, Range, HEAD, symlinks out of the tree, 431, every method, the access
// log) over the testdist fixture in a temporary folder, served through os.Root like go run ./server.
package handler

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/graftml/graft/server/internal/testdist"
	"github.com/graftml/graft/server/precompress"
)

// secretText is written outside the served tree; no response may contain it.
const secretText = "TOP-SECRET outside dist"

// nativeSite is a running native server over a fresh fixture.
type nativeSite struct {
	base, dist string
	tree       testdist.Tree
	log        *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startNative writes the fixture (with .br/.gz variants, a secret outside the tree, links out of
// it and one link inside it) and serves it with NewServer's settings.
func startNative(t *testing.T) *nativeSite {
	t.Helper()
	tmp := t.TempDir()
	dist := filepath.Join(tmp, "dist")
	tree := testdist.New(testdist.Options{})
	must(t, tree.Write(dist))
	// Quality 5: the test checks selection, not ratio; 11 would cost seconds.
	_, err := precompress.Dir(dist, precompress.Options{BrotliQuality: 5})
	must(t, err)
	must(t, os.WriteFile(filepath.Join(tmp, "secret.txt"), []byte(secretText), 0o644))
	must(t, os.Mkdir(filepath.Join(tmp, "outside"), 0o755))
	must(t, os.WriteFile(filepath.Join(tmp, "outside", "secret.txt"), []byte(secretText), 0o644))
	must(t, os.Symlink("../secret.txt", filepath.Join(dist, "escape-relative.txt")))
	must(t, os.Symlink(filepath.Join(tmp, "secret.txt"), filepath.Join(dist, "escape-absolute.txt")))
	must(t, os.Symlink("../outside", filepath.Join(dist, "escape-dir")))
	must(t, os.Symlink("style.css", filepath.Join(dist, "inside-link.css")))

	root, err := os.OpenRoot(dist)
	must(t, err)
	t.Cleanup(func() { root.Close() })
	logBuf := &syncBuffer{}
	logger := log.New(logBuf, "", 0)
	h := New(root.FS(), Options{AccessLog: logger, ErrorLog: logger})
	ts := httptest.NewUnstartedServer(h)
	ts.Config = NewServer("", h, log.New(io.Discard, "", 0))
	ts.Start()
	t.Cleanup(ts.Close)
	return &nativeSite{base: ts.URL, dist: dist, tree: tree, log: logBuf}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestNativeSiteChecks(t *testing.T) {
	s := startNative(t)
	runSiteChecks(t, s.base, s.tree)
}

func TestNativeHostileRequests(t *testing.T) {
	s := startNative(t)
	host := hostOf(t, s.base)
	cases := []struct {
		requestLine string
		want        int
	}{
		{"GET /../../../../etc/passwd HTTP/1.1", 400},
		{"GET /%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1", 400},
		{"GET /%2E%2E/secret.txt HTTP/1.1", 400},
		{"GET /model/..%2f..%2fsecret.txt HTTP/1.1", 400},
		{"GET /..%2fsecret.txt HTTP/1.1", 400},
		{"GET /..%5csecret.txt HTTP/1.1", 400},
		{`GET /..\secret.txt HTTP/1.1`, 400},
		{`GET /docs\..\..\secret.txt HTTP/1.1`, 400},
		{"GET /index.html%00.png HTTP/1.1", 400},
		{"GET /secret.txt%00 HTTP/1.1", 400},
		{"GET //etc/passwd HTTP/1.1", 400},
		{"GET /etc/passwd HTTP/1.1", 404},                    // an absolute path is a path inside the tree
		{"GET http://" + host + "/etc/passwd HTTP/1.1", 404}, // absolute-form request-target
		{"GET http://" + host + "/../secret.txt HTTP/1.1", 400},
		{"GET /secret.txt HTTP/1.1", 404},
		{"GET /escape-relative.txt HTTP/1.1", 404},   // symlink to ../secret.txt
		{"GET /escape-absolute.txt HTTP/1.1", 404},   // symlink to /tmp/.../secret.txt
		{"GET /escape-dir/secret.txt HTTP/1.1", 404}, // symlinked folder outside
		{"GET /escape-dir/ HTTP/1.1", 404},
		{"GET /.hidden HTTP/1.1", 404},
		{"GET /model/ HTTP/1.1", 404}, // a folder without index.html: no listing
		{"GET /model HTTP/1.1", 404},
		{"GET /docs HTTP/1.1", 404},
		{"GET * HTTP/1.1", 400},
		{"POST / HTTP/1.1", 405},
		{"PUT /index.html HTTP/1.1", 405},
		{"DELETE /index.html HTTP/1.1", 405},
		{"PATCH /api/health HTTP/1.1", 405},
		{"OPTIONS * HTTP/1.1", 405},
		{"OPTIONS / HTTP/1.1", 405},
		{"TRACE / HTTP/1.1", 405},
		{"PROPFIND / HTTP/1.1", 405},
	}
	markers := append([]string{secretText}, leakMarkers...)
	for _, c := range cases {
		resp, body := rawRequest(t, host, c.requestLine, "Content-Length: 0")
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d", c.requestLine, resp.StatusCode, c.want)
		}
		if c.want == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: Allow %q, want \"GET, HEAD\"", c.requestLine, resp.Header.Get("Allow"))
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff on the error", c.requestLine)
		}
		wantNoLeak(t, c.requestLine, body, markers)
	}
}

func TestNativeHugeHeaders(t *testing.T) {
	s := startNative(t)
	for _, size := range []int{MaxHeaderBytes + 8<<10, 1 << 20} {
		resp, body := rawRequest(t, hostOf(t, s.base), "GET / HTTP/1.1", "X-Big: "+strings.Repeat("a", size))
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%d-byte header: status %d, want 431", size, resp.StatusCode)
		}
		wantNoLeak(t, "huge header", body, []string{"<html"})
	}
	// Just under the limit still works.
	resp, _ := rawRequest(t, hostOf(t, s.base), "GET / HTTP/1.1", "X-Big: "+strings.Repeat("a", MaxHeaderBytes/2))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%d-byte header: status %d, want 200", MaxHeaderBytes/2, resp.StatusCode)
	}
}

func TestNativeSymlinkInsideTree(t *testing.T) {
	s := startNative(t)
	resp, body := get(t, s.base+"/inside-link.css", nil)
	wantStatus(t, resp, http.StatusOK)
	wantMediaType(t, resp, "text/css")
	if !bytes.Equal(body, s.tree.Files["style.css"]) {
		t.Errorf("inside-link.css: body is not style.css")
	}
}

func TestNativePrecompressed(t *testing.T) {
	s := startNative(t)
	names := []string{s.tree.Index, s.tree.Wasm, s.tree.Module, "style.css"}
	for _, name := range names {
		orig := s.tree.Files[name]
		etags := map[string]string{}
		for _, c := range []struct{ accept, wantEncoding string }{
			{"", ""},
			{"identity", ""},
			{"gzip", "gzip"},
			{"br", "br"},
			{"gzip, deflate, br, zstd", "br"},
			{"br;q=0, gzip", "gzip"},
			{"br;q=0, gzip;q=0", ""},
		} {
			hdr := http.Header{}
			if c.accept != "" {
				hdr.Set("Accept-Encoding", c.accept)
			}
			resp, body := get(t, s.base+"/"+name, hdr)
			wantStatus(t, resp, http.StatusOK)
			wantHeader(t, resp, "Content-Encoding", c.wantEncoding)
			wantHeader(t, resp, "Vary", "Accept-Encoding")
			wantMediaType(t, resp, strings.SplitN(ContentType(name), ";", 2)[0])
			got := decode(t, c.wantEncoding, body)
			if !bytes.Equal(got, orig) {
				t.Errorf("%s with Accept-Encoding %q: decoded body differs from the file", name, c.accept)
			}
			if prev, ok := etags[c.wantEncoding]; ok && prev != resp.Header.Get("ETag") {
				t.Errorf("%s: ETag of one encoding changed between requests", name)
			}
			etags[c.wantEncoding] = resp.Header.Get("ETag")
		}
		if etags[""] == etags["br"] || etags[""] == etags["gzip"] || etags["br"] == etags["gzip"] {
			t.Errorf("%s: encodings share an ETag: %v", name, etags)
		}
	}
	// Chunks are not precompressed (random bytes do not shrink).
	resp, _ := get(t, s.base+"/"+s.tree.Chunks[0], http.Header{"Accept-Encoding": {"br, gzip"}})
	wantHeader(t, resp, "Content-Encoding", "")
}

func decode(t *testing.T, encoding string, body []byte) []byte {
	t.Helper()
	var r io.Reader
	switch encoding {
	case "":
		return body
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		must(t, err)
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", encoding, err)
	}
	return b
}

func TestNativeRangeAndHead(t *testing.T) {
	s := startNative(t)
	chunk := s.tree.Chunks[1]
	data := s.tree.Files[chunk]
	resp, body := get(t, s.base+"/"+chunk, http.Header{"Range": {"bytes=10-19"}})
	wantStatus(t, resp, http.StatusPartialContent)
	if !bytes.Equal(body, data[10:20]) {
		t.Errorf("Range 10-19: got %x, want %x", body, data[10:20])
	}
	wantHeader(t, resp, "Cache-Control", CacheImmutable)
	resp, body = get(t, s.base+"/"+chunk, http.Header{"Range": {"bytes=-5"}})
	wantStatus(t, resp, http.StatusPartialContent)
	if !bytes.Equal(body, data[len(data)-5:]) {
		t.Errorf("Range -5: got %x, want %x", body, data[len(data)-5:])
	}
	resp, _ = get(t, s.base+"/"+chunk, http.Header{"Range": {"bytes=999999-"}})
	wantStatus(t, resp, http.StatusRequestedRangeNotSatisfiable)

	req, _ := http.NewRequest(http.MethodHead, s.base+"/"+s.tree.Wasm, nil)
	hresp, err := client.Do(req)
	must(t, err)
	hbody, _ := io.ReadAll(hresp.Body)
	hresp.Body.Close()
	wantStatus(t, hresp, http.StatusOK)
	wantMediaType(t, hresp, "application/wasm")
	if len(hbody) != 0 || hresp.ContentLength != int64(len(s.tree.Files[s.tree.Wasm])) {
		t.Errorf("HEAD: body %d bytes, Content-Length %d; want 0 and %d", len(hbody), hresp.ContentLength, len(s.tree.Files[s.tree.Wasm]))
	}
}

func TestNativeVersionWithoutModel(t *testing.T) {
	s := startNative(t)
	must(t, os.Remove(filepath.Join(s.dist, filepath.FromSlash(ModelManifestFile))))
	_, body := get(t, s.base+"/api/version", nil)
	var v map[string]any
	must(t, json.Unmarshal(body, &v))
	if v["model"] != nil || v["build"] != s.tree.Build {
		t.Errorf("/api/version without a manifest = %s, want model null and build %q", body, s.tree.Build)
	}
	must(t, os.WriteFile(filepath.Join(s.dist, filepath.FromSlash(ModelManifestFile)), []byte("{not json"), 0o644))
	resp, _ := get(t, s.base+"/api/version", nil)
	wantStatus(t, resp, http.StatusInternalServerError)
	resp, _ = get(t, s.base+"/api/nope", nil)
	wantStatus(t, resp, http.StatusNotFound)
}

func TestNativeAccessLog(t *testing.T) {
	s := startNative(t)
	get(t, s.base+"/", nil)
	rawRequest(t, hostOf(t, s.base), "GET /a%0aforged HTTP/1.1")
	// A line is written after its response went out: wait for both (in either order).
	var lines []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if lines = strings.Split(strings.TrimSpace(s.log.String()), "\n"); len(lines) >= 2 {
			break
		}
	}
	if len(lines) != 2 {
		t.Fatalf("access log has %d lines, want 2:\n%s", len(lines), s.log.String())
	}
	for _, want := range []string{`GET "/" 200 `, `GET "/a%0aforged" 400 `} {
		if !strings.Contains(lines[0], want) && !strings.Contains(lines[1], want) {
			t.Errorf("access log has no line with %q:\n%s", want, s.log.String())
		}
	}
}
