// Measurements of the training flow in headless Chromium (the figures web/README.md quotes), opt-in because
// they take minutes: GRAFT_E2E_MEASURE=N makes a folder of N cats-vs-dogs JPEGs (the 1,000
// shared photos, then variants of them up to 4000×3000: manyphotos_test.go), then for each pool
// size in GRAFT_E2E_MEASURE_WORKERS (default "1,2") trains on it in a fresh browser (empty
// IndexedDB; flips off; one epoch), logs extraction images/s and the page's memory while it
// runs, and fails when the page's renderer goes over GRAFT_E2E_MEASURE_LIMIT_MB (600):
//
//   - performance.measureUserAgentSpecificMemory() (the page is cross-origin isolated; Chromium
//     started with ForceEagerMeasureMemory so it answers at once): what the page's JS realms
//     and its workers hold as the browser accounts it;
//
//   - the resident memory (RSS, /proc) of the page's renderer process, where the page and its
//     dedicated workers run, with their wasm memories: the figure the 600 MB budget is about
//     (and, for comparison, of all renderers but the browser's own interface).
//
//     GRAFT_E2E_DIST=dist GRAFT_E2E_MEASURE=200 go test -run TestTrainMeasure -v -timeout 60m ./web/e2e
package e2e

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/graftml/graft/web/wire"
)

func TestTrainMeasure(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("GRAFT_E2E_MEASURE"))
	dist := os.Getenv("GRAFT_E2E_DIST")
	if n <= 0 || dist == "" {
		t.Skip("opt-in: GRAFT_E2E_MEASURE=N (photos) with GRAFT_E2E_DIST set")
	}
	pools := []int{1, 2}
	if s := os.Getenv("GRAFT_E2E_MEASURE_WORKERS"); s != "" {
		pools = nil
		for _, f := range strings.Split(s, ",") {
			k, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			pools = append(pools, k)
		}
	}
	chromium := findChromium(t)
	browserTimeout = 90 * time.Minute
	root := repoRoot(t)
	out := filepath.Join(root, "testout", "e2e")
	data := filepath.Join(t.TempDir(), "many")
	makeVariedPhotos(t, filepath.Join(sharedDir(t, root), "data", "cats-vs-dogs", "train"), data, n, 1000)
	limitMB, _ := strconv.Atoi(envOr("GRAFT_E2E_MEASURE_LIMIT_MB", "600"))
	_, base := startServer(t, dist)
	for _, k := range pools {
		t.Run(fmt.Sprintf("workers=%d", k), func(t *testing.T) {
			ctx := newBrowser(t, chromium, out, "enable-blink-features=ForceEagerMeasureMemory")
			p := &page{t: t, ctx: ctx, out: out}
			browserPID := chromedp.FromContext(ctx).Browser.Process().Pid
			p.do(chromedp.Navigate(fmt.Sprintf("%s?workers=%d", base, k)))
			p.waitModel()
			// The page's renderer, read from /proc every 100 ms from the listing to the end of
			// training, per phase: the 2 s samples below miss a peak that lasts one photo's decode.
			var phase atomic.Int32 // 0 listing, 1 extraction, 2 training
			var peaks [3]atomic.Int64
			stopSampling := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				for {
					_, largest := rendererRSS(browserPID)
					if pk := &peaks[phase.Load()]; largest > pk.Load() {
						pk.Store(largest)
					}
					select {
					case <-stopSampling:
						return
					case <-time.After(100 * time.Millisecond):
					}
				}
			}()
			start := time.Now()
			p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) })
			listed := time.Since(start)
			phase.Store(1)
			p.setField("set-epochs", "1")
			p.clickTrain()
			p.poll(`!!document.querySelector("#extract-progress")`)
			start = time.Now()
			var peakJS, peakRSS, peakRenderer int64
			var samples []string
			for {
				done := p.evalInt(`+document.querySelector("#extract-progress")?.dataset.done || 0`)
				js := p.measureMemory()
				all, largest := rendererRSS(browserPID)
				peakJS, peakRSS, peakRenderer = max(peakJS, js), max(peakRSS, all), max(peakRenderer, largest)
				samples = append(samples, fmt.Sprintf("%d:%dMB", done, largest>>20))
				if done >= n {
					break
				}
				time.Sleep(2 * time.Second)
			}
			took := time.Since(start)
			phase.Store(2)
			trained := p.waitTrained()
			close(stopSampling)
			<-sampled
			peakRenderer = max(peakRenderer, peaks[0].Load(), peaks[1].Load(), peaks[2].Load())
			t.Logf("the page's renderer at its peak (read every 100 ms): listing %d MB, extraction %d MB, training %d MB",
				peaks[0].Load()>>20, peaks[1].Load()>>20, peaks[2].Load()>>20)
			line := p.pollString(`document.querySelector("#extract-line")?.textContent || ""`)
			t.Logf("%d photos, %d worker(s): listing %.1f s; extraction %.1f s = %.2f images/s (page: %s); training %.0f ms",
				n, k, listed.Seconds(), took.Seconds(), float64(n)/took.Seconds(), line, trained.TrainMs)
			t.Logf("memory peak: measureUserAgentSpecificMemory %d MB; the page's renderer %d MB; renderer processes' RSS %d MB in all; samples (images done:the page's renderer) %s",
				peakJS>>20, peakRenderer>>20, peakRSS>>20, strings.Join(samples, " "))
			if peakRenderer>>20 > int64(limitMB) {
				t.Errorf("the page's renderer peaked at %d MB with %d photos, over the %d MB budget", peakRenderer>>20, n, limitMB)
			}
			if k == pools[0] { // the largest head, once: 1,000 images with flips × 20 epochs
				r := p.bench(wire.Bench{Images: 1000, Epochs: 20, Head: "keras", Flip: true})
				t.Logf("head training in the browser (keras, flips), 1000 images × 20 epochs: %.1f s (%s)", r.Ms/1000, r.Engine)
			}
		})
	}
}

