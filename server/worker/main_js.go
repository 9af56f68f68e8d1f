//go:build js && wasm

// Command worker is Graft's Cloudflare Worker: the same handler.New as the native server
// (go run ./server), served through github.com/syumai/workers, over a file tree read through the
// Workers Static Assets binding ASSETS. Cloudflare serves existing static files itself (with the
// `_headers` file that server/cmd/builddist writes); this code answers /api/* (wrangler.jsonc:
// run_worker_first) and every path that matched no asset, with the same headers as natively.
// Build: ./build.sh worker. Native twin: main_other.go.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/graftml/graft/server/handler"
	"github.com/syumai/workers"
)

func main() {
	// No access log: Cloudflare logs every request itself (wrangler dev prints them; wrangler tail).
	// Errors go to console.log.
	errorLog := log.New(os.Stdout, "", 0)
	h := handler.New(newAssetsFS(), handler.Options{ErrorLog: errorLog})
	workers.Serve(headAsGet(h))
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
