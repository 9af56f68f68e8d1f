// The long check for users who have the official Keras file: ResNet50 with every real weight on
// ../shared/data/imagenet-samples (labels.csv gives each photo's true class). Top-1 accuracy,
// the int8 model's top-5 against float32's, and the native 1000-class output against the GoMLX
// reference (core/reference). The file is looked up as the build does (weights/fetch.Find:
// $GRAFT_WEIGHTS_H5, ~/.keras/models) but never downloaded; without it, or without GRAFT_LONG=1
// (./build.sh long-tests sets it), the test skips and says why.
package convert

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/reference"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/internal/shared"
	"github.com/graftml/graft/weights"
	"github.com/graftml/graft/weights/fetch"
	"github.com/graftml/graft/weights/keras"
)

const (
	// minTop1 is the floor for top-1 accuracy on the samples: Keras reports 74.9% on the
	// ImageNet validation set for this file; the samples are one clean photo per class.
	minTop1 = 0.70
	// minTop5Same is the share of photos whose int8 top-5 must be the float32 top-5 (as sets).
	minTop5Same = 0.95
	// refPhotos is how many photos also run through the GoMLX reference (about 10 s each on
	// 2 cores); maxRelErr there is core/reference's bound, max|ours − ref| / max|ref|.
	refPhotos = 12
	maxRelErr = 1e-4
)

// officialSource finds the official file without downloading, or skips saying why.
func officialSource(t *testing.T) resnet50.WeightSource {
	t.Helper()
	o := fetch.DefaultOptions(fetch.Top)
	o.Shared, o.Download = "", false // the partial file is not the official one; tests never download
	r, err := fetch.Find(context.Background(), o)
	switch {
	case err != nil:
		t.Skipf("the official %s is not here ($%s unset and not in ~/.keras/models; ./build.sh weights downloads it)", fetch.Top.File, fetch.EnvVar)
	case !r.Official:
		t.Skipf("%s (%s) is not the official file (its MD5 is not Keras' %s)", r.Path, r.Source, fetch.Top.MD5)
	case os.Getenv("GRAFT_LONG") == "":
		t.Skipf("official weights found at %s; this check takes minutes: GRAFT_LONG=1 (./build.sh long-tests) runs it", r.Path)
	}
	f, err := keras.ReadFile(r.Path)
	if err != nil {
		t.Fatal(err)
	}
	if f, err = MatchKeras(f); err != nil {
		t.Fatal(err)
	}
	src := weights.KerasSource(f)
	if m := resnet50.MissingWeights(src, resnet50.WeightSpecs()); len(m) != 0 {
		t.Fatalf("the official file lacks %d weights: %v", len(m), m)
	}
	return src
}

// sample is one photo of the ImageNet samples with its true class.
type sample struct {
	file  string
	class int
}

func imagenetSamples(t *testing.T) []sample {
	t.Helper()
	f, err := os.Open(shared.Path(t, "data/imagenet-samples/labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 || !slices.Equal(rows[0], []string{"index", "synset", "name", "file"}) {
		t.Fatalf("labels.csv: %v (header %v)", err, rows[:min(1, len(rows))])
	}
	var out []sample
	for _, r := range rows[1:] {
		class, err := strconv.Atoi(r[0])
		if err != nil || class < 0 || class >= resnet50.NumClasses {
			t.Fatalf("labels.csv row %v", r)
		}
		out = append(out, sample{file: r[3], class: class})
	}
	return out
}

// officialStats is what the check measures.
type officialStats struct {
	photos, top1, top5Same int
	maxRel                 map[string]float64 // per output layer, over the reference photos
}

// runOfficial classifies every sample with the float32 and int8 models and compares the first
// refPhotos of them with the GoMLX reference.
func runOfficial(t *testing.T, src resnet50.WeightSource, samples []sample, refN int) officialStats {
	t.Helper()
	res, err := Convert(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f32 := newModel(t, src, resnet50.Options{})
	i8 := newModel(t, loaderOf(t, res), resnet50.Options{})
	st := officialStats{maxRel: map[string]float64{}}
	for i, s := range samples {
		data, err := os.ReadFile(filepath.Join(shared.Dir(), "data/imagenet-samples/images", s.file))
		if err != nil {
			t.Fatal(err)
		}
		pixels, err := preprocess.Load(data, preprocess.DefaultResize, resnet50.InputSize)
		if err != nil {
			t.Fatalf("%s: %v", s.file, err)
		}
		x, err := tensor.FromData(pixels, 1, resnet50.InputSize, resnet50.InputSize, 3)
		if err != nil {
			t.Fatal(err)
		}
		ours := map[string][]float32{}
		if _, err := f32.Run(x, "predictions", func(name string, a *tensor.Tensor) {
			if name == resnet50.Logits || name == "predictions" {
				ours[name] = slices.Clone(a.Data)
			}
		}); err != nil {
			t.Fatal(err)
		}
		q, err := i8.Run(x, resnet50.Logits, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := topK(ours[resnet50.Logits], 5)
		st.photos++
		if want[0] == s.class {
			st.top1++
		}
		got := topK(q.Data, 5)
		slices.Sort(got)
		slices.Sort(want)
		if slices.Equal(got, want) {
			st.top5Same++
		}
		if i >= refN {
			continue
		}
		layers := []string{resnet50.Logits, "predictions"}
		ref, err := reference.Run(src, x.Data, x.Shape, layers)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range layers {
			maxDiff, maxRef := 0.0, 0.0
			for j, v := range ref[name].Data {
				maxDiff = math.Max(maxDiff, math.Abs(float64(ours[name][j])-float64(v)))
				maxRef = math.Max(maxRef, math.Abs(float64(v)))
			}
			st.maxRel[name] = math.Max(st.maxRel[name], maxDiff/maxRef)
		}
	}
	return st
}

func TestOfficialWeightsOnImageNetSamples(t *testing.T) {
	src := officialSource(t)
	samples := imagenetSamples(t)
	st := runOfficial(t, src, samples, refPhotos)
	top1, top5 := float64(st.top1)/float64(st.photos), float64(st.top5Same)/float64(st.photos)
	t.Logf("%d photos: top-1 %.1f%% (%d); int8 top-5 = float32 top-5 on %.1f%% (%d); native vs GoMLX on %d photos: max rel logits %.3g, predictions %.3g",
		st.photos, 100*top1, st.top1, 100*top5, st.top5Same, min(refPhotos, st.photos), st.maxRel[resnet50.Logits], st.maxRel["predictions"])
	if top1 < minTop1 {
		t.Errorf("top-1 accuracy %.3f < %.2f", top1, minTop1)
	}
	if top5 < minTop5Same {
		t.Errorf("int8 top-5 equals float32 top-5 on %.3f of the photos < %.2f", top5, minTop5Same)
	}
	for name, rel := range st.maxRel {
		if !(rel <= maxRelErr) {
			t.Errorf("%s: native vs GoMLX max|diff|/max|ref| = %.3g > %g", name, rel, maxRelErr)
		}
	}
}
