// Where ResNet50's parameters come from: a WeightSource answers Keras (layer, weight) names,
// e.g. ("conv1_conv", "kernel") → [7,7,3,64]. The Keras HDF5 file is one source
// (weights/keras); Synthetic completes a partial source with seeded He-normal values.
package resnet50

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/tensor"
)

// ErrMissing marks a weight that the source does not have.
var ErrMissing = errors.New("weight missing")

// WeightSource supplies Keras weights by layer name and short weight name
// ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance").
type WeightSource interface {
	// Weight returns the shape and row-major data of one weight. A weight the source does not
	// have yields an error wrapping ErrMissing.
	Weight(layer, short string) (shape []int, data []float32, err error)
}

// FoldedSource is a WeightSource whose conv kernels and biases already have their batch norms
// folded in (the int8 model format stores them so). resnet50.New then reads no BN weights.
type FoldedSource interface {
	WeightSource
	BatchNormFolded() bool
}

// ErrNotInt8 marks a kernel that a QuantizedSource stores as float32, not as int8 codes.
var ErrNotInt8 = errors.New("weight not stored as int8")

// QuantizedSource is a WeightSource that can hand out conv and dense kernels as the int8 codes
// and per-output-channel scales it stores (weights/quant's scheme: value = float32(q)·scale[k],
// k the last axis), without converting them. New keeps such kernels int8 in memory (a quarter of
// the float32 bytes) unless Options.Float32Weights asks for float32; Weight must return the same
// kernels dequantized as float32(q)·scale, so both ways compute the same numbers.
type QuantizedSource interface {
	WeightSource
	// WeightInt8 returns a kernel's shape ([KH,KW,Cin,Cout] or [In,Out]), its codes (row-major)
	// and its scales [Cout]. A kernel stored as float32 yields an error wrapping ErrNotInt8; one
	// the source lacks, ErrMissing. Callers must not modify q or scales: they may be views of the
	// source's storage.
	WeightInt8(layer, short string) (shape []int, q []int8, scales []float32, err error)
}

// WeightSpec is one parameter tensor ResNet50 needs.
type WeightSpec struct {
	Layer, Short string
	Shape        []int
}

// Name is the Keras weight name, "conv1_conv/kernel:0".
func (w WeightSpec) Name() string { return w.Layer + "/" + w.Short + ":0" }

// bnShorts are a BatchNormalization layer's weights in Keras' order.
var bnShorts = []string{"gamma", "beta", "moving_mean", "moving_variance"}

// WeightSpecs lists every parameter of ResNet50 with include_top, in execution order.
func WeightSpecs() []WeightSpec {
	var specs []WeightSpec
	for _, c := range Convs() {
		specs = append(specs,
			WeightSpec{c.Name, "kernel", []int{c.Kernel, c.Kernel, c.Cin, c.Cout}},
			WeightSpec{c.Name, "bias", []int{c.Cout}})
		for _, s := range bnShorts {
			specs = append(specs, WeightSpec{c.BN, s, []int{c.Cout}})
		}
	}
	return append(specs,
		WeightSpec{"predictions", "kernel", []int{2048, NumClasses}},
		WeightSpec{"predictions", "bias", []int{NumClasses}})
}

// loadWeight reads one weight and checks its shape against the spec.
func loadWeight(src WeightSource, spec WeightSpec) ([]float32, error) {
	shape, data, err := src.Weight(spec.Layer, spec.Short)
	if err != nil {
		return nil, err
	}
	if !tensor.SameShape(shape, spec.Shape) {
		return nil, fmt.Errorf("%s has shape %v, ResNet50 needs %v", spec.Name(), shape, spec.Shape)
	}
	if len(data) != product(spec.Shape) {
		return nil, fmt.Errorf("%s has %d values for shape %v", spec.Name(), len(data), spec.Shape)
	}
	return data, nil
}

// loadKernelInt8 reads one kernel's int8 codes and scales and checks them against the spec.
func loadKernelInt8(src QuantizedSource, spec WeightSpec) (ops.Weights, error) {
	shape, q, scales, err := src.WeightInt8(spec.Layer, spec.Short)
	if err != nil {
		return ops.Weights{}, err
	}
	if !tensor.SameShape(shape, spec.Shape) {
		return ops.Weights{}, fmt.Errorf("%s has shape %v, ResNet50 needs %v", spec.Name(), shape, spec.Shape)
	}
	w, err := ops.Int8Weights(shape, q, scales)
	if err != nil {
		return ops.Weights{}, fmt.Errorf("%s: %w", spec.Name(), err)
	}
	return w, nil
}

// MissingWeights lists the Keras names of the weights that src lacks among specs.
func MissingWeights(src WeightSource, specs []WeightSpec) []string {
	var missing []string
	for _, s := range specs {
		if _, _, err := src.Weight(s.Layer, s.Short); errors.Is(err, ErrMissing) {
			missing = append(missing, s.Name())
		}
	}
	return missing
}

