// Command workermeasure measures the classify Worker under wrangler dev --local:
// it POSTs a photo to /api/classify (the first request loads the model from the assets
// binding), then -runs more times, and a 12 Mpx phone-sized JPEG (4032×3024, made here) once,
// and prints the CPU time per request and the memory. workerd runs a request on one thread,
// and a classify request does no I/O once the model is loaded, so a warm request's wall time on
// loopback is its CPU time (the answer's own timings_ms agree under wrangler dev; on
// Cloudflare's edge the clock a Worker sees only advances at I/O, so they would not). Memory: Go's Sys from /api/stats
// (in the isolate, the wasm linear memory, which never shrinks: its high-water mark) and, for
// the workerd processes named by -pids, VmHWM (peak RSS) and VmRSS from /proc. Called by
// ./build.sh worker-test: once on a fresh isolate, and with -memory-only after the checks.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8787", "the Worker")
	photo := flag.String("photo", "", "a JPEG photo")
	pids := flag.String("pids", "", "workerd process ids, comma-separated")
	runs := flag.Int("runs", 5, "warm requests")
	memOnly := flag.Bool("memory-only", false, "only print the memory figures (after the checks ran)")
	flag.Parse()
	client := &http.Client{Timeout: 5 * time.Minute}
	if *memOnly {
		printMemory(client, *url, *pids)
		return
	}
	data, err := os.ReadFile(*photo)
	if err != nil {
		fail(err)
	}
	first, err := post(client, *url, data)
	if err != nil {
		fail(err)
	}
	var warm []time.Duration
	for range *runs {
		d, err := post(client, *url, data)
		if err != nil {
			fail(err)
		}
		warm = append(warm, d)
	}
	slices.Sort(warm)
	med := warm[len(warm)/2]
	big := phoneJPEG()
	bigTook, err := post(client, *url, big)
	if err != nil {
		fail(err)
	}
	fmt.Printf("worker: first /api/classify of a fresh isolate (loads the model from ASSETS) %.0f ms; warm: median %.0f ms, min %.0f, max %.0f (%d runs) = CPU time per request\n",
		ms(first), ms(med), ms(warm[0]), ms(warm[len(warm)-1]), len(warm))
	fmt.Printf("worker: a 4032×3024 JPEG (%.1f MB): %.0f ms\n", float64(len(big))/1e6, ms(bigTook))
	fmt.Printf("worker: plan: %.2f s of CPU per photo needs Workers Paid (Standard: 30 s CPU per request by default, up to 5 min with limits.cpu_ms); the Free plan's 10 ms is %.0fx too little\n",
		med.Seconds(), ms(med)/10)
	printMemory(client, *url, *pids)
}

// printMemory prints Go's figures from /api/stats and workerd's from /proc.
func printMemory(client *http.Client, url, pids string) {
	stats := map[string]uint64{}
	if resp, err := client.Get(url + "/api/stats"); err == nil {
		json.NewDecoder(resp.Body).Decode(&stats)
		resp.Body.Close()
	}
	fmt.Printf("worker: Go Sys (the isolate's wasm memory, high-water) %.1f MiB, heap in use %.1f MiB, %d GCs (isolate limit: 128 MB)\n",
		mib(stats["sys_bytes"]), mib(stats["heap_inuse_bytes"]), stats["num_gc"])
	for _, pid := range strings.Split(pids, ",") {
		if pid == "" {
			continue
		}
		hwm, rss := procStatus(pid, "VmHWM:"), procStatus(pid, "VmRSS:")
		fmt.Printf("worker: workerd pid %s: peak RSS (VmHWM) %s, now %s (the whole process: V8, compiled code, wrangler's proxy, not only the isolate)\n", pid, hwm, rss)
	}
}

func post(c *http.Client, url string, data []byte) (time.Duration, error) {
	start := time.Now()
	resp, err := c.Post(url+"/api/classify", "image/jpeg", bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	took := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		return took, fmt.Errorf("/api/classify: %s: %s", resp.Status, b)
	}
	return took, nil
}

// phoneJPEG is a 4032×3024 JPEG of smooth gradients (a few hundred kB).
func phoneJPEG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4032, 3024))
	for y := range 3024 {
		for x := range 4032 {
			img.SetRGBA(x, y, color.RGBA{uint8(x / 16), uint8(y / 12), uint8((x + y) / 28), 255})
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	return buf.Bytes()
}

func procStatus(pid, key string) string {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return "?"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), key); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
func mib(b uint64) float64       { return float64(b) / (1 << 20) }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "workermeasure:", err)
	os.Exit(1)
}
