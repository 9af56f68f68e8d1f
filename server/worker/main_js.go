//go:build js && wasm

// Command worker is Graft's Cloudflare Worker: the same handler.New as the native server
// (go run ./server), served by one Go instance per isolate (serve_js.go, worker.mjs), over a file tree read through the
// Workers Static Assets binding ASSETS. Cloudflare serves existing static files itself (with the
// `_headers` file that server/cmd/builddist writes); this code answers /api/* (wrangler.jsonc:
// run_worker_first) and every path that matched no asset, with the same headers as natively.
// /api/classify loads the model from the binding on its first request and keeps it for the
// isolate's life (app.Service). Build: ./build.sh worker. Native twin: main_other.go.
package main

import (
	"log"
	"net/http"
	"os"
	"runtime/debug"

	"github.com/graftml/graft/app"

	"github.com/graftml/graft/server/handler"
)

// gcPercent is Go's GC target in the Worker (GOGC).
const gcPercent = 25

// maxDecodedBytes is the decoded-photo budget in the Worker (app.ServeConfig.MaxDecodedBytes):
// a 12 Mpx phone JPEG (4032×3024, ~67 MiB by app's estimate, with the copy an EXIF rotation
// makes) fits; larger photos are refused as 422 before decoding.
const maxDecodedBytes = 72 << 20

func main() {
	// No access log: Cloudflare logs every request itself (wrangler dev prints them; wrangler tail).
	// Errors go to console.log.
	errorLog := log.New(os.Stdout, "", 0)
	// The isolate has 128 MB for everything: collect garbage early (Go's wasm memory never
	// shrinks, so the heap's high-water mark is what counts) and take smaller photos than natively.
	debug.SetGCPercent(gcPercent)
	h := handler.New(newAssetsFS(), handler.Options{ErrorLog: errorLog,
		Serve: app.ServeConfig{MaxDecodedBytes: maxDecodedBytes, MaxConcurrent: 1}})
	serve(headAsGet(h))
}

// headAsGet serves HEAD as GET and lets the Workers runtime drop the body. Left as HEAD,
// http.ServeContent declares a Content-Length and writes nothing, which the runtime rejects
// ("FixedLengthStream did not see all expected bytes"); natively, net/http drops the body itself.
func headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			r = r.Clone(r.Context())
			r.Method = http.MethodGet
		}
		next.ServeHTTP(w, r)
	})
}
