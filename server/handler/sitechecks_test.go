// The checks that both deployments must pass — the native server (native_test.go, always) and the
// Worker under wrangler dev (worker_test.go, when GRAFT_WORKER_URL is set) — over the testdist
// fixture: the page, a wasm file's media type, a chunk's caching, COOP/COEP, the API, and
// traversal attempts. They talk HTTP to a base URL and know nothing of the server behind it.
package handler

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/graftml/graft/server/internal/testdist"
)

// siteCheck is one check against a running deployment at base (e.g. "http://127.0.0.1:8787").
type siteCheck struct {
	name string
	run  func(t *testing.T, base string, tree testdist.Tree)
}

// leakMarkers must never appear in a response body: /etc/passwd's first line, and the fixture's
// hidden file. Tests with a secret outside the tree add its content.
var leakMarkers = []string{"root:x:0:0", "a hidden file that must never be served"}

// traversalTargets are request-targets, sent byte for byte, that try to leave the tree.
var traversalTargets = []string{
	"/../../../../etc/passwd",
	"/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
	"/model/..%2f..%2f..%2fetc%2fpasswd",
	"/..%5c..%5c..%5cetc%5cpasswd",
	`/..\..\..\etc\passwd`,
	"/etc/passwd%00.html",
	"//etc/passwd",
	"/.hidden",
}

var siteChecks = []siteCheck{
	{"index", func(t *testing.T, base string, tree testdist.Tree) {
		resp, body := get(t, base+"/", nil)
		wantStatus(t, resp, http.StatusOK)
		wantMediaType(t, resp, "text/html")
		wantHeader(t, resp, "Cache-Control", CacheRevalidate)
		wantSecurityHeaders(t, resp)
		if resp.Header.Get("ETag") == "" {
			t.Errorf("/: no ETag")
		}
		if !bytes.Equal(body, tree.Files[tree.Index]) {
			t.Errorf("/: body is not %s (%d bytes, want %d)", tree.Index, len(body), len(tree.Files[tree.Index]))
		}
	}},
	{"wasm media type", func(t *testing.T, base string, tree testdist.Tree) {
		resp, body := get(t, base+"/"+tree.Wasm, nil)
		wantStatus(t, resp, http.StatusOK)
		wantMediaType(t, resp, "application/wasm")
		wantHeader(t, resp, "Cache-Control", CacheImmutable)
		wantSecurityHeaders(t, resp)
		if !bytes.Equal(body, tree.Files[tree.Wasm]) {
			t.Errorf("%s: body differs from the file", tree.Wasm)
		}
	}},
	{"module media type", func(t *testing.T, base string, tree testdist.Tree) {
		resp, _ := get(t, base+"/"+tree.Module, nil)
		wantStatus(t, resp, http.StatusOK)
		wantMediaType(t, resp, "text/javascript")
		wantHeader(t, resp, "Cache-Control", CacheRevalidate)
	}},
	{"chunk caching", func(t *testing.T, base string, tree testdist.Tree) {
		chunk := tree.Chunks[0]
		resp, body := get(t, base+"/"+chunk, nil)
		wantStatus(t, resp, http.StatusOK)
		wantHeader(t, resp, "Cache-Control", CacheImmutable)
		wantMediaType(t, resp, "application/octet-stream")
		wantSecurityHeaders(t, resp)
		if !bytes.Equal(body, tree.Files[chunk]) {
			t.Errorf("%s: body differs from the file", chunk)
		}
	}},
	{"manifest revalidates", func(t *testing.T, base string, tree testdist.Tree) {
		resp, _ := get(t, base+"/"+tree.Manifest, nil)
		wantStatus(t, resp, http.StatusOK)
		wantMediaType(t, resp, "application/json")
		wantHeader(t, resp, "Cache-Control", CacheRevalidate)
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("%s: no ETag", tree.Manifest)
		}
		resp, body := get(t, base+"/"+tree.Manifest, http.Header{"If-None-Match": {etag}})
		wantStatus(t, resp, http.StatusNotModified)
		if len(body) != 0 {
			t.Errorf("304 with a %d-byte body", len(body))
		}
	}},
	{"health", func(t *testing.T, base string, tree testdist.Tree) {
		resp, body := get(t, base+"/api/health", nil)
		wantStatus(t, resp, http.StatusOK)
		wantMediaType(t, resp, "application/json")
		wantHeader(t, resp, "Cache-Control", CacheNone)
		wantSecurityHeaders(t, resp)
		var v struct{ Status string }
		if err := json.Unmarshal(body, &v); err != nil || v.Status != "ok" {
			t.Errorf("/api/health body %q (err %v), want status ok", body, err)
		}
	}},
	{"version", func(t *testing.T, base string, tree testdist.Tree) {
		resp, body := get(t, base+"/api/version", nil)
		wantStatus(t, resp, http.StatusOK)
		var v Version
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("/api/version body %q: %v", body, err)
		}
		if v.Build == nil || *v.Build != tree.Build || v.Model == nil || *v.Model != tree.ModelID {
			t.Errorf("/api/version = %s, want build %q and model %q", body, tree.Build, tree.ModelID)
		}
	}},
	{"missing file", func(t *testing.T, base string, tree testdist.Tree) {
		resp, _ := get(t, base+"/no-such-file.js", nil)
		wantStatus(t, resp, http.StatusNotFound)
		wantSecurityHeaders(t, resp)
	}},
	{"method not allowed", func(t *testing.T, base string, tree testdist.Tree) {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/health", strings.NewReader("{}"))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		wantStatus(t, resp, http.StatusMethodNotAllowed)
		wantHeader(t, resp, "Allow", "GET, HEAD")
	}},
	{"traversal", func(t *testing.T, base string, tree testdist.Tree) {
		for _, target := range traversalTargets {
			resp, body := rawRequest(t, hostOf(t, base), "GET "+target+" HTTP/1.1")
			if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 400 or 404", target, resp.StatusCode)
			}
			wantNoLeak(t, target, body, leakMarkers)
		}
	}},
}

