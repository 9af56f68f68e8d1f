// Tests of the converter on the real (partial) Keras ResNet50 weights: the missing-weights
// policies, the quantization error budget per layer, BN folding against the unfolded graph,
// the --h5 int8 path against the converted model, and end to end: int8 conv4_block6_out
// features on real photos against float32.
package convert

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/resnet50/resnet50test"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/internal/shared"
	"github.com/graftml/graft/weights"
	"github.com/graftml/graft/weights/format"
	"github.com/graftml/graft/weights/keras"
)

const (
	// sizeBudget is the size budget of the whole converted ResNet50 (float32 is ~98 MB).
	sizeBudget = 27_000_000
	// relL2Budget bounds each int8 kernel's relative L2 error. Per-channel int8 with step
	// amax/127 gives ≈ 0.5–1.5% on these weights (measured 0.66%–1.98%, the largest on the
	// synthetic conv5 kernels' heavy-tailed folded channels); 2.5% flags a broken scale or rounding.
	relL2Budget = 0.025
	// minFeatureCosine is the end-to-end requirement for int8 vs float32 features.
	minFeatureCosine = 0.999
	// foldTolerance bounds max|folded − unfolded| / max|unfolded| at conv4_block6_out: folding
	// only changes float32 rounding (the engine is held to 1e-4 relative on logits against the GoMLX reference).
	foldTolerance = 1e-4
)

var partialFile = sync.OnceValues(func() (*keras.File, error) {
	dir := shared.Dir()
	if dir == "" {
		return nil, nil
	}
	return keras.ReadFile(filepath.Join(dir, shared.PartialH5))
})

func partialSource(t *testing.T) resnet50.WeightSource {
	t.Helper()
	shared.Path(t, shared.PartialH5) // skips when the shared data is absent
	f, err := partialFile()
	if err != nil {
		t.Fatal(err)
	}
	return weights.KerasSource(f)
}

// converted caches conversions of the partial file by options (they take about a second).
var (
	convertedMu sync.Mutex
	converted   = map[Options]*Result{}
)

