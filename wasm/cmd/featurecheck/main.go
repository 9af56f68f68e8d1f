// Command featurecheck computes ResNet50's activations through one layer (default
// conv4_block6_out, the last layer the shared partial Keras weights reach) on the real weights
// and a seeded 224×224 input, and either writes them (-write, raw little-endian float32) or
// compares them with a file written by another build (-want). It is one program for both sides
// of the wasm parity check (featurecheck_test.go): the native build writes, the GOOS=js build
// under Node (wasm/cmd/wasmexec, with the SIMD128 or relaxed-SIMD kernels) compares, so the
// whole wasm engine — loader, kernel module, core/kernels and core/ops on it — is held to the
// native result within tolerance.
//
//	go run ./wasm/cmd/featurecheck -write /tmp/native.f32
//	GOOS=js GOARCH=wasm go build -o /tmp/fc.wasm ./wasm/cmd/featurecheck &&
//	  node wasm/cmd/wasmexec/run.mjs /tmp/fc.wasm -want /tmp/native.f32
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/graftml/graft/core/kernels"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/internal/shared"
	"github.com/graftml/graft/weights"
	"github.com/graftml/graft/weights/keras"
)

// relTolerance bounds max|got − want| / max|want| between two engines. Both compute in float32
// with the same blocking but sum K in different orders (the Go micro-kernel adds 4 products at
// a time, SIMD128 one, relaxed SIMD fuses the multiply), so they differ by rounding: ~1e-6
// relative through 16 blocks. 1e-4 is the bound the engine holds to Keras (README); a wrong tile, edge or epilogue is O(1).
const relTolerance = 1e-4

func main() {
	h5 := flag.String("h5", "", "Keras ResNet50 weights (default: the shared partial file)")
	layer := flag.String("layer", "conv4_block6_out", "output layer to stop at")
	write := flag.String("write", "", "write the activations here (raw float32, little-endian)")
	want := flag.String("want", "", "compare the activations with this file")
	flag.Parse()
	if (*write == "") == (*want == "") {
		fmt.Fprintln(os.Stderr, "featurecheck: give exactly one of -write FILE, -want FILE")
		os.Exit(2)
	}
	if *h5 == "" {
		dir := shared.Dir()
		if dir == "" {
			fmt.Fprintln(os.Stderr, "featurecheck: shared data not found (set GRAFT_SHARED) and no -h5")
			os.Exit(2)
		}
		*h5 = filepath.Join(dir, shared.PartialH5)
	}
	got, err := activations(*h5, *layer)
	if err == nil {
		if *write != "" {
			err = os.WriteFile(*write, encode(got), 0o644)
		} else {
			err = compareWith(*want, got)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "featurecheck:", err)
		os.Exit(1)
	}
}

// activations runs the real weights on input() through layer.
func activations(h5, layer string) ([]float32, error) {
	f, err := keras.ReadFile(h5)
	if err != nil {
		return nil, err
	}
	m, err := resnet50.New(weights.KerasSource(f), resnet50.Options{})
	if err != nil {
		return nil, err
	}
	y, err := m.Run(input(), layer, nil)
	if err != nil {
		return nil, err
	}
	return y.Data, nil
}

// input is a seeded [1,224,224,3] image in the caffe-preprocessed range.
func input() *tensor.Tensor {
	x := tensor.New(1, resnet50.InputSize, resnet50.InputSize, 3)
	rng := rand.New(rand.NewPCG(2024, 4))
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64()*255 - 120)
	}
	return x
}

func compareWith(path string, got []float32) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	want, err := decode(raw)
	if err != nil {
		return err
	}
	if len(want) != len(got) {
		return fmt.Errorf("%s has %d values, this build computed %d", path, len(want), len(got))
	}
	maxDiff, sumDiff, maxWant := 0.0, 0.0, 0.0
	for i := range got {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(d) {
			return fmt.Errorf("value %d: got %v, want %v", i, got[i], want[i])
		}
		maxDiff = max(maxDiff, d)
		sumDiff += d
		maxWant = max(maxWant, math.Abs(float64(want[i])))
	}
	rel := maxDiff / maxWant
	fmt.Printf("featurecheck: engine %s (core/kernels %s), %d values: max |diff| %.3g, mean |diff| %.3g, max |want| %.4g, relative %.3g (tolerance %g)\n",
		os.Getenv("GRAFT_ENGINE"), kernels.Engine, len(got), maxDiff, sumDiff/float64(len(got)), maxWant, rel, relTolerance)
	if !(rel <= relTolerance) {
		return fmt.Errorf("relative error %.3g exceeds %g", rel, relTolerance)
	}
	return nil
}

func encode(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func decode(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of float32s", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
