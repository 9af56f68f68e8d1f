// Package handler is Graft's one http.Handler: the built app (dist/) as static files plus the small
// API, with the same headers everywhere. The native server (go run ./server) and the Cloudflare
// Worker (server/worker) both serve New(...); only the fs.FS underneath differs (a directory opened
// with os.OpenRoot natively, the Workers Static Assets binding in the Worker).
//
// Routes: GET/HEAD only (anything else → 405 with Allow), but for POST /api/classify.
//
//	/api/classify POST a photo: ImageNet top-K and the baked-in head's answer (classify.go)
//	/api/stats    {"sys_bytes", "heap_inuse_bytes", …}: the process's memory (app.ReadMemStats)
//	/api/health   {"status":"ok"}
//	/api/version  {"build": <dist/build.json "build"> | null, "model": <dist/model/manifest.json "model.id"> | null}
//	/api/*        404
//	/…/           its index.html
//	/…            the file, or a precompressed .br/.gz sibling when Accept-Encoding allows
package handler

import (
	"errors"
	"io/fs"
	"log"
	"net/http"
	"strings"

	"github.com/graftml/graft/app"
)

// Options configures New.
type Options struct {
	// AccessLog receives one line per request; nil means none.
	AccessLog *log.Logger
	// ErrorLog receives faults worth an operator's eye (unreadable files, bad manifest); nil means none.
	ErrorLog *log.Logger
	// Serve configures the classify service /api/classify loads from fsys on first use.
	Serve app.ServeConfig
	// Service, when not nil, is that service already loaded (the native server loads it at start).
	Service *app.Service
}

// New returns the handler serving the file tree fsys (the contents of dist/). Symlink and path
// safety is the job of fsys: natively pass os.Root.FS(), which refuses links out of the tree.
func New(fsys fs.FS, opts Options) http.Handler {
	h := &siteHandler{fsys: fsys, errorLog: opts.ErrorLog, etags: newEtagCache(),
		classify: &lazyService{cfg: opts.Serve, svc: opts.Service}}
	if opts.AccessLog != nil {
		return withAccessLog(opts.AccessLog, h)
	}
	return h
}

type siteHandler struct {
	fsys     fs.FS
	errorLog *log.Logger
	etags    *etagCache
	classify *lazyService
}

func (h *siteHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	if r.URL.Path == classifyPath {
		h.serveClassify(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		h.serveAPI(w, r)
		return
	}
	name, status := resolveName(r.URL)
	if status != 0 {
		writeError(w, status)
		return
	}
	h.serveFile(w, r, name)
}

// writeError answers with a short plain-text status line; headers a file response may have set
// already (ETag, Content-Encoding) are dropped.
func writeError(w http.ResponseWriter, code int) {
	hdr := w.Header()
	for _, k := range []string{"ETag", "Content-Encoding", "Last-Modified", "Vary"} {
		hdr.Del(k)
	}
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("Cache-Control", CacheNone)
	w.WriteHeader(code)
	w.Write([]byte(http.StatusText(code) + "\n"))
}

func (h *siteHandler) logf(format string, args ...any) {
	if h.errorLog != nil {
		h.errorLog.Printf(format, args...)
	}
}

// logOpenError logs failures other than plain absence (permission, a link out of the tree).
func (h *siteHandler) logOpenError(name string, err error) {
	if !errors.Is(err, fs.ErrNotExist) {
		h.logf("open %s: %v", name, err)
	}
}
