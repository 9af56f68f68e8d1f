// Command bench times Keras' ResNet50 (core/resnet50; 224×224, batch 1, the full network to the
// softmax, synthetic weights) on one thread and prints one JSON line for ./build.sh bench:
//
//	{"engine":…,"ms_median":…,"ms_min":…,"runs":…,"gflops":…,"rss_mb":…,"weights":…}
//
// -weights says how the model holds its kernels, and "weights" in the line says which ran:
// "int8" (the default) is what a converted model gives the engine — the synthetic weights folded
// and quantized per layer as graft convert does (weights.go), kept int8 in memory and
// dequantized block by block inside the GEMM; "float32" is the synthetic weights as float32
// (4× the kernel memory: 102 MB), the way the engine ran before int8 stayed int8.
//
// It is the same program natively (engine "native-avx2" when core/kernels runs its AVX2+FMA
// kernels, "native-go" for -tags purego; GOMAXPROCS sets the threads, GOMAXPROCS=1 for one) and as GOOS=js GOARCH=wasm under Node through wasm/js/loader.mjs (wasm/cmd/wasmexec),
// where the engine is the loader's choice (GRAFT_ENGINE): wasm-simd128, wasm-relaxed-simd, or
// wasm-scalar for a -tags purego build. gflops counts ResNet50's 2·multiply-adds (convs and the
// dense layer, from core/resnet50's stage table) over the median time; rss_mb is the process's
// peak resident set (Node's, for wasm); cpu_ms_median is the process's CPU time per run, which
// shows when other work on the machine stretched the wall-clock figures; threads and gogc say
// how Go ran. -profile also times every layer alone (profile.go).
//
//	go run ./wasm/cmd/bench -runs 20
//	GOOS=js GOARCH=wasm go build -o /tmp/bench.wasm ./wasm/cmd/bench &&
//	  node wasm/cmd/wasmexec/run.mjs /tmp/bench.wasm -runs 20
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"time"

	"github.com/graftml/graft/core/kernels"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// result is the JSON line.
type result struct {
	Engine   string  `json:"engine"`
	MsMedian float64 `json:"ms_median"`
	MsMin    float64 `json:"ms_min"`
	Runs     int     `json:"runs"`
	GFLOPS   float64 `json:"gflops"`
	RSSMB    float64 `json:"rss_mb"`
	CPUMs    float64 `json:"cpu_ms_median"` // the process's CPU time per run: ≈ ms_median on an idle machine
	Threads  int     `json:"threads"`       // GOMAXPROCS
	GOGC     int     `json:"gogc"`          // Go's GC target (GOGC), which sets the heap's high-water mark
	Weights  string  `json:"weights"`       // how the kernels are held: "int8" or "float32" (Model.KernelDType)
	WeightMB float64 `json:"weights_mb"`    // the kernels' memory (Model.KernelBytes)
	// With -fmapeak (natively): the FMA peak of one thread times the threads at the width of
	// the kernels in use (fmapeak.go: ymm for native-avx2, zmm for native-avx512) and the share
	// of it gflops is.
	PeakGFLOPS float64 `json:"fma_peak_gflops,omitempty"`
	PeakShare  float64 `json:"fma_peak_share,omitempty"`
}

func main() {
	runs := flag.Int("runs", 20, "timed forward passes (after the warm-up)")
	warmup := flag.Int("warmup", 3, "untimed forward passes first (JIT tiers, heap growth)")
	profile := flag.Bool("profile", false, "also time each layer alone and print a table on stderr")
	memstats := flag.Bool("memstats", false, "print Go's heap statistics on stderr at the end")
	weights := flag.String("weights", "int8", "kernels in memory: int8 (as a converted model) or float32")
	peak := flag.Bool("fmapeak", false, "measure this CPU's FMA peak first (stderr; natively) and give gflops' share of it")
	flag.Parse()
	if err := run(*runs, *warmup, *profile, *peak, *weights); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if *memstats {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(os.Stderr, "heap: sys %.1f MB, in use %.1f MB, next GC %.1f MB, %d GCs, total allocated %.1f MB, GC pause total %.1f ms\n",
			float64(ms.HeapSys)/1e6, float64(ms.HeapInuse)/1e6, float64(ms.NextGC)/1e6, ms.NumGC, float64(ms.TotalAlloc)/1e6, float64(ms.PauseTotalNs)/1e6)
	}
}

