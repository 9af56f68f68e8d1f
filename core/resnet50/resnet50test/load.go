// load.go: how New reads the weights — float32 values checked against resnet50.WeightSpecs'
// shapes, or a kernel's int8 codes and scales from a resnet50.QuantizedSource. A missing weight
// ends the model early (as in resnet50.New); any other error fails New.
package resnet50test

import (
	"errors"
	"fmt"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

type loader struct {
	src resnet50.WeightSource
	err error // the first error other than a missing weight
}

func (ld *loader) note(err error) {
	if err != nil && !errors.Is(err, resnet50.ErrMissing) && ld.err == nil {
		ld.err = err
	}
}

// float32 reads one weight [spec.Shape] (nil when it is missing or failed).
func (ld *loader) float32(spec resnet50.WeightSpec) []float32 {
	shape, data, err := ld.src.Weight(spec.Layer, spec.Short)
	if err == nil && !tensor.SameShape(shape, spec.Shape) {
		err = fmt.Errorf("%s has shape %v, ResNet50 needs %v", spec.Name(), shape, spec.Shape)
	}
	if err == nil {
		_, err = tensor.FromData(data, spec.Shape...) // checks the number of values
	}
	ld.note(err)
	if err != nil {
		return nil
	}
	return data
}

// kernel reads a conv or dense kernel as the source stores it: int8 codes and scales from a
// QuantizedSource, float32 otherwise.
func (ld *loader) kernel(spec resnet50.WeightSpec) (ops.Weights, bool) {
	if qs, ok := ld.src.(resnet50.QuantizedSource); ok {
		shape, q, scales, err := qs.WeightInt8(spec.Layer, spec.Short)
		if !errors.Is(err, resnet50.ErrNotInt8) {
			var w ops.Weights
			if err == nil && !tensor.SameShape(shape, spec.Shape) {
				err = fmt.Errorf("%s has shape %v, ResNet50 needs %v", spec.Name(), shape, spec.Shape)
			}
			if err == nil {
				w, err = ops.Int8Weights(shape, q, scales)
			}
			ld.note(err)
			return w, err == nil
		}
	}
	data := ld.float32(spec)
	if data == nil {
		return ops.Weights{}, false
	}
	t, _ := tensor.FromData(data, spec.Shape...) // float32 checked the length
	return ops.F32Weights(t), true
}
