// classify.go: the -classify load test: N clients POST photos to /api/classify of
// the native server on loopback for a fixed time, over the classify fixture (the real partial
// weights with the labelled synthetic fill and a baked-in head: server/internal/classifytree),
// and the run reports requests, errors (a transport error, a status other than 200, or an
// answer without its top-5 and head), latency percentiles and the process's RSS sampled every
// second (peak, and the maximum of each quarter of the run: memory must not grow with the
// number of requests). Photos: the first 20 of the shared imagenet-samples, in turn.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/internal/shared"
	"github.com/graftml/graft/server/handler"
	"github.com/graftml/graft/server/internal/classifytree"
	"github.com/graftml/graft/weights/convert"
)

func runClassify(clients int, duration time.Duration, slots int) error {
	photos, err := loadPhotos(20)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "graft-loadtest-classify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if _, err := classifytree.Write(dir, classifytree.Options{Missing: convert.MissingSynthetic, Head: true}); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	cfg := app.ServeConfig{MaxConcurrent: slots}
	svc, err := app.LoadService(root.FS(), cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := handler.NewServer("", handler.New(root.FS(), handler.Options{Serve: cfg, Service: svc}), log.New(io.Discard, "", 0))
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/api/classify"

	// The conversion above peaks far above what serving takes: give that memory back and reset
	// the peak (Linux: clear_refs 5), so VmHWM is the serving peak.
	debug.FreeOSMemory()
	hwmReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	rssStart := rssKiB("VmRSS:")
	transport := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: transport, Timeout: 2 * maxDuration}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var rss []int // KiB, one per second
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				rss = append(rss, rssKiB("VmRSS:"))
			}
		}
	}()
	results := make([][]sample, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for i := c; ctx.Err() == nil; i++ {
				s, ok := classifyOnce(ctx, client, url, photos[i%len(photos)])
				if !ok {
					return
				}
				results[c] = append(results[c], s)
			}
		})
	}
	wg.Wait()
	<-done
	elapsed := time.Since(start)
	all := slices.Concat(results...)
	var lat []time.Duration
	errs := 0
	for _, s := range all {
		lat = append(lat, s.latency)
		if s.err {
			errs++
		}
	}
	fmt.Printf("loadtest -classify: %d clients, %.1f s, loopback, GOMAXPROCS %d, %d classify slot(s); %d photos of imagenet-samples in turn\n",
		clients, elapsed.Seconds(), runtime.GOMAXPROCS(0), max(1, slots), len(photos))
	if len(lat) == 0 {
		return errors.New("no request finished")
	}
	slices.Sort(lat)
	fmt.Printf("requests %d (%.1f/s), errors %d; latency p50 %s, p90 %s, p99 %s, max %s\n", len(lat), float64(len(lat))/elapsed.Seconds(), errs,
		pct(lat, 50).Round(time.Millisecond), pct(lat, 90).Round(time.Millisecond), pct(lat, 99).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	if q := len(rss) / 4; q > 0 {
		peak := "since the start, fixture conversion included"
		if hwmReset {
			peak = "of the run"
		}
		var quarters []string
		for i := range 4 {
			quarters = append(quarters, fmt.Sprintf("%.0f", mibOf(slices.Max(rss[i*q:min((i+1)*q, len(rss))]))))
		}
		fmt.Printf("RSS: %.0f MiB before the run (model loaded); max per quarter of the run %s MiB; peak (VmHWM, %s) %.0f MiB (server and clients, one process)\n",
			mibOf(rssStart), strings.Join(quarters, ", "), peak, mibOf(rssKiB("VmHWM:")))
	}
	if errs > 0 {
		return fmt.Errorf("%d errors", errs)
	}
	return nil
}

// classifyOnce POSTs one photo; ok is false when the run's end cut it off.
func classifyOnce(ctx context.Context, client *http.Client, url string, photo []byte) (s sample, ok bool) {
	s.kind = "classify"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(photo))
	if err != nil {
		return sample{kind: s.kind, err: true}, true
	}
	req.Header.Set("Content-Type", "image/jpeg")
	begin := time.Now()
	resp, err := client.Do(req)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	s.latency = time.Since(begin)
	if ctx.Err() != nil && err != nil {
		return s, false
	}
	s.bytes = int64(len(body))
	var r app.ClassifyResult
	s.err = err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(body, &r) != nil || len(r.ImageNet) != 5 || r.Head == nil
	if s.err && err == nil {
		fmt.Fprintf(os.Stderr, "loadtest: %d %s\n", resp.StatusCode, body)
	}
	return s, true
}

// loadPhotos reads the first n photos of the shared imagenet-samples.
func loadPhotos(n int) ([][]byte, error) {
	dir := filepath.Join(shared.Dir(), "data/imagenet-samples/images")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("photos: %w (set GRAFT_SHARED)", err)
	}
	var out [][]byte
	for _, e := range entries {
		if len(out) == n {
			break
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// rssKiB reads a field of /proc/self/status in KiB (0 where there is none).
func rssKiB(key string) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), key); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

func mibOf(kib int) float64 { return float64(kib) / 1024 }
