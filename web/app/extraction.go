// extraction.go: the page's schedule for feature extraction over the worker pool — which image
// goes to which worker next, what is done, the rate and the time left — as plain Go (tested in
// extraction_test.go). The page feeds the workers File handles, at most MaxInFlight each, so
// only the images being decoded are ever in memory; the workers read the Files themselves.
// The pool size comes from PoolSize.
package main

import (
	"math"

	"github.com/graftml/graft/web/wire"
)

// MaxInFlight is how many images one worker holds at a time: one being computed and one queued
// behind it, so a worker never waits for the page between images.
const MaxInFlight = 2

// Pool sizing, from the resident memory of Chromium's renderer while extracting (web/e2e
// TestTrainMeasure, Chromium 156, this model): the page with the model worker ~375 MB, each
// more worker 120–155 MB (its Go runtime, the model and its activations), and the page grows
// by ~20 KB per listed photo (~100 MB for 5,000). The budget is 1 GB for the page and
// its workers.
const (
	MemoryBudgetMB  = 1000
	BaseMemoryMB    = 400 // the page and the model worker, which is the pool's first worker
	PerWorkerMemory = 160 // each further worker
	MaxWorkers      = 8
)

// PoolSize is how many workers extract features: one per logical core, no more than the memory
// budget allows (and, when the browser says how much memory the device has, no more than a
// quarter of it), at least one (the model worker). forced > 0 (?workers=N) overrides.
func PoolSize(cores int, deviceMemoryGB float64, forced int) int {
	if forced > 0 {
		return min(forced, MaxWorkers)
	}
	budget := MemoryBudgetMB
	if deviceMemoryGB > 0 {
		budget = min(budget, int(deviceMemoryGB*1024/4))
	}
	n := min(max(cores, 1), 1+max(budget-BaseMemoryMB, 0)/PerWorkerMemory, MaxWorkers)
	return max(n, 1)
}

// Extraction is one run's extraction: the entries to do, the jobs in flight, the counts.
type Extraction struct {
	Run     int
	Workers int // workers ready to take jobs

	queue    []int       // listing entry indices, in listing order
	next     int         // queue[next] is the next to send
	inFlight map[int]Job // by job ID
	load     []int       // worker → jobs in flight
	nextID   int

	Total, Done, Hits, Computed, Failed int
	StartMs, NowMs                      float64
	ModelMs                             float64 // summed over computed images
}

// NewExtraction schedules entries for run.
func NewExtraction(m *wire.Missing, workers int, nowMs float64) *Extraction {
	return &Extraction{Run: m.Run, queue: m.Entries, Total: len(m.Entries),
		inFlight: map[int]Job{}, load: make([]int, workers), StartMs: nowMs, NowMs: nowMs}
}

// Job is one image sent to one worker.
type Job struct {
	ID, Entry, Worker int
}

// Assign returns the next job for worker, if it has room and images are left.
func (x *Extraction) Assign(worker int) (Job, bool) {
	if worker >= len(x.load) || x.load[worker] >= MaxInFlight || x.next >= len(x.queue) {
		return Job{}, false
	}
	x.nextID++
	j := Job{ID: x.nextID, Entry: x.queue[x.next], Worker: worker}
	x.next++
	x.inFlight[j.ID] = j
	x.load[worker]++
	return j, true
}

// Finish records a worker's answer and returns the worker it came from (ok false for a job not
// in flight: another run's, or answered twice). An undecodable image is counted as failed.
func (x *Extraction) Finish(e *wire.Extracted, nowMs float64) (worker int, ok bool) {
	j, ok := x.inFlight[e.ID]
	if !ok || e.Run != x.Run {
		return 0, false
	}
	worker = j.Worker
	delete(x.inFlight, e.ID)
	x.load[worker]--
	x.Done++
	x.NowMs = nowMs
	switch {
	case e.Undecodable != "" || e.Error != "":
		x.Failed++
	case e.Hit:
		x.Hits++
	default:
		x.Computed++
		x.ModelMs += e.ModelMs
	}
	return worker, true
}

// Requeue puts the jobs of a worker that went away back in the queue, and gives it no more.
func (x *Extraction) Requeue(worker int) {
	for id, j := range x.inFlight {
		if j.Worker == worker {
			delete(x.inFlight, id)
			x.queue = append(x.queue, j.Entry)
		}
	}
	if worker < len(x.load) {
		x.load[worker] = MaxInFlight // never picked again
	}
}

// Entry is the listing entry of job id in flight.
func (x *Extraction) Entry(id int) (int, bool) {
	j, ok := x.inFlight[id]
	return j.Entry, ok
}

// Finished reports whether every image has an answer.
func (x *Extraction) Finished() bool { return x.Done >= x.Total && len(x.inFlight) == 0 }

// Rate is images per second so far.
func (x *Extraction) Rate() float64 {
	el := x.NowMs - x.StartMs
	if x.Done == 0 || el <= 0 {
		return 0
	}
	return float64(x.Done) / el * 1000
}

// ETA is the time left in ms at the rate so far (ok false before the first image).
func (x *Extraction) ETA() (float64, bool) {
	r := x.Rate()
	if r == 0 {
		return 0, false
	}
	return math.Max(0, float64(x.Total-x.Done)/r*1000), true
}
