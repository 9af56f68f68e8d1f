// Running the network on image files: read, preprocess (core/preprocess), forward (core/resnet50).
package main

import (
	"image"
	"os"

	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// inputTensor reads an image file and returns the network input [1,224,224,3].
func (l *loaded) inputTensor(path string) (*tensor.Tensor, error) {
	_, x, err := l.prepared(path)
	return x, err
}

// prepared reads an image file and returns it as the network sees it — the resized photo
// (Decode, then Resize with l.resize: preprocess.Load's steps) — and that photo as the
// network input [1,224,224,3] (caffe BGR).
func (l *loaded) prepared(path string) (*image.RGBA, *tensor.Tensor, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	img, _, err := preprocess.Decode(data)
	if err != nil {
		return nil, nil, err
	}
	seen, err := preprocess.Resize(img, l.resize, resnet50.InputSize)
	if err != nil {
		return nil, nil, err
	}
	x, err := tensor.FromData(preprocess.CaffeBGR(seen), 1, resnet50.InputSize, resnet50.InputSize, 3)
	return seen, x, err
}

// runTo runs an image file through the network up to layer.
func (l *loaded) runTo(path, layer string) (*tensor.Tensor, error) {
	x, err := l.inputTensor(path)
	if err != nil {
		return nil, err
	}
	return l.model.Run(x, layer, nil)
}
