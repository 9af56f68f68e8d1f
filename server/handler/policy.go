// Response policy shared by the native server, the Worker and the Workers Static Assets `_headers`
// file: security headers, media types and the caching rule. One list, so the three cannot drift.
//
// Sources: COOP/COEP/CORP — HTML Living Standard §7.1.3 and Fetch §3.8 (cross-origin isolation);
// CSP Level 3 ('wasm-unsafe-eval' lets WebAssembly.compile/instantiate run without allowing JS
// eval); Cache-Control — RFC 9111 and RFC 8246 (immutable); media types — IANA
// (application/wasm: WebAssembly Web API, "Media type").
package handler

import (
	"net/http"
	"path"
	"strings"
)

// ContentSecurityPolicy allows what the app needs and nothing looser: its own scripts and modules,
// compiling WebAssembly ('wasm-unsafe-eval', not 'unsafe-eval'), Web Workers from its own origin,
// fetches to its own origin (weights, wasm), and images from its own origin, blob: and data: URLs
// (the user's photos are shown through object URLs). No inline script or style.
const ContentSecurityPolicy = "default-src 'none'; " +
	"script-src 'self' 'wasm-unsafe-eval'; " +
	"worker-src 'self'; " +
	"connect-src 'self'; " +
	"img-src 'self' blob: data:; " +
	"style-src 'self'; " +
	"font-src 'self'; " +
	"manifest-src 'self'; " +
	"base-uri 'none'; " +
	"form-action 'none'; " +
	"frame-ancestors 'none'"

// SecurityHeaders go on every response, static or dynamic, success or error.
var SecurityHeaders = []Header{
	// Cross-origin isolation: lets the app use SharedArrayBuffer, full-resolution timers and
	// performance.measureUserAgentSpecificMemory (the memory budget is measured in the browser).
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Embedder-Policy", "require-corp"},
	// Our files are for our pages only.
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{"Content-Security-Policy", ContentSecurityPolicy},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
}

// Header is one response header line.
type Header struct{ Name, Value string }

// Cache-Control values. Content-hashed files never change under their name; everything else is
// revalidated on each use with its ETag (a 304 costs a round trip, not the bytes).
const (
	CacheImmutable  = "public, max-age=31536000, immutable"
	CacheRevalidate = "no-cache"
	CacheNone       = "no-store" // API answers and errors
)

// minHashHexDigits is how long a run of lowercase hex digits in a file name must be for the name to
// count as content-addressed. 16 hex digits = 64 bits of a hash: no English word or date is that long
// in [0-9a-f], so ordinary names never match by accident. weights/FORMAT.md relies on the same rule.
const minHashHexDigits = 16

// IsContentHashed reports whether the file at slash-separated path name is content-addressed: its
// base name holds a run of at least 16 lowercase hex digits (e.g. "app.3f9a1c0d2b4e5f67.wasm" or a
// weights chunk named by its sha256). Such files get CacheImmutable; the build must give a file a
// new name whenever its bytes change.
func IsContentHashed(name string) bool {
	run := 0
	for _, c := range []byte(path.Base(name)) {
		if ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') {
			run++
			if run >= minHashHexDigits {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// CacheControlFor returns the Cache-Control value for a static file.
func CacheControlFor(name string) string {
	if IsContentHashed(name) {
		return CacheImmutable
	}
	return CacheRevalidate
}

// mediaTypes is the whole table of types we serve, by extension. It is fixed here rather than taken
// from mime.TypeByExtension, whose answers depend on the host's /etc/mime.types.
var mediaTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".wasm":        "application/wasm",
	".txt":         "text/plain; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".webp":        "image/webp",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".bin":         "application/octet-stream",
}

// ContentType returns the media type for a file name; unknown extensions (and none, as for weights
// chunks) are application/octet-stream, which nosniff keeps from being guessed at.
func ContentType(name string) string {
	if t, ok := mediaTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}

// setSecurityHeaders writes SecurityHeaders into h.
func setSecurityHeaders(h http.Header) {
	for _, sh := range SecurityHeaders {
		h.Set(sh.Name, sh.Value)
	}
}
