// Package weights turns stored weights (the Keras HDF5 file today, the int8 chunked format
// next) into the resnet50.WeightSource the engine reads.
package weights

import (
	"errors"
	"fmt"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/weights/keras"
)

// KerasSource serves the weights of a Keras HDF5 weights file to resnet50.New.
// A weight the file lacks yields an error wrapping resnet50.ErrMissing.
func KerasSource(f *keras.File) resnet50.WeightSource { return kerasSource{f} }

type kerasSource struct{ f *keras.File }

func (s kerasSource) Weight(layer, short string) ([]int, []float32, error) {
	w, err := s.f.Get(layer, short)
	if errors.Is(err, keras.ErrMissing) {
		return nil, nil, fmt.Errorf("%s/%s:0: %w", layer, short, resnet50.ErrMissing)
	}
	if err != nil {
		return nil, nil, err
	}
	return w.Shape, w.Data, nil
}