func run(runs, warmup int, profile, peak bool, weights string) error {
	if runs < 1 {
		return fmt.Errorf("-runs must be at least 1")
	}
	peakGFLOPS := 0.0
	if peak {
		peaks, err := measureFMAPeak(os.Stderr)
		if err != nil {
			return err
		}
		// The ceiling is the hardware's: one thread's peak times the threads (the all-threads
		// figure printed with it drops when other work holds a core, as it did on the shared VM).
		loop := "avx2-fma-ymm"
		if kernels.Engine == "avx512" {
			loop = "avx512f-fma-zmm"
		}
		if p, ok := peaks[loop]; ok {
			peakGFLOPS = round(p.GFLOPS1*float64(runtime.GOMAXPROCS(0)), 1)
		}
	}
	src, err := weightSource(weights)
	if err != nil {
		return err
	}
	m, err := resnet50.New(src, resnet50.Options{})
	if err != nil {
		return err
	}
	if m.KernelDType() != weights {
		return fmt.Errorf("asked for %s kernels, the model holds %s", weights, m.KernelDType())
	}
	x := randomImage(resnet50.InputSize)
	forward := func() error {
		_, err := m.Run(x, "predictions", nil)
		return err
	}
	for range warmup {
		if err := forward(); err != nil {
			return err
		}
	}
	times, cpu := make([]float64, runs), make([]float64, runs)
	for i := range times {
		t0, c0 := time.Now(), cpuTimeMs()
		if err := forward(); err != nil {
			return err
		}
		times[i], cpu[i] = float64(time.Since(t0).Nanoseconds())/1e6, cpuTimeMs()-c0
	}
	median := medianOf(times)
	res := result{
		Engine:   engineName(),
		MsMedian: round(median, 2),
		MsMin:    round(slices.Min(times), 2),
		CPUMs:    round(medianOf(cpu), 2),
		Runs:     runs,
		GFLOPS:   round(float64(forwardFLOPs(resnet50.InputSize))/median/1e6, 2),
		Threads:  runtime.GOMAXPROCS(0),
		GOGC:     gcPercent(),
		Weights:  m.KernelDType(),
		WeightMB: round(float64(m.KernelBytes())/1e6, 1),
	}
	if peakGFLOPS > 0 {
		res.PeakGFLOPS, res.PeakShare = peakGFLOPS, round(res.GFLOPS/peakGFLOPS, 3)
	}
	if profile {
		if err := profileLayers(m, src, x, peakGFLOPS, os.Stderr); err != nil {
			return err
		}
	}
	res.RSSMB = round(peakRSSMB(), 1)
	line, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}

// engineName is the loader's engine under js (GRAFT_ENGINE); natively it is "native-" and the
// GEMM code core/kernels dispatched (kernels.Engine): "native-avx512" or "native-avx2" for the
// generated tiles (GRAFT_KERNELS=avx2 keeps the AVX2 ones on an AVX-512 CPU), "native-go" for
// the Go twins (-tags purego, or a CPU without AVX2 and FMA).
func engineName() string {
	if e := os.Getenv("GRAFT_ENGINE"); e != "" && runtime.GOOS == "js" {
		return e
	}
	if runtime.GOOS == "js" {
		return "wasm-unknown" // started without wasm/js/loader.mjs
	}
	return "native-" + kernels.Engine
}

// randomImage is a caffe-preprocessed-looking [1,size,size,3] input, seeded.
func randomImage(size int) *tensor.Tensor {
	x := tensor.New(1, size, size, 3)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64()*255 - 120)
	}
	return x
}

// forwardFLOPs is 2 × the multiply-adds of every conv and the dense layer for a size×size input
// (224: 3.86 G multiply-adds, 7.72 GFLOP).
func forwardFLOPs(size int) int64 {
	var total int64
	for _, l := range convLayers(size) {
		total += l.flops()
	}
	return total + 2*2048*resnet50.NumClasses
}

// medianOf sorts v and returns its median.
func medianOf(v []float64) float64 {
	slices.Sort(v)
	if len(v)%2 == 0 {
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return v[len(v)/2]
}

// gcPercent is the current GOGC setting.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}
