// fmapeak.go: this CPU's FMA peak (-fmapeak), the ceiling the native engine's GFLOP/s is a share
// of: each loop of fmaLoops (fmapeak_amd64.s) run for ~20 ms at a time on one goroutine locked
// to its thread, then on GOMAXPROCS goroutines at once; the best of fmaReps such runs, in GFLOP/s
// of wall clock (the best run is the one least disturbed by other work on the machine) and, for
// one thread, over the process's CPU time too (what the thread got when it ran).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"
)

type fmaLoop struct {
	name     string
	flopIter int // FLOP per iteration
	run      func(iters int)
}

const (
	fmaIters = 1 << 20
	fmaReps  = 15
)

// fmaPeak is one JSON line per loop on w.
type fmaPeak struct {
	Loop       string  `json:"fma_peak"`
	GFLOPS1    float64 `json:"gflops_1_thread"`     // best of fmaReps, wall clock
	GFLOPS1CPU float64 `json:"gflops_1_thread_cpu"` // that run's FLOP over its CPU time
	Threads    int     `json:"threads"`
	GFLOPSAll  float64 `json:"gflops_all_threads"` // threads goroutines at once, best of fmaReps, wall clock
}

// measureFMAPeak returns the peaks by loop name and prints them on w.
func measureFMAPeak(w io.Writer) (map[string]fmaPeak, error) {
	peaks := map[string]fmaPeak{}
	threads := runtime.GOMAXPROCS(0)
	for _, l := range fmaLoops() {
		l.run(fmaIters) // warm the core's clock up
		flop := float64(l.flopIter) * fmaIters
		p := fmaPeak{Loop: l.name, Threads: threads}
		runtime.LockOSThread()
		for range fmaReps {
			t0, c0 := time.Now(), cpuTimeMs()
			l.run(fmaIters)
			wall, cpu := time.Since(t0).Seconds(), (cpuTimeMs()-c0)/1e3
			if g := flop / wall / 1e9; g > p.GFLOPS1 {
				p.GFLOPS1 = g
				if cpu > 0 {
					p.GFLOPS1CPU = round(flop/cpu/1e9, 1)
				}
			}
		}
		runtime.UnlockOSThread()
		for range fmaReps {
			var wg sync.WaitGroup
			t0 := time.Now()
			for range threads {
				wg.Go(func() {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					l.run(fmaIters)
				})
			}
			wg.Wait()
			p.GFLOPSAll = max(p.GFLOPSAll, float64(threads)*flop/time.Since(t0).Seconds()/1e9)
		}
		p.GFLOPS1, p.GFLOPSAll = round(p.GFLOPS1, 1), round(p.GFLOPSAll, 1)
		line, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(w, string(line))
		peaks[l.name] = p
	}
	return peaks, nil
}
