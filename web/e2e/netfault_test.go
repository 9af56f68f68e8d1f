// Network faults while the weights stream, in the browser: a loopback server in front of the
// real handler corrupts a chunk's bytes, cuts a body half-way and goes silent in the middle of
// another. The page fetches a corrupt chunk again (3 tries), continues the cut body with a Range
// request, says "The server stopped sending …" when nothing arrives and retries; the model loads
// and classifies. With a chunk corrupt on every try and another that never finishes, the page
// names both in its error and offers Retry, which loads the rest once the server is well.
package e2e

import (
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/graftml/graft/server/handler"
)

// faultyServer serves dist through the real handler, with scripted faults on chunk requests.
type faultyServer struct {
	next http.Handler
	dist string
	quit chan struct{} // closed at the end: stalled answers return

	mu      sync.Mutex
	corrupt map[string]int // chunk file → answers with one byte changed
	cut     map[string]int // chunk file → answers that send half the body, then drop the connection
	stall   map[string]int // chunk file → answers (Range ones too) that send half the body, then nothing
	ranges  []string       // "file bytes=N-" of each Range request for a chunk
}

func startFaultyServer(t *testing.T, dist string) (*faultyServer, string) {
	t.Helper()
	root, err := os.OpenRoot(dist)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	s := &faultyServer{next: handler.New(root.FS(), handler.Options{}), dist: dist, quit: make(chan struct{}),
		corrupt: map[string]int{}, cut: map[string]int{}, stall: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s}
	go srv.Serve(ln)
	t.Cleanup(func() { close(s.quit); srv.Close() })
	return s, "http://" + ln.Addr().String() + "/"
}

// take consumes one scripted fault of file from m.
func take(m map[string]int, file string) bool {
	if m[file] > 0 {
		m[file]--
		return true
	}
	return false
}

func (s *faultyServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	file := path.Base(req.URL.Path)
	if !isChunk(req.URL.Path) {
		s.next.ServeHTTP(w, req)
		return
	}
	s.mu.Lock()
	if r := req.Header.Get("Range"); r != "" {
		s.ranges = append(s.ranges, file+" "+r)
	}
	full := req.Header.Get("Range") == ""
	corrupt := full && take(s.corrupt, file)
	cut := full && !corrupt && take(s.cut, file)
	stall := !corrupt && !cut && take(s.stall, file)
	s.mu.Unlock()
	if stall && !full { // a stalled Range request: half of what is left, then nothing
		w = &stallingWriter{ResponseWriter: w, quit: s.quit, done: req.Context().Done()}
	}
	if !corrupt && !cut && !stall || !full {
		s.next.ServeHTTP(w, req)
		return
	}
	data, err := os.ReadFile(filepath.Join(s.dist, "model", file))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "no-store")
	if corrupt {
		data[len(data)/3] ^= 0x21
		w.Write(data)
		return
	}
	w.Write(data[:len(data)/2])
	w.(http.Flusher).Flush()
	wait := time.After(time.Second) // a cut: long enough for the browser to read what came
	if stall {
		wait = nil // nothing more until the browser gives up on it
	}
	select {
	case <-wait:
	case <-req.Context().Done():
	case <-s.quit:
	}
	panic(http.ErrAbortHandler) // drop the connection mid-body
}

// stallingWriter passes the first Write through, then blocks until the request ends.
type stallingWriter struct {
	http.ResponseWriter
	quit, done <-chan struct{}
	wrote      bool
}

func (w *stallingWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.wrote = true
		n, err := w.ResponseWriter.Write(b[:len(b)/2])
		w.ResponseWriter.(http.Flusher).Flush()
		if err != nil {
			return n, err
		}
	}
	select {
	case <-w.done:
	case <-w.quit:
	}
	panic(http.ErrAbortHandler)
}

// notices is JS: every distinct model notice the worker posted since the page opened.
const noticesJS = `JSON.stringify([...new Set(window.__graftRecorded.map(r => { try { return JSON.parse(r.data); } catch { return null; } })
	.filter(m => m && m.kind === "status" && m.status.notice).map(m => m.status.notice))])`

