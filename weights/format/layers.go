// ResNet50's layers with weights as the format lists them (weights/FORMAT.md §Layers): the 53
// Conv2D layers of core/resnet50 in execution order, each with the BatchNormalization folded
// into it, then the predictions Dense layer. Which output layer a set of layers can compute
// follows resnet50.Model's rule: stop before the first block with a conv missing.
package format

import "github.com/graftml/graft/core/resnet50"

// DenseLayer is the Keras name of the classifier.
const DenseLayer = resnet50.DenseLayer

type layerName struct{ name, bn string }

// modelLayers lists ResNet50's layers with weights in execution order.
func modelLayers() []layerName {
	var out []layerName
	for _, c := range resnet50.Convs() {
		out = append(out, layerName{c.Name, c.BN})
	}
	return append(out, layerName{DenseLayer, ""})
}

// weightSpecsByName indexes resnet50.WeightSpecs by Keras weight name.
func weightSpecsByName() map[string]resnet50.WeightSpec {
	specs := map[string]resnet50.WeightSpec{}
	for _, s := range resnet50.WeightSpecs() {
		specs[s.Name()] = s
	}
	return specs
}

// lastLayerOf is resnet50.LastLayer over the layers for which usable(i) holds.
func lastLayerOf(layers []Layer, usable func(i int) bool) string {
	ok := map[string]bool{}
	for i, l := range layers {
		if usable(i) {
			ok[l.Name] = true
		}
	}
	return resnet50.LastLayer(func(name string) bool { return ok[name] })
}
