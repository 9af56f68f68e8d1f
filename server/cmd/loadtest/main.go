// Command loadtest is a bounded load test of the native server: it writes a temporary dist/ (the
// testdist fixture with 1 MiB chunks and a few-MiB wasm, precompressed), serves it with
// server/handler on 127.0.0.1 (loopback only, an ephemeral port, access log off), and runs N
// clients that fetch index.html, the wasm and the chunks in turn, as a browser loading the app
// would (Accept-Encoding: br, gzip), for a fixed time of at most 30 s. It reports requests/s,
// latency percentiles, bytes/s and errors (a transport error, a status other than 200, or a body
// whose length differs from the file's). Not part of go test. With -classify, the clients POST
// photos to /api/classify instead (classify.go).
//
//	go run ./server/cmd/loadtest -clients 100 -duration 20s
//	go run ./server/cmd/loadtest -classify -clients 100 -duration 30s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/graftml/graft/server/handler"
	"github.com/graftml/graft/server/internal/testdist"
	"github.com/graftml/graft/server/precompress"
)

// maxDuration bounds a run so it can never hog a shared machine.
const maxDuration = 30 * time.Second

// target is one file the clients fetch, with the byte count a correct answer carries.
type target struct {
	kind, path string
	wantBytes  int64
}

// sample is one finished request.
type sample struct {
	kind    string
	latency time.Duration
	bytes   int64
	err     bool
}

func main() {
	clients := flag.Int("clients", 100, "concurrent clients")
	duration := flag.Duration("duration", 20*time.Second, "how long to run (at most 30s)")
	chunks := flag.Int("chunks", 4, "1 MiB chunks in the fixture")
	wasmMiB := flag.Int("wasm-mib", 4, "size of the fixture's wasm file in MiB")
	classify := flag.Bool("classify", false, "POST photos to /api/classify instead (classify.go)")
	slots := flag.Int("slots", 1, "with -classify: photos the server runs at once")
	flag.Parse()
	if *duration <= 0 || *duration > maxDuration || *clients < 1 || *chunks < 1 || *wasmMiB < 1 {
		fmt.Fprintf(os.Stderr, "loadtest: need 0 < duration ≤ %s, clients ≥ 1, chunks ≥ 1, wasm-mib ≥ 1\n", maxDuration)
		os.Exit(2)
	}
	if *classify {
		if err := runClassify(*clients, *duration, *slots); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*clients, *duration, *chunks, *wasmMiB); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(clients int, duration time.Duration, chunks, wasmMiB int) error {
	dir, err := os.MkdirTemp("", "graft-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tree := testdist.New(testdist.Options{ChunkBytes: 1 << 20, Chunks: chunks, WasmBytes: wasmMiB << 20})
	if err := tree.Write(dir); err != nil {
		return err
	}
	// Quality 5: the server sends whatever is on disk; the level only changes the build time here.
	if _, err := precompress.Dir(dir, precompress.Options{BrotliQuality: 5}); err != nil {
		return err
	}
	targets, err := targetsOf(dir, tree)
	if err != nil {
		return err
	}

	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := handler.NewServer("", handler.New(root.FS(), handler.Options{}), log.New(io.Discard, "", 0))
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	transport := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, DisableCompression: true}
	client := &http.Client{Transport: transport, Timeout: maxDuration}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()

	results := make([][]sample, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for i := c; ctx.Err() == nil; i++ { // clients start at different files
				t := targets[i%len(targets)]
				s, ok := fetch(ctx, client, base, t)
				if !ok { // cut off by the end of the run: not counted
					return
				}
				results[c] = append(results[c], s)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	report(slices.Concat(results...), elapsed, clients, targets)
	return nil
}

// targetsOf lists index.html, the wasm and every chunk, with the size of what the server sends
// for Accept-Encoding "br, gzip" (the .br variant when there is one).
func targetsOf(dir string, tree testdist.Tree) ([]target, error) {
	var ts []target
	add := func(kind, name string) error {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name+precompress.BrotliSuffix)))
		if err != nil {
			fi, err = os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
		}
		if err != nil {
			return err
		}
		ts = append(ts, target{kind, "/" + name, fi.Size()})
		return nil
	}
	if err := add("index.html", tree.Index); err != nil {
		return nil, err
	}
	if err := add("wasm", tree.Wasm); err != nil {
		return nil, err
	}
	for _, c := range tree.Chunks {
		if err := add("chunk", c); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

// fetch makes one request; ok is false when the run's end cut it off.
func fetch(ctx context.Context, client *http.Client, base string, t target) (s sample, ok bool) {
	s.kind = t.kind
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+t.path, nil)
	if err != nil {
		return sample{kind: t.kind, err: true}, true
	}
	req.Header.Set("Accept-Encoding", "br, gzip")
	begin := time.Now()
	resp, err := client.Do(req)
	if err == nil {
		s.bytes, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	s.latency = time.Since(begin)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || ctx.Err() != nil && err != nil {
		return s, false
	}
	s.err = err != nil || resp.StatusCode != http.StatusOK || s.bytes != t.wantBytes
	return s, true
}

func report(samples []sample, elapsed time.Duration, clients int, targets []target) {
	fmt.Printf("loadtest: %d clients, %.1f s, loopback, GOMAXPROCS %d (client and server share the CPUs)\n",
		clients, elapsed.Seconds(), runtime.GOMAXPROCS(0))
	fmt.Printf("bytes sent per file (brotli where it has a variant):")
	for _, t := range targets {
		fmt.Printf(" %s %d;", t.kind, t.wantBytes)
	}
	fmt.Println()
	fmt.Printf("%-11s %9s %9s %9s %9s %9s %9s %11s %7s\n", "kind", "requests", "req/s", "p50", "p90", "p99", "max", "MiB/s", "errors")
	for _, kind := range []string{"index.html", "wasm", "chunk", "all"} {
		var lat []time.Duration
		var bytes int64
		errs := 0
		for _, s := range samples {
			if kind != "all" && s.kind != kind {
				continue
			}
			lat = append(lat, s.latency)
			bytes += s.bytes
			if s.err {
				errs++
			}
		}
		if len(lat) == 0 {
			continue
		}
		slices.Sort(lat)
		sec := elapsed.Seconds()
		fmt.Printf("%-11s %9d %9.0f %9s %9s %9s %9s %11.1f %7d\n", kind, len(lat), float64(len(lat))/sec,
			pct(lat, 50), pct(lat, 90), pct(lat, 99), lat[len(lat)-1].Round(time.Microsecond),
			float64(bytes)/sec/(1<<20), errs)
	}
}

// pct returns the p-th percentile (nearest rank) of sorted latencies.
func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(i, 0)].Round(time.Microsecond)
}