func TestNetworkFaultsInBrowser(t *testing.T) {
	dist, chromium, _, out, shared := browserTestEnv(t)
	files := chunkFiles(t, filepath.Join(dist, "model"))
	srv, base := startFaultyServer(t, dist)
	corrupt, cut, stall := files[2], files[4], files[6]
	srv.corrupt[corrupt] = 2 // good on the third try
	srv.cut[cut] = 1
	srv.stall[stall] = 1
	p := &page{t: t, ctx: newBrowser(t, chromium, out), out: out}

	start := time.Now()
	p.do(chromedp.Navigate(base))
	notice := p.pollString(`(t => t.startsWith("The server stopped sending") ? t : "")(document.querySelector("#model-notice")?.textContent || "")`)
	shown := time.Since(start)
	p.shot("netfault-stall-notice")
	if !strings.Contains(notice, stall) || !strings.Contains(notice, "retrying") {
		t.Errorf("while the server stalled, the page said %q; want it to name %s and say it retries", notice, stall)
	}
	status := p.waitModel()
	p.shot("netfault-ready")
	t.Logf("stall notice on the page %.1f s after navigating; model ready after %.1f s (%d retries, %d refetched)",
		shown.Seconds(), time.Since(start).Seconds(), status.Retries, status.Refetched)
	if status.Refetched != 2 || status.Retries < 2 || status.ChunksDone != status.ChunksTotal {
		t.Errorf("%d refetched, %d retries, %d of %d chunks; want 2 refetches (a chunk corrupt twice), ≥ 2 retries (a cut, a stall), all chunks",
			status.Refetched, status.Retries, status.ChunksDone, status.ChunksTotal)
	}
	srv.mu.Lock()
	ranges := strings.Join(srv.ranges, "; ")
	srv.mu.Unlock()
	if want := stall + " bytes=" + strconv.Itoa(fileSize(t, dist, stall)/2) + "-"; !strings.Contains(ranges, want) {
		t.Errorf("Range requests %q; want %q (the rest of the body that stalled half-way)", ranges, want)
	}
	// How much of the cut body the browser had read when the connection dropped is its own
	// affair; the rest is asked for from there.
	if !strings.Contains(ranges, cut+" bytes=") || strings.Contains(ranges, cut+" bytes=0-") {
		t.Errorf("Range requests %q; want one for the rest of %s, which was cut half-way", ranges, cut)
	}
	notices := p.pollString(noticesJS)
	if !strings.Contains(notices, corrupt+" arrived damaged") || !strings.Contains(notices, "try 3 of 3") {
		t.Errorf("notices %s; want one saying %s arrived damaged and is fetched again (try 3 of 3)", notices, corrupt)
	}
	photo := filepath.Join(t.TempDir(), "tabby.png")
	makePNG(t, filepath.Join(shared, "data", "imagenet-samples", "images", "n02123045_tabby.JPEG"), photo)
	if res := p.classify(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{photo})) }); len(res.Top5) != 5 {
		t.Errorf("after the faults, a photo got %+v", res)
	}
}

func TestNetworkFaultErrorAndRetryInBrowser(t *testing.T) {
	dist, chromium, _, out, _ := browserTestEnv(t)
	files := chunkFiles(t, filepath.Join(dist, "model"))
	srv, base := startFaultyServer(t, dist)
	corrupt, stall := files[3], files[5]
	srv.corrupt[corrupt] = 3
	srv.stall[stall] = 1 << 20
	p := &page{t: t, ctx: newBrowser(t, chromium, out), out: out}

	start := time.Now()
	p.do(chromedp.Navigate(base))
	notice := p.pollString(`(t => t.startsWith("The server stopped sending") ? t : "")(document.querySelector("#model-notice")?.textContent || "")`)
	t.Logf("stall notice %.1f s after navigating: %q", time.Since(start).Seconds(), notice)
	phase := p.pollString(`(p => p === "error" || p === "ready" ? p : "")(document.querySelector("#model-headline")?.dataset.phase)`)
	failed := time.Since(start)
	msg := p.pollString(`document.querySelector("#error-message")?.textContent || ""`)
	p.shot("netfault-error")
	t.Logf("error shown %.1f s after navigating: %q", failed.Seconds(), msg)
	if phase != "error" {
		t.Fatalf("with a chunk corrupt on every try and one that never finishes the model reached %q", phase)
	}
	for _, want := range []string{corrupt, "fetched 3 times and was corrupt each time", stall, "stopped sending it 3 times"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if n := p.evalInt(`document.querySelectorAll("#model-retry").length`); n != 1 {
		t.Fatalf("after the error the model panel has %d Retry buttons, want 1", n)
	}
	srv.mu.Lock()
	srv.stall[stall] = 0 // the server is well again
	srv.mu.Unlock()
	p.do(chromedp.Evaluate[chromedp.Void](`window.__beforeRetry = true`))
	p.do(chromedp.Click(chromedp.ID("model-retry")))
	p.waitReloaded("__beforeRetry")
	status := p.waitModel()
	p.shot("netfault-after-retry")
	if status.FromCache != status.ChunksTotal-2 || status.FromNetwork != 2 {
		t.Errorf("after Retry %d chunks came from the cache and %d from the network; want %d and 2 (only the failed ones fetched again)",
			status.FromCache, status.FromNetwork, status.ChunksTotal-2)
	}
}

// waitReloaded waits for a new document: one without the global flag set on the old one.
func (p *page) waitReloaded(flag string) {
	p.t.Helper()
	for range 600 {
		gone, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`window.`+flag+` === undefined && document.readyState !== "loading"`))
		if err == nil && gone {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Fatal("the page did not load again")
}

func fileSize(t *testing.T, dist, chunk string) int {
	t.Helper()
	st, err := os.Stat(filepath.Join(dist, "model", chunk))
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Size())
}
