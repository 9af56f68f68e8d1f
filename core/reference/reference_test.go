// The whole-network check of design §2: core/resnet50 against this independent GoMLX build,
// layer by layer, on real photos with the real (partial) Keras weights, and on the logits of the
// full network with the synthetic fill.
package reference

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/internal/shared"
	"github.com/graftml/graft/weights"
	"github.com/graftml/graft/weights/keras"
)

// maxRelErr is design §2's bound: max |ours − ref| / max |ref| per layer. Both sides compute in
// float32 with different summation orders (im2col GEMM vs GoMLX's conv loops); over ~50 layers
// that drifts by a few 1e-6 relative, so 1e-4 leaves room without hiding a wrong op (a wrong
// padding or a missed BN term shows up as 1e-2 or worse).
const maxRelErr = 1e-4

// photos are real images from the shared data, one JPEG of each kind the tests care about.
var photos = []string{
	"data/imagenet-samples/images/n02123045_tabby.JPEG",
	"data/resnet50-caffe-partial/test/african_bush_elephant.jpg",
}

func loadSource(t *testing.T) resnet50.WeightSource {
	f, err := keras.ReadFile(shared.Path(t, shared.PartialH5))
	if err != nil {
		t.Fatal(err)
	}
	return weights.KerasSource(f)
}

func loadPhoto(t *testing.T, rel string) *tensor.Tensor {
	data, err := os.ReadFile(shared.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	pixels, err := preprocess.Load(data, preprocess.Nearest, resnet50.InputSize)
	if err != nil {
		t.Fatal(err)
	}
	x, err := tensor.FromData(pixels, 1, resnet50.InputSize, resnet50.InputSize, 3)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// compare runs both implementations to stopAt and checks every output layer on the way.
func compare(t *testing.T, src resnet50.WeightSource, x *tensor.Tensor, stopAt string) {
	model, err := resnet50.New(src, resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string][]float32{}
	var layers []string
	_, err = model.Run(x, stopAt, func(name string, act *tensor.Tensor) {
		ours[name] = append([]float32(nil), act.Data...)
		layers = append(layers, name)
	})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := Run(src, x.Data, x.Shape, layers)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range layers {
		r := ref[name]
		if len(r.Data) != len(ours[name]) {
			t.Errorf("%s: %d values, reference has %d (shape %v)", name, len(ours[name]), len(r.Data), r.Shape)
			continue
		}
		maxDiff, sumDiff, maxRef := 0.0, 0.0, 0.0
		for i, v := range r.Data {
			d := math.Abs(float64(ours[name][i]) - float64(v))
			maxDiff = math.Max(maxDiff, d)
			sumDiff += d
			maxRef = math.Max(maxRef, math.Abs(float64(v)))
		}
		rel := maxDiff / maxRef
		t.Logf("%-18s max|diff| %.3g  mean|diff| %.3g  max|ref| %.4g  rel %.3g", name, maxDiff, sumDiff/float64(len(r.Data)), maxRef, rel)
		if !(rel <= maxRelErr) {
			t.Errorf("%s: max|ours−ref|/max|ref| = %.3g > %g", name, rel, maxRelErr)
		}
	}
}

func TestResNet50MatchesGoMLXOnRealWeights(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-network reference comparison skipped in -short mode")
	}
	src := loadSource(t)
	for _, p := range photos {
		t.Run(filepath.Base(p), func(t *testing.T) {
			compare(t, src, loadPhoto(t, p), "conv4_block6_out")
		})
	}
}

func TestResNet50MatchesGoMLXWithSyntheticFill(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-network reference comparison skipped in -short mode")
	}
	src := &resnet50.Synthetic{Inner: loadSource(t), Seed: 1}
	compare(t, src, loadPhoto(t, photos[0]), resnet50.Logits)
	if len(src.Filled()) == 0 {
		t.Fatal("the partial file needed no synthetic fill: is it the partial file?")
	}
}