// Synthetic completes a partial source: weights the inner source has are passed through;
// missing ones are filled deterministically, each from its own PCG stream seeded by
// (Seed, FNV-1a hash of the weight name), so the values do not depend on the order of requests.
//
// A conv is followed by a batch norm whose statistics (γ, β, μ, σ²) stay real when the conv is
// missing, as in the partial file. Plain He-normal weights under those statistics blow the
// activations up (×10 per block: logits ~1e4, a one-hot softmax). So a synthetic conv is drawn so
// that conv followed by its real BN acts as a He-normal conv followed by an identity BN:
//
//	kernel[.., k] = N(0, 2/fan_in) · √(σ²_k+ε)/|γ_k|      fan_in = KH·KW·Cin
//	bias[k]       = μ_k − β_k·√(σ²_k+ε)/γ_k               (so BN(conv) = sign(γ_k)·He-normal conv)
//
// (with a synthetic or absent BN: γ=1, β=0, μ=0, σ²=1). The dense classifier takes Keras' default
// Dense init, Glorot-uniform U(±√(6/(fan_in+fan_out))), and a zero bias. Missing BN weights are
// γ=1, β=0, μ=0, σ²=1.
//
// These numbers are for shape and speed work only; results computed with them are not ImageNet
// predictions, and every output made with them says "synthetic": true.
type Synthetic struct {
	Inner WeightSource
	Seed  uint64

	filled map[string]bool // Keras names of the weights filled so far
}

// SyntheticInit names the fill above; model files record it.
const SyntheticInit = "he-normal-bn-matched+glorot-uniform-dense,pcg-fnv1a"

// Weight implements WeightSource.
func (s *Synthetic) Weight(layer, short string) ([]int, []float32, error) {
	shape, data, err := s.Inner.Weight(layer, short)
	if err == nil || !errors.Is(err, ErrMissing) {
		return shape, data, err
	}
	spec, ok := specByName(layer, short)
	if !ok {
		return nil, nil, err
	}
	if s.filled == nil {
		s.filled = map[string]bool{}
	}
	s.filled[spec.Name()] = true
	return spec.Shape, s.values(spec), nil
}

// Filled lists the Keras names of the weights that were synthesised, sorted.
func (s *Synthetic) Filled() []string {
	names := make([]string, 0, len(s.filled))
	for n := range s.filled {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func specByName(layer, short string) (WeightSpec, bool) {
	for _, s := range WeightSpecs() {
		if s.Layer == layer && s.Short == short {
			return s, true
		}
	}
	return WeightSpec{}, false
}

// bnStats returns the batch norm after conv layer `layer` as (γ, β, μ, √(σ²+ε)) per channel,
// each from the inner source or its synthetic default.
func (s *Synthetic) bnStats(layer string, channels int) (gamma, beta, mean, std []float64) {
	bn := strings.TrimSuffix(layer, "_conv") + "_bn"
	get := func(short string, def float64) []float64 {
		out := make([]float64, channels)
		_, data, err := s.Inner.Weight(bn, short)
		for i := range out {
			out[i] = def
			if err == nil && len(data) == channels {
				out[i] = float64(data[i])
			}
		}
		return out
	}
	gamma, beta, mean = get("gamma", 1), get("beta", 0), get("moving_mean", 0)
	std = get("moving_variance", 1)
	for i := range std {
		std[i] = math.Sqrt(std[i] + bnEpsilon)
	}
	return gamma, beta, mean, std
}

// bnEpsilon is Keras ResNet50's BatchNormalization epsilon (core/ops.KerasResNetBNEpsilon).
const bnEpsilon = 1.001e-5

func (s *Synthetic) values(spec WeightSpec) []float32 {
	out := make([]float32, product(spec.Shape))
	h := fnv.New64a()
	h.Write([]byte(spec.Name()))
	rng := rand.New(rand.NewPCG(s.Seed, h.Sum64()))
	cout := spec.Shape[len(spec.Shape)-1]
	isConv := strings.HasSuffix(spec.Layer, "_conv")
	switch {
	case spec.Short == "kernel" && isConv:
		gamma, _, _, std := s.bnStats(spec.Layer, cout)
		he := math.Sqrt(2 / float64(product(spec.Shape[:len(spec.Shape)-1])))
		for i := range out {
			k := i % cout
			scale := 1.0
			if gamma[k] != 0 {
				scale = std[k] / math.Abs(gamma[k])
			}
			out[i] = float32(rng.NormFloat64() * he * scale)
		}
	case spec.Short == "bias" && isConv:
		gamma, beta, mean, std := s.bnStats(spec.Layer, cout)
		for k := range out {
			out[k] = float32(mean[k])
			if gamma[k] != 0 {
				out[k] = float32(mean[k] - beta[k]*std[k]/gamma[k])
			}
		}
	case spec.Short == "kernel": // the dense classifier: Glorot-uniform
		limit := math.Sqrt(6 / float64(spec.Shape[0]+spec.Shape[1]))
		for i := range out {
			out[i] = float32((2*rng.Float64() - 1) * limit)
		}
	case spec.Short == "gamma", spec.Short == "moving_variance":
		for i := range out {
			out[i] = 1
		}
	}
	return out
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
