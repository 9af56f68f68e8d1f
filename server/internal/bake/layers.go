// layers.go: whether a ResNet50 output layer comes no later than another (resnet50.LayerIndex).
package bake

import "github.com/graftml/graft/core/resnet50"

func layerWithin(layer, last string) bool {
	i, j := resnet50.LayerIndex(layer), resnet50.LayerIndex(last)
	return i >= 0 && j >= 0 && i <= j
}
