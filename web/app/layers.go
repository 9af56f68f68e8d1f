// layers.go: the settings' feature layer — which ResNet50 layer's pooled output the head reads
// (app.HeadBaseAt in the model worker; graft train --layer) — as the form offers it. The end of
// stage 4, and the end of stage 5, whose pooled output is exactly Keras' avg_pool
// (include_top=False, pooling="avg"). Stage 5 is offered only when the model computes it, and
// said to be synthetic when its weights are (the model worker's default layer is then stage 4's:
// app.BaseLayer).
package main

import (
	"strconv"
	"strings"

	"github.com/graftml/graft/web/wire"
)

// The layers a head may read from the form.
const (
	LayerStage4 = "conv4_block6_out"
	LayerStage5 = "conv5_block3_out"
)

// FeatureLayers are the form's layer choices besides the default ("").
var FeatureLayers = []string{LayerStage4, LayerStage5}

// MaxDropout bounds the dropout field (core/head wants a rate below 1).
const MaxDropout = 0.95

// computesStage5 reports whether a model whose last computable layer is last reaches the end
// of stage 5 (its pooling, or the classifier, come after it).
func computesStage5(last string) bool {
	return last == LayerStage5 || last == "avg_pool" || last == "predictions" || last == "logits"
}

// LayerOptions are the layer select's choices (choices.go) for the model of st: the default
// (the model worker's head layer), stage 4, and stage 5 where the model computes it, labelled
// synthetic when the default passed it over. LayerHint, under the select, explains them all.
func LayerOptions(st wire.Status) []Choice {
	def := "Default"
	if st.HeadLayer != "" {
		def += ": " + st.HeadLayer
	}
	opts := []Choice{{Value: "", Text: def}, {Value: LayerStage4, Text: LayerStage4 + " (stage 4)"}}
	if computesStage5(st.LastLayer) {
		text := LayerStage5 + " (avg_pool)"
		if stage5Synthetic(st) {
			text = "conv5 / avg_pool: synthetic"
		}
		opts = append(opts, Choice{Value: LayerStage5, Text: text})
	}
	return opts
}

// stage5Synthetic reports whether the model computes stage 5 but the model worker's default
// layer passed it over: its weights are a synthetic fill (app.BaseLayer).
func stage5Synthetic(st wire.Status) bool {
	return computesStage5(st.LastLayer) && st.HeadLayer != "" && st.HeadLayer != LayerStage5
}

// LayerHint explains the layer choices below the select (short enough at 375 px): what stage
// 5's pooled output is, and that its weights are synthetic where they are.
func LayerHint(st wire.Status) string {
	switch {
	case stage5Synthetic(st):
		return "Stage 5 (conv5_block3_out, pooled: Keras' avg_pool) holds synthetic weights in this model: a head there has nothing to learn from."
	case computesStage5(st.LastLayer):
		return "conv5_block3_out, pooled, is Keras' avg_pool (include_top=False, pooling=\"avg\"): 2048 features; stage 4 gives 1024."
	}
	return ""
}

// LayerStatus is st as the dynamic strategy's fields see it when the head reads layer: the
// blocks ending there are its block number (resnet50.TopBlocks' limit), and the memory
// estimate is unknown for a layer other than the model worker's (its sizes are the default's).
func LayerStatus(st wire.Status, layer string) wire.Status {
	if layer == "" || layer == st.HeadLayer {
		return st
	}
	st.HeadLayer, st.MaxUnfreeze, st.UnfreezeInputBytes = layer, blockNumber(layer), nil
	return st
}

// blockNumber is N of a "convS_blockN_out" layer (0 for another name).
func blockNumber(layer string) int {
	_, rest, ok := strings.Cut(layer, "_block")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSuffix(rest, "_out"))
	if err != nil {
		return 0
	}
	return n
}