func convertPartial(t *testing.T, opts Options) *Result {
	t.Helper()
	src := partialSource(t)
	convertedMu.Lock()
	defer convertedMu.Unlock()
	if r := converted[opts]; r != nil {
		return r
	}
	r, err := Convert(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	converted[opts] = r
	return r
}

// loaderOf streams a conversion's chunks into a format.Loader, as a reader of the folder would.
func loaderOf(t *testing.T, r *Result) *format.Loader {
	t.Helper()
	data, err := r.Manifest.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	l, err := format.NewLoader(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Chunks {
		if _, err := l.AddChunk(c.File, c.Data); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func newModel(t *testing.T, src resnet50.WeightSource, opts resnet50.Options) *resnet50.Model {
	t.Helper()
	m, err := resnet50.New(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func stateOf(r *Result) map[string]string {
	s := map[string]string{}
	for _, l := range r.Layers {
		s[l.Name] = l.State
	}
	return s
}

func TestTruncateEndsAtLastCompleteStage(t *testing.T) {
	r := convertPartial(t, Options{})
	if got := r.Manifest.Model.LastLayer; got != "conv4_block6_out" {
		t.Fatalf("last layer %s, want conv4_block6_out", got)
	}
	states := stateOf(r)
	for _, l := range r.Layers {
		want := format.StatePresent
		if stageOf(l.Name) == "conv5" || l.Name == DenseLayer {
			want = format.StateTruncated // conv5_block1_1_conv too: its stage is incomplete
		}
		if l.State != want {
			t.Fatalf("%s is %s, want %s", l.Name, l.State, want)
		}
	}
	if states["conv5_block1_1_conv"] != format.StateTruncated || r.Manifest.Model.Synthetic != nil {
		t.Fatal("the truncated model keeps stage 5 or claims synthetic layers")
	}
	// The partial file lacks 9 conv5 convs and the whole predictions layer (SOURCES.md).
	for _, w := range []string{"conv5_block1_0_conv/kernel:0", "conv5_block3_3_conv/bias:0", "predictions/kernel:0"} {
		if !slices.Contains(r.Missing, w) {
			t.Fatalf("missing list %v lacks %s", r.Missing, w)
		}
	}
	if slices.Contains(r.Missing, "conv5_block1_1_conv/kernel:0") || slices.Contains(r.Missing, "conv5_block1_0_bn/gamma:0") {
		t.Fatalf("missing list %v names weights the file has", r.Missing)
	}
	t.Logf("truncated int8 model: %d bytes in %d chunks", r.Bytes, len(r.Chunks))
}

func TestSyntheticCompletesAndLabels(t *testing.T) {
	r := convertPartial(t, Options{Missing: MissingSynthetic, Seed: 1})
	m := r.Manifest
	if m.Model.LastLayer != "predictions" || m.Model.Synthetic == nil || m.Model.Synthetic.Seed != 1 {
		t.Fatalf("last layer %s, synthetic %+v", m.Model.LastLayer, m.Model.Synthetic)
	}
	states := stateOf(r)
	for name, want := range map[string]string{
		"conv4_block6_3_conv": format.StatePresent, "conv5_block1_1_conv": format.StatePresent,
		"conv5_block1_0_conv": format.StateSynthetic, "conv5_block3_3_conv": format.StateSynthetic,
		DenseLayer: format.StateSynthetic,
	} {
		if states[name] != want {
			t.Fatalf("%s is %s, want %s", name, states[name], want)
		}
	}
	if r.Bytes > sizeBudget {
		t.Fatalf("the complete int8 model is %d bytes, budget %d", r.Bytes, sizeBudget)
	}
	t.Logf("synthetic-complete int8 model: %d bytes in %d chunks", r.Bytes, len(r.Chunks))
}

func TestQuantizationErrorBudget(t *testing.T) {
	r := convertPartial(t, Options{Missing: MissingSynthetic, Seed: 1})
	lo, hi := math.Inf(1), 0.0
	for _, l := range r.Layers {
		if l.RelL2 <= 0 || l.RelL2 > relL2Budget {
			t.Errorf("%s (%s): relative L2 error %.4f outside (0, %g]", l.Name, l.State, l.RelL2, relL2Budget)
		}
		lo, hi = min(lo, l.RelL2), max(hi, l.RelL2)
	}
	t.Logf("per-layer relative L2 error of int8 kernels: %.4f … %.4f", lo, hi)
	f32 := convertPartial(t, Options{DType: format.DTypeFloat32})
	for _, l := range f32.Layers {
		if l.RelL2 != 0 {
			t.Fatalf("float32 model reports error %g on %s", l.RelL2, l.Name)
		}
	}
}

// testImage loads a real photo, caffe-preprocessed at size×size.
func testImage(t *testing.T, name string, size int) []float32 {
	t.Helper()
	data, err := os.ReadFile(shared.Path(t, "data/imagenet-samples/images/"+name))
	if err != nil {
		t.Fatal(err)
	}
	x, err := preprocess.Load(data, preprocess.Crop, size)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestFoldingMatchesUnfoldedGraph: the float32 model written by the converter (BN folded)
// against the Keras graph with separate BatchNormalization ops (resnet50test), at conv4_block6_out; and
// against the engine's own folding, which must be the same function: identical bits.
func TestFoldingMatchesUnfoldedGraph(t *testing.T) {
	const size = 96 // small input: the comparison is per pixel, not about classification
	x, err := tensor.FromData(testImage(t, "n01530575_brambling.JPEG", size), 1, size, size, 3)
	if err != nil {
		t.Fatal(err)
	}
	folded := newModel(t, loaderOf(t, convertPartial(t, Options{DType: format.DTypeFloat32})), resnet50.Options{})
	unfolded, err := resnet50test.New(partialSource(t), resnet50test.Options{})
	if err != nil {
		t.Fatal(err)
	}
	engine := newModel(t, partialSource(t), resnet50.Options{})
	got, err := folded.Run(x, "conv4_block6_out", nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := unfolded.Run(x, "conv4_block6_out", nil)
	if err != nil {
		t.Fatal(err)
	}
	var maxDiff, maxAbs float64
	for i := range want.Data {
		maxDiff = max(maxDiff, math.Abs(float64(got.Data[i])-float64(want.Data[i])))
		maxAbs = max(maxAbs, math.Abs(float64(want.Data[i])))
	}
	if maxAbs == 0 || maxDiff/maxAbs > foldTolerance {
		t.Fatalf("folded vs unfolded: max diff %g of max %g (relative %g > %g)", maxDiff, maxAbs, maxDiff/maxAbs, foldTolerance)
	}
	t.Logf("folded vs unfolded at conv4_block6_out: max |diff| %.3g, relative to max %.3g", maxDiff, maxDiff/maxAbs)
	same, err := engine.Run(x, "conv4_block6_out", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range same.Data {
		if same.Data[i] != got.Data[i] {
			t.Fatalf("the converter's float32 model and the engine's folding differ at %d: %g vs %g", i, got.Data[i], same.Data[i])
		}
	}
}

// TestH5Int8EqualsConvertedModel: `--h5 --precision int8` (Folded{Quantize}) serves exactly the
// weights an int8 model folder serves, for every tensor.
func TestH5Int8EqualsConvertedModel(t *testing.T) {
	l := loaderOf(t, convertPartial(t, Options{Missing: MissingSynthetic, Seed: 1}))
	atLoad := &Folded{Inner: &resnet50.Synthetic{Inner: partialSource(t), Seed: 1}, Quantize: true}
	for _, tn := range l.Manifest().Tensors {
		layer, short, _ := strings.Cut(strings.TrimSuffix(tn.Name, ":0"), "/")
		_, want, err := l.Weight(layer, short)
		if err != nil {
			t.Fatal(err)
		}
		shape, got, err := atLoad.Weight(layer, short)
		if err != nil {
			t.Fatal(err)
		}
		if !tensor.SameShape(shape, tn.Shape) || !slices.Equal(got, want) {
			t.Fatalf("%s differs between --h5 int8 and the converted model", tn.Name)
		}
		// and as int8 (resnet50.QuantizedSource): the same codes and scales
		_, wantQ, wantS, wantErr := l.WeightInt8(layer, short)
		_, gotQ, gotS, gotErr := atLoad.WeightInt8(layer, short)
		if (wantErr == nil) != (gotErr == nil) || !slices.Equal(gotQ, wantQ) || !slices.Equal(gotS, wantS) {
			t.Fatalf("%s: int8 form differs between --h5 int8 (%v) and the converted model (%v)", tn.Name, gotErr, wantErr)
		}
		if gotErr != nil && !errors.Is(gotErr, resnet50.ErrNotInt8) {
			t.Fatalf("%s: WeightInt8: %v", tn.Name, gotErr)
		}
	}
	var _ resnet50.QuantizedSource = atLoad
	if _, _, _, err := (&Folded{Inner: atLoad.Inner}).WeightInt8("conv1_conv", "kernel"); !errors.Is(err, resnet50.ErrNotInt8) {
		t.Fatalf("Folded without Quantize: WeightInt8 err %v, want ErrNotInt8", err)
	}
	if _, _, err := atLoad.Weight("conv1_bn", "gamma"); !errors.Is(err, resnet50.ErrMissing) {
		t.Fatalf("BN weight through Folded: %v, want ErrMissing", err)
	}
}

// TestInt8FeaturesMatchFloat32 is the end-to-end check: the int8 model's
// conv4_block6_out features on real photos have cosine similarity ≥ 0.999 with float32's.
func TestInt8FeaturesMatchFloat32(t *testing.T) {
	var images [][]float32
	for _, name := range []string{"n01530575_brambling.JPEG", "n02123045_tabby.JPEG", "n02099601_golden_retriever.JPEG"} {
		images = append(images, testImage(t, name, resnet50.InputSize))
	}
	int8Model := newModel(t, loaderOf(t, convertPartial(t, Options{})), resnet50.Options{})
	float32Model := newModel(t, partialSource(t), resnet50.Options{})
	c, err := Compare(int8Model, float32Model, images, resnet50.InputSize, resnet50.InputSize)
	if err != nil {
		t.Fatal(err)
	}
	if c.Layer != "conv4_block6_out" || c.Images != len(images) {
		t.Fatalf("compared %s on %d images", c.Layer, c.Images)
	}
	if c.MinCosine < minFeatureCosine || c.MinCosine > 1+1e-9 {
		t.Fatalf("int8 vs float32 features at conv4_block6_out: min cosine %.6f, need ≥ %g", c.MinCosine, minFeatureCosine)
	}
	t.Logf("int8 vs float32 conv4_block6_out pooled features on %d photos: min cosine %.6f, mean %.6f", c.Images, c.MinCosine, c.MeanCosine)
}

func TestCheckLogitStatistics(t *testing.T) {
	c := &Check{Layer: resnet50.Logits}
	want := []float32{0, 9, 1, 8, 2, 7, 3, 6}   // top-5: 1, 3, 5, 7, 6
	same := []float32{0, 9.5, 1, 8, 2, 7, 3, 6} // same ranking, one logit off by 0.5
	other := []float32{9, 0, 8, 1, 7, 2, 6, 3}  // top-5: 0, 2, 4, 6, 7: two in common
	c.add(same, want)
	c.add(other, want)
	if c.MaxLogitDiff != 9 || c.MaxLogit != 9 || c.Top1Agree != 1 || c.Top5Agree != 1 || math.Abs(c.Top5Overlap-(1+2.0/5)) > 1e-12 {
		t.Fatalf("got %+v", c)
	}
	if cos := Cosine([]float32{1, 0}, []float32{0, 2}); cos != 0 {
		t.Fatalf("cosine of orthogonal vectors %g", cos)
	}
	if cos := Cosine([]float32{1, 2}, []float32{2, 4}); math.Abs(cos-1) > 1e-15 {
		t.Fatalf("cosine of parallel vectors %g", cos)
	}
}

// brokenSource wraps a source and spoils or removes weights.
type brokenSource struct {
	resnet50.WeightSource
	drop, nan string // Keras layer names
}

func (b brokenSource) Weight(layer, short string) ([]int, []float32, error) {
	if layer == b.drop {
		return nil, nil, fmt.Errorf("%s/%s:0: %w", layer, short, resnet50.ErrMissing)
	}
	shape, data, err := b.WeightSource.Weight(layer, short)
	if layer == b.nan && short == "kernel" && err == nil {
		data = slices.Clone(data)
		data[3] = float32(math.NaN())
	}
	return shape, data, err
}

func TestConvertRefusesBadInput(t *testing.T) {
	src := partialSource(t)
	if _, err := Convert(brokenSource{WeightSource: src, drop: "conv1_conv"}, Options{}); err == nil || !strings.Contains(err.Error(), "nothing to convert") {
		t.Fatalf("no conv1: got %v", err)
	}
	if _, err := Convert(brokenSource{WeightSource: src, nan: "conv2_block1_1_conv"}, Options{}); err == nil || !strings.Contains(err.Error(), "conv2_block1_1_conv") {
		t.Fatalf("NaN kernel: got %v", err)
	}
	// A BN missing in stage 3 truncates the model after stage 2.
	r, err := Convert(brokenSource{WeightSource: src, drop: "conv3_block2_2_bn"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Manifest.Model.LastLayer != "conv2_block3_out" {
		t.Fatalf("missing BN in stage 3: model ends at %s", r.Manifest.Model.LastLayer)
	}
	for _, bad := range []Options{{Missing: "zero"}, {DType: "int4"}} {
		if _, err := Convert(src, bad); err == nil {
			t.Fatalf("options %+v accepted", bad)
		}
	}
}

// TestManifestPreprocessingIsTheEngine's: the manifest's caffe mean is core/preprocess's.
func TestManifestPreprocessingIsTheEngines(t *testing.T) {
	for i, v := range format.CaffeMeanBGR {
		if float32(v) != preprocess.CaffeMeanBGR[i] {
			t.Fatalf("mean[%d]: manifest %g, core/preprocess %g", i, v, preprocess.CaffeMeanBGR[i])
		}
	}
	if sizes := [3]int{format.InputSize, resnet50.InputSize, preprocess.InputSize}; sizes[0] != sizes[1] || sizes[0] != sizes[2] {
		t.Fatalf("input sizes disagree: format, resnet50, preprocess = %v", sizes)
	}
}
