// Running the network on image files: read, preprocess (core/preprocess), forward (core/resnet50).
package main

import (
	"os"

	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// inputTensor reads an image file and returns the network input [1,224,224,3].
func (l *loaded) inputTensor(path string) (*tensor.Tensor, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pixels, err := preprocess.Load(data, l.resize, resnet50.InputSize) // [224,224,3] BGR, caffe
	if err != nil {
		return nil, err
	}
	return tensor.FromData(pixels, 1, resnet50.InputSize, resnet50.InputSize, 3)
}

// runTo runs an image file through the network up to layer.
func (l *loaded) runTo(path, layer string) (*tensor.Tensor, error) {
	x, err := l.inputTensor(path)
	if err != nil {
		return nil, err
	}
	return l.model.Run(x, layer, nil)
}