// client neither follows redirects nor decompresses, so the checks see the wire.
var client = &http.Client{
	Timeout:       30 * time.Second,
	Transport:     &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func get(t *testing.T, u string, hdr http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", u, err)
	}
	return resp, body
}

// rawRequest sends requestLine and headers exactly as given (no URL cleaning by a client library)
// and reads one response.
func rawRequest(t *testing.T, hostport, requestLine string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", hostport, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	msg := requestLine + "\r\nHost: " + hostport + "\r\nConnection: close\r\n"
	for _, h := range headers {
		msg += h + "\r\n"
	}
	if _, err := io.WriteString(conn, msg+"\r\n"); err != nil {
		t.Fatal(err)
	}
	method, rest, _ := strings.Cut(requestLine, " ")
	target, _, _ := strings.Cut(rest, " ")
	req := &http.Request{Method: method, URL: &url.URL{Opaque: target}}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("%q: reading response: %v", requestLine, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body
}

func hostOf(t *testing.T, base string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// what names the request a response answers, for messages.
func what(resp *http.Response) string {
	if resp.Request == nil || resp.Request.URL == nil {
		return "response"
	}
	return resp.Request.Method + " " + resp.Request.URL.RequestURI()
}

func wantStatus(t *testing.T, resp *http.Response, code int) {
	t.Helper()
	if resp.StatusCode != code {
		t.Errorf("%s: status %d, want %d", what(resp), resp.StatusCode, code)
	}
}

func wantHeader(t *testing.T, resp *http.Response, name, want string) {
	t.Helper()
	if got := resp.Header.Get(name); got != want {
		t.Errorf("%s: %s = %q, want %q", what(resp), name, got, want)
	}
}

func wantMediaType(t *testing.T, resp *http.Response, want string) {
	t.Helper()
	got, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || got != want {
		t.Errorf("%s: Content-Type %q, want media type %s", what(resp), resp.Header.Get("Content-Type"), want)
	}
}

func wantSecurityHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	for _, h := range SecurityHeaders {
		wantHeader(t, resp, h.Name, h.Value)
	}
}

func wantNoLeak(t *testing.T, what string, body []byte, markers []string) {
	t.Helper()
	for _, m := range markers {
		if bytes.Contains(body, []byte(m)) {
			t.Errorf("%s: response body leaks %q", what, m)
		}
	}
}

// runSiteChecks runs every check as a subtest.
func runSiteChecks(t *testing.T, base string, tree testdist.Tree) {
	for _, c := range siteChecks {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) { c.run(t, base, tree) })
	}
}
