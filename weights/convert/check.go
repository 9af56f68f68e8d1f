// The end-to-end part of the conversion report: the converted model against the float32 model
// of the same source on sample images. For a model that classifies: max |logit| difference and
// top-1 / top-5 agreement; for a truncated one: the cosine similarity of the global-average-pooled
// features of its last layer.
package convert

import (
	"fmt"
	"math"
	"slices"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// Check is the end-to-end comparison on a set of images.
type Check struct {
	Layer  string // the layer compared: resnet50.Logits, or the truncated model's last layer
	Images int

	// Truncated models (Layer is a convS_blockN_out): cosine similarity of pooled features.
	MinCosine, MeanCosine float64

	// Classifying models (Layer is logits).
	MaxLogitDiff float64 // max over images and classes of |logit_int8 − logit_f32|
	MaxLogit     float64 // max |logit_f32|, the scale MaxLogitDiff is to be read against
	Top1Agree    int     // images whose top-1 class is the same
	Top5Agree    int     // images whose top-5 classes are the same set
	Top5Overlap  float64 // mean |top5_int8 ∩ top5_f32| / 5
}

// checkBatch bounds how many images run through the network at once (memory, not speed).
const checkBatch = 4

// Compare runs images ([H,W,3] caffe-preprocessed BGR, all the same size) through both models
// up to the converted model's last layer (its logits when it classifies) and compares.
func Compare(converted, reference *resnet50.Model, images [][]float32, h, w int) (*Check, error) {
	if len(images) == 0 {
		return nil, fmt.Errorf("convert: no images to compare on")
	}
	c := &Check{Layer: converted.LastLayer(), Images: len(images), MinCosine: math.Inf(1)}
	if c.Layer == "predictions" {
		c.Layer = resnet50.Logits
	}
	for at := 0; at < len(images); at += checkBatch {
		batch := images[at:min(at+checkBatch, len(images))]
		x := tensor.New(len(batch), h, w, 3)
		for i, img := range batch {
			if len(img) != h*w*3 {
				return nil, fmt.Errorf("convert: image %d has %d values, want %dx%dx3", at+i, len(img), h, w)
			}
			copy(x.Data[i*h*w*3:], img)
		}
		got, err := run(converted, x, c.Layer)
		if err != nil {
			return nil, err
		}
		want, err := run(reference, x, c.Layer)
		if err != nil {
			return nil, err
		}
		n := len(got.Data) / len(batch) // features or classes per image
		for i := range batch {
			c.add(got.Data[i*n:(i+1)*n], want.Data[i*n:(i+1)*n])
		}
	}
	c.MeanCosine /= float64(c.Images)
	c.Top5Overlap /= float64(c.Images)
	if c.Layer == resnet50.Logits {
		c.MinCosine, c.MeanCosine = 0, 0
	}
	return c, nil
}

// run computes layer for x; a convolutional layer's output is global-average-pooled to [N,C].
func run(m *resnet50.Model, x *tensor.Tensor, layer string) (*tensor.Tensor, error) {
	y, err := m.Run(x, layer, nil)
	if err != nil {
		return nil, err
	}
	if len(y.Shape) == 4 {
		y = ops.GlobalAvgPool(y)
	}
	return y, nil
}

func (c *Check) add(got, want []float32) {
	if c.Layer != resnet50.Logits {
		cos := Cosine(got, want)
		c.MinCosine = min(c.MinCosine, cos)
		c.MeanCosine += cos
		return
	}
	for i := range got {
		c.MaxLogitDiff = max(c.MaxLogitDiff, math.Abs(float64(got[i])-float64(want[i])))
		c.MaxLogit = max(c.MaxLogit, math.Abs(float64(want[i])))
	}
	g, w := topK(got, 5), topK(want, 5)
	if g[0] == w[0] {
		c.Top1Agree++
	}
	common := 0
	for _, k := range g {
		if slices.Contains(w, k) {
			common++
		}
	}
	if common == 5 {
		c.Top5Agree++
	}
	c.Top5Overlap += float64(common) / 5
}

// Cosine is the cosine similarity of two vectors in float64 (1 for two zero vectors).
func Cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 && bb == 0 {
		return 1
	}
	return ab / math.Sqrt(aa*bb)
}

// topK returns the indices of the k largest values, largest first (ties: lower index first).
func topK(v []float32, k int) []int {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case v[a] > v[b]:
			return -1
		case v[a] < v[b]:
			return 1
		}
		return 0
	})
	return idx[:min(k, len(idx))]
}
