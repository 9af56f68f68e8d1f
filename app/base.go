// Package app is Graft's application over the engine in core/: the choices and the runs that
// `graft` (core/cmd/graft) and the browser's model worker (web/engine, web/worker) share, so
// they are written once. base.go: which ResNet50 layer a new head reads — the last stage's
// output (Keras' include_top=False ResNet50 output, conv5_block3_out) when stage 5 has real
// weights, else the end of stage 4, since pooled features of synthetic or missing layers carry
// nothing to learn from.
package app

import (
	"fmt"

	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/weights/format"
)

// Layers a head reads by default.
const (
	HeadLayerFull      = "conv5_block3_out" // a model with real stage-5 weights
	HeadLayerTruncated = "conv4_block6_out" // a model with synthetic weights, or ending before stage 5
)

// BaseLayer is the feature layer of a head trained on a model whose last computable layer is
// last (resnet50.LastLayer) and whose weights are synthetic when synthetic is set.
func BaseLayer(last string, synthetic bool) string {
	if !synthetic && resnet50.LayerIndex(last) >= resnet50.LayerIndex(HeadLayerFull) {
		return HeadLayerFull
	}
	return HeadLayerTruncated
}

// HeadBase is what a head trained on manifest m's model reads: its model id, BaseLayer, the
// layer's channels, and resize mode.
func HeadBase(m *format.Manifest, resize string) (head.Base, error) {
	return HeadBaseAt(m, resize, "")
}

// HeadBaseAt is HeadBase with the head reading layer ("": BaseLayer's), which must have pooled
// features (resnet50.OutputChannels) and lie within m's model (graft train --layer).
func HeadBaseAt(m *format.Manifest, resize, layer string) (head.Base, error) {
	mode, err := preprocess.ParseResizeMode(resize)
	if err != nil {
		return head.Base{}, err
	}
	if layer == "" {
		layer = BaseLayer(m.Model.LastLayer, m.Model.Synthetic != nil)
	}
	if resnet50.OutputChannels(layer) <= 0 {
		return head.Base{}, fmt.Errorf("layer %q has no pooled features (use a convS_blockN_out layer, conv1_relu or pool1_pool)", layer)
	}
	if last := resnet50.LayerIndex(m.Model.LastLayer); last >= 0 && resnet50.LayerIndex(layer) > last {
		return head.Base{}, fmt.Errorf("layer %s lies beyond this model's last layer, %s", layer, m.Model.LastLayer)
	}
	b := head.Base{ModelID: m.Model.ID, Layer: layer, Features: resnet50.OutputChannels(layer), Resize: string(mode)}
	return b, b.Check()
}
