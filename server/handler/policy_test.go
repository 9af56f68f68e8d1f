// Unit tables for the pure decisions: content-hash rule, media types, Accept-Encoding parsing and
// request path → file name.
package handler

import (
	"net/http"
	"net/url"
	"testing"
)

func TestIsContentHashed(t *testing.T) {
	cases := []struct {
		name string
		want bool
	}{
		{"app.3f9a1c0d2b4e5f67.wasm", true},                                                  // 16 hex
		{"app.3f9a1c0d2b4e5f6.wasm", false},                                                  // 15 hex
		{"model/1167ca056060214260a500fa337a01eea2af0c9789be0233718e10fdd23b26cc.bin", true}, // sha256
		{"1167ca056060214260a500fa337a01ee", true},                                           // no extension
		{"3f9a1c0d2b4e5f67/index.html", false},                                               // hash in a folder, not the file
		{"app.3F9A1C0D2B4E5F67.wasm", false},                                                 // upper case is not our hash spelling
		{"index.html", false},
		{"manifest.json", false},
		{"model/manifest.json", false},
		{"deadbeefcafe-babe.js", false},    // runs broken by '-': 12 and 4
		{"2026-11-28-20261128.css", false}, // dates are digits but short runs
		{"wasm_exec.js", false},
	}
	for _, c := range cases {
		if got := IsContentHashed(c.name); got != c.want {
			t.Errorf("IsContentHashed(%q) = %v, want %v", c.name, got, c.want)
		}
		wantCache := CacheRevalidate
		if c.want {
			wantCache = CacheImmutable
		}
		if got := CacheControlFor(c.name); got != wantCache {
			t.Errorf("CacheControlFor(%q) = %q, want %q", c.name, got, wantCache)
		}
	}
}

func TestContentType(t *testing.T) {
	cases := map[string]string{
		"index.html":          "text/html; charset=utf-8",
		"a/b/app.abc.wasm":    "application/wasm",
		"loader.mjs":          "text/javascript; charset=utf-8",
		"wasm_exec.js":        "text/javascript; charset=utf-8",
		"model/manifest.json": "application/json",
		"style.CSS":           "text/css; charset=utf-8",
		"model/00ff":          "application/octet-stream",
		"x.unknownext":        "application/octet-stream",
		"photo.jpeg":          "image/jpeg",
	}
	for name, want := range cases {
		if got := ContentType(name); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestAcceptsEncoding(t *testing.T) {
	cases := []struct {
		header, coding string
		want           bool
	}{
		{"", "br", false},
		{"br", "br", true},
		{"gzip, deflate, br, zstd", "br", true},
		{"gzip, deflate, br, zstd", "gzip", true},
		{"GZIP", "gzip", true},
		{"br;q=0, gzip", "br", false},
		{"br;q=0, gzip", "gzip", true},
		{"br; q=0.000", "br", false},
		{"br;q=0.001", "br", true},
		{"gzip;q=1.0", "gzip", true},
		{"*", "br", true},
		{"*;q=0", "gzip", false},
		{"br;q=0, *", "br", false}, // listed beats "*"
		{"identity", "gzip", false},
		{"xbr", "br", false},
	}
	for _, c := range cases {
		if got := acceptsEncoding(c.header, c.coding); got != c.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v, want %v", c.header, c.coding, got, c.want)
		}
	}
}

func TestResolveName(t *testing.T) {
	cases := []struct {
		target     string // request-target as sent
		wantName   string
		wantStatus int
	}{
		{"/", "index.html", 0},
		{"/index.html", "index.html", 0},
		{"/docs/", "docs/index.html", 0},
		{"/docs", "docs", 0}, // a folder: the open finds no regular file → 404
		{"/model/ab.bin?x=1", "model/ab.bin", 0},
		{"/a%20b.txt", "a b.txt", 0},
		{"/../etc/passwd", "", http.StatusBadRequest},
		{"/a/../../etc/passwd", "", http.StatusBadRequest},
		{"/%2e%2e/etc/passwd", "", http.StatusBadRequest},
		{"/%2E%2E/%2e%2E/etc/passwd", "", http.StatusBadRequest},
		{"/./index.html", "", http.StatusBadRequest},
		{"/model/..%2f..%2fetc%2fpasswd", "", http.StatusBadRequest},
		{"/a%2Fb", "", http.StatusBadRequest},
		{"/..%5c..%5cetc%5cpasswd", "", http.StatusBadRequest},
		{`/..\..\etc\passwd`, "", http.StatusBadRequest},
		{"/index.html%00.png", "", http.StatusBadRequest},
		{"/a%0ab", "", http.StatusBadRequest},
		{"//etc/passwd", "", http.StatusBadRequest},
		{"/a//b", "", http.StatusBadRequest},
		{"/.hidden", "", http.StatusNotFound},
		{"/.git/config", "", http.StatusNotFound},
		{"/docs/.env", "", http.StatusNotFound},
	}
	for _, c := range cases {
		u, err := url.ParseRequestURI(c.target)
		if err != nil {
			t.Fatalf("ParseRequestURI(%q): %v", c.target, err)
		}
		name, status := resolveName(u)
		if name != c.wantName || status != c.wantStatus {
			t.Errorf("resolveName(%q) = %q, %d; want %q, %d", c.target, name, status, c.wantName, c.wantStatus)
		}
	}
}
