// load.go: how New reads weights from a WeightSource — float32 values, or a kernel's int8 codes
// and scales from a QuantizedSource — noting missing weights (the model then ends early) apart
// from other errors (the first one fails New).
package resnet50

import (
	"errors"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/tensor"
)

type weightLoader struct {
	src     WeightSource
	q8      QuantizedSource // nil unless the source has int8 kernels and they may stay int8
	missing []string        // Keras names of the missing weights, in request order
	err     error           // the first error other than a missing weight
}

func newWeightLoader(src WeightSource, allowInt8 bool) *weightLoader {
	ld := &weightLoader{src: src}
	if qs, ok := src.(QuantizedSource); ok && allowInt8 {
		ld.q8 = qs
	}
	return ld
}

// note records err: a missing weight by name, anything else once.
func (ld *weightLoader) note(spec WeightSpec, err error) {
	switch {
	case errors.Is(err, ErrMissing):
		ld.missing = append(ld.missing, spec.Name())
	case err != nil && ld.err == nil:
		ld.err = err
	}
}

// float32 reads one weight as float32 (nil when it is missing or failed).
func (ld *weightLoader) float32(spec WeightSpec) []float32 {
	data, err := loadWeight(ld.src, spec)
	ld.note(spec, err)
	return data
}

// kernel reads a conv or dense kernel: its int8 codes and scales when the source stores it so and
// asStored says it will be used unchanged (no batch norm to fold in here), float32 otherwise.
func (ld *weightLoader) kernel(spec WeightSpec, asStored bool) (ops.Weights, bool) {
	if ld.q8 != nil && asStored {
		w, err := loadKernelInt8(ld.q8, spec)
		if !errors.Is(err, ErrNotInt8) {
			ld.note(spec, err)
			return w, err == nil
		}
	}
	data := ld.float32(spec)
	if data == nil {
		return ops.Weights{}, false
	}
	t, err := tensor.FromData(data, spec.Shape...) // loadWeight checked the length
	ld.note(spec, err)
	return ops.F32Weights(t), err == nil
}
