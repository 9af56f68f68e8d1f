// Package convert turns Keras ResNet50 weights (any resnet50.WeightSource; in practice the
// official HDF5 file through weights/keras) into Graft's chunked model (weights/FORMAT.md):
// fold every batch norm into its conv, quantize conv and dense kernels to int8 per output
// channel (weights/quant), keep biases float32, and say per layer what quantization cost.
// Missing weights are an explicit choice, recorded in the manifest (weights/FORMAT.md): truncate the model after the last
// complete stage, or fill them with resnet50.Synthetic's seeded values and mark them synthetic.
package convert

import (
	"fmt"
	"slices"
	"strings"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/weights/format"
	"github.com/graftml/graft/weights/quant"
)

// What to do with weights the source lacks.
const (
	MissingTruncate  = "truncate"  // end the model at the last complete stage (default)
	MissingSynthetic = "synthetic" // fill with seeded He-normal values, marked synthetic
)

// Options configure Convert.
type Options struct {
	Missing string        // MissingTruncate ("" means this) or MissingSynthetic
	Seed    uint64        // seed of the synthetic fill
	DType   string        // format.DTypeInt8 ("" means this) or format.DTypeFloat32
	Source  format.Source // provenance written into the manifest
}

// LayerReport is what conversion did to one layer.
type LayerReport struct {
	Name   string
	State  string  // format.StatePresent, StateSynthetic or StateTruncated
	Shape  []int   // kernel shape; nil when truncated
	RelL2  float64 // ‖W − W'‖₂/‖W‖₂ of the int8 kernel W' against the folded float32 W (0 for float32 models)
	MaxAbs float64 // largest |W − W'|
}

// Result is a converted model, ready for format.WriteDir.
type Result struct {
	Manifest *format.Manifest
	Chunks   []format.ChunkData
	Layers   []LayerReport // every ResNet50 layer with weights, execution order
	Missing  []string      // Keras names of the weights the source lacked
	Bytes    int64         // payload size
}

// layerData is one layer folded, before it is stored.
type layerData struct {
	name, bn, state string
	kernel          *tensor.Tensor // folded, float32
	bias            []float32
}

// Convert reads every layer from src, applies the missing-weights policy and builds the model.
func Convert(src resnet50.WeightSource, opts Options) (*Result, error) {
	if opts.Missing == "" {
		opts.Missing = MissingTruncate
	}
	if opts.DType == "" {
		opts.DType = format.DTypeInt8
	}
	if opts.Missing != MissingTruncate && opts.Missing != MissingSynthetic {
		return nil, fmt.Errorf("convert: missing-weights policy %q, want %q or %q", opts.Missing, MissingTruncate, MissingSynthetic)
	}
	if opts.DType != format.DTypeInt8 && opts.DType != format.DTypeFloat32 {
		return nil, fmt.Errorf("convert: dtype %q, want %q or %q", opts.DType, format.DTypeInt8, format.DTypeFloat32)
	}
	res := &Result{Missing: resnet50.MissingWeights(src, resnet50.WeightSpecs())}
	if opts.Missing == MissingSynthetic {
		src = &resnet50.Synthetic{Inner: src, Seed: opts.Seed}
	}
	layers, err := readLayers(src, res.Missing)
	if err != nil {
		return nil, err
	}
	if layers[0].state == format.StateTruncated {
		return nil, fmt.Errorf("convert: the source lacks conv1 (%s): there is nothing to convert", strings.Join(res.Missing, ", "))
	}
	truncateAfterLastCompleteStage(layers)

	b := format.NewBuilder(opts.DType)
	b.Model().Source = opts.Source
	for _, l := range layers {
		b.AddLayer(format.Layer{Name: l.name, State: l.state, BatchNorm: l.bn})
		if l.state == format.StateSynthetic && b.Model().Synthetic == nil {
			b.Model().Synthetic = &format.SyntheticInfo{Init: format.SyntheticInitHeNorm, Seed: opts.Seed}
		}
		report := LayerReport{Name: l.name, State: l.state}
		if l.state != format.StateTruncated {
			report.Shape = l.kernel.Shape
			if err := storeLayer(b, l, opts.DType, &report); err != nil {
				return nil, err
			}
		}
		res.Layers = append(res.Layers, report)
	}
	if res.Manifest, res.Chunks, err = b.Finish(); err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	for _, c := range res.Chunks {
		res.Bytes += int64(len(c.Data))
	}
	return res, nil
}

// readLayers folds every layer; a layer with a missing weight is marked truncated (and, through
// resnet50.Synthetic, never is in synthetic mode: there it is marked synthetic instead).
func readLayers(src resnet50.WeightSource, missing []string) ([]layerData, error) {
	lacks := func(layer, bn string) bool {
		return slices.ContainsFunc(missing, func(w string) bool {
			l, _, _ := strings.Cut(w, "/")
			return l == layer || bn != "" && l == bn
		})
	}
	var layers []layerData
	add := func(name, bn string, k *tensor.Tensor, b []float32, err error) error {
		l := layerData{name: name, bn: bn, state: format.StatePresent, kernel: k, bias: b}
		switch {
		case isMissing(err):
			l.state = format.StateTruncated
		case err != nil:
			return fmt.Errorf("convert: %s: %w", name, err)
		case lacks(name, bn):
			l.state = format.StateSynthetic
		}
		layers = append(layers, l)
		return nil
	}
	for _, c := range resnet50.Convs() {
		k, b, err := FoldConv(src, c)
		if err := add(c.Name, c.BN, k, b, err); err != nil {
			return nil, err
		}
	}
	k, b, err := Dense(src)
	if err := add(DenseLayer, "", k, b, err); err != nil {
		return nil, err
	}
	return layers, nil
}

// truncateAfterLastCompleteStage marks every layer from the first stage with a missing layer on
// as truncated (stages: conv1, conv2 … conv5, predictions).
func truncateAfterLastCompleteStage(layers []layerData) {
	cut := ""
	for _, l := range layers {
		if l.state == format.StateTruncated {
			cut = stageOf(l.name)
			break
		}
	}
	if cut == "" {
		return
	}
	truncating := false
	for i := range layers {
		truncating = truncating || stageOf(layers[i].name) == cut
		if truncating {
			layers[i] = layerData{name: layers[i].name, bn: layers[i].bn, state: format.StateTruncated}
		}
	}
}

// storeLayer adds a layer's kernel (int8 or float32) and bias, and reports the kernel's error.
func storeLayer(b *format.Builder, l layerData, dtype string, r *LayerReport) error {
	kname, bname := l.name+"/kernel:0", l.name+"/bias:0"
	if dtype == format.DTypeFloat32 {
		if err := b.AddFloat32(kname, l.kernel.Shape, l.kernel.Data); err != nil {
			return err
		}
	} else {
		q, scales, deq, err := QuantizeKernel(l.kernel)
		if err != nil {
			return fmt.Errorf("convert: %s: %w", kname, err)
		}
		if err := b.AddInt8(kname, l.kernel.Shape, q, scales); err != nil {
			return err
		}
		r.RelL2 = quant.RelativeL2Error(l.kernel.Data, deq)
		for i, v := range l.kernel.Data {
			r.MaxAbs = max(r.MaxAbs, abs64(float64(v)-float64(deq[i])))
		}
	}
	return b.AddFloat32(bname, []int{len(l.bias)}, l.bias)
}

func abs64(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