// makeManyPhotos writes n JPEGs under dir/cats and dir/dogs from src's photos.
func makeManyPhotos(t *testing.T, src, dir string, n int) {
	t.Helper()
	files := interleavedPhotos(t, src, dir)
	for i := range n {
		from := files[i%len(files)]
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(files) { // another file's worth of content: bytes after the end marker
			data = binary.LittleEndian.AppendUint32(data, uint32(i))
		}
		class := filepath.Base(filepath.Dir(from))
		writeFile(t, filepath.Join(dir, class, fmt.Sprintf("%05d-%s", i, filepath.Base(from))), data)
	}
}

// interleavedPhotos lists src's cats and dogs taken in turn, and makes dir/cats and dir/dogs.
func interleavedPhotos(t *testing.T, src, dir string) []string {
	t.Helper()
	var classes [][]string
	for _, class := range []string{"cats", "dogs"} {
		if err := os.MkdirAll(filepath.Join(dir, class), 0o755); err != nil {
			t.Fatal(err)
		}
		names, _ := filepath.Glob(filepath.Join(src, class, "*.jpg"))
		if len(names) == 0 {
			t.Fatalf("no photos in %s/%s", src, class)
		}
		slices.Sort(names)
		classes = append(classes, names)
	}
	var files []string
	for i := 0; i < len(classes[0]) || i < len(classes[1]); i++ {
		for _, c := range classes {
			if i < len(c) {
				files = append(files, c[i])
			}
		}
	}
	return files
}

// measureMemory is performance.measureUserAgentSpecificMemory's total in bytes (0 if unavailable).
func (p *page) measureMemory() int64 {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[float64](`(async () => {
		if (!self.crossOriginIsolated || !performance.measureUserAgentSpecificMemory) return 0;
		return (await performance.measureUserAgentSpecificMemory()).bytes;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Logf("measureUserAgentSpecificMemory: %v", err)
		return 0
	}
	return int64(v)
}

// rendererRSS sums the resident memory of the renderer processes below browser pid (and
// returns the largest one: the page's, where it runs with its dedicated workers). The browser's
// own interface (--top-chrome-webui, there even when headless) is not a page's and is left out.
func rendererRSS(browser int) (all, largest int64) {
	parent := map[int]int{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces, so read after the last ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 {
			parent[pid], _ = strconv.Atoi(fields[1])
		}
	}
	below := func(pid int) bool {
		for i := 0; i < 16 && pid > 1; i++ {
			if pid = parent[pid]; pid == browser {
				return true
			}
		}
		return false
	}
	for pid := range parent {
		if !below(pid) {
			continue
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if !strings.Contains(string(cmd), "--type=renderer") || strings.Contains(string(cmd), "--top-chrome-webui") {
			continue
		}
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
				all += kb << 10
				largest = max(largest, kb<<10)
			}
		}
	}
	return all, largest
}
