// The real server for the browser test: server/handler.New over the built dist/, on 127.0.0.1,
// behind a recorder that logs every request (path, status, bytes sent, encoding) and can inject
// faults into the model's chunk requests: a 503 once, a corrupt body once, a gate that holds
// chunk requests so a photo can be dropped while the model is still downloading, and a delay
// on every chunk (a slow link).
package e2e

import (
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graftml/graft/server/handler"
)

// served is one request as the recorder saw it.
type served struct {
	Method    string
	BodyBytes int64 // request body bytes (Content-Length; -1 unknown)
	Path      string
	Status    int
	Bytes     int64 // body bytes written (compressed when Encoding is set)
	Encoding  string
}

// recorder wraps the site handler.
type recorder struct {
	next http.Handler
	dist string
	stop func() // closes the listener and every connection: the browser is offline

	mu        sync.Mutex
	log       []served
	fail503   map[string]bool // chunk file → answer 503 once
	corrupt   map[string]bool // chunk file → send a corrupt body once
	gate      chan struct{}   // when set, chunk requests beyond gateFree wait for it to close
	gateFree  int
	chunkReqs int
	delay     time.Duration // each chunk request waits this long first (a slow link)
	lastChunk time.Time     // when the last chunk response so far was fully written
}

// startServer serves dist on 127.0.0.1 and returns its base URL; rec.stop takes it down.
func startServer(t *testing.T, dist string) (*recorder, string) {
	t.Helper()
	root, err := os.OpenRoot(dist)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	rec := &recorder{next: handler.New(root.FS(), handler.Options{}), dist: dist,
		fail503: map[string]bool{}, corrupt: map[string]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rec}
	go srv.Serve(ln)
	rec.stop = func() { srv.Close() }
	t.Cleanup(rec.stop)
	return rec, "http://" + ln.Addr().String() + "/"
}

// isChunk reports whether a URL path is a model chunk.
func isChunk(p string) bool { return strings.HasPrefix(p, "/model/") && strings.HasSuffix(p, ".bin") }

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	p := req.URL.Path
	file := path.Base(p)
	var gate chan struct{}
	r.mu.Lock()
	if isChunk(p) {
		r.chunkReqs++
		if r.gate != nil && r.chunkReqs > r.gateFree {
			gate = r.gate
		}
	}
	fail := isChunk(p) && r.fail503[file]
	corrupt := !fail && isChunk(p) && r.corrupt[file]
	delete(r.fail503, file)
	if corrupt {
		delete(r.corrupt, file)
	}
	delay := r.delay
	r.mu.Unlock()
	if isChunk(p) && delay > 0 {
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
			return
		}
	}
	if gate != nil {
		select {
		case <-gate:
		case <-req.Context().Done():
			return
		}
	}
	cw := &countingWriter{ResponseWriter: w, status: http.StatusOK}
	switch {
	case fail:
		http.Error(cw, "injected failure", http.StatusServiceUnavailable)
	case corrupt:
		data, err := os.ReadFile(filepath.Join(r.dist, "model", file))
		if err != nil {
			http.Error(cw, err.Error(), http.StatusInternalServerError)
			break
		}
		data[len(data)/2] ^= 0x5a
		cw.Header().Set("Content-Type", "application/octet-stream")
		cw.Write(data)
	default:
		r.next.ServeHTTP(cw, req)
	}
	r.mu.Lock()
	if isChunk(p) && cw.status == http.StatusOK {
		r.lastChunk = time.Now()
	}
	r.log = append(r.log, served{Method: req.Method, BodyBytes: req.ContentLength, Path: p, Status: cw.status, Bytes: cw.n, Encoding: cw.Header().Get("Content-Encoding")})
	r.mu.Unlock()
}

// take returns the requests logged since the last take and clears the log.
func (r *recorder) take() []served {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.log
	r.log = nil
	return out
}

// holdChunks makes chunk requests after the next free ones wait until release is called.
func (r *recorder) holdChunks(free int) (release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gate, r.gateFree, r.chunkReqs = make(chan struct{}), free, 0
	g := r.gate
	var once sync.Once
	return func() {
		once.Do(func() {
			close(g)
			r.mu.Lock()
			r.gate = nil
			r.mu.Unlock()
		})
	}
}

type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *countingWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}
