package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/reference"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/internal/shared"
	"github.com/graftml/graft/weights"
	"github.com/graftml/graft/weights/keras"
)

const tabby = "data/imagenet-samples/images/n02123045_tabby.JPEG"

func runCLI(args ...string) (stdout, stderr string, status int) {
	var out, errOut bytes.Buffer
	status = run(args, &out, &errOut)
	return out.String(), errOut.String(), status
}

// TestFeaturesMatchReference is the acceptance check: `graft features --layer
// conv4_block6_out` on a photo equals the GoMLX reference's pooled activations within 1e-4.
func TestFeaturesMatchReference(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the GoMLX reference")
	}
	h5, photo := shared.Path(t, shared.PartialH5), shared.Path(t, tabby)
	stdout, stderr, status := runCLI("features", "--h5", h5, "--resize", "nearest", "--layer", "conv4_block6_out", photo)
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	var line featureLine
	if err := json.Unmarshal([]byte(stdout), &line); err != nil {
		t.Fatalf("%v in %.200q", err, stdout)
	}
	if line.Path != photo || line.Layer != "conv4_block6_out" || line.Resize != "nearest" || line.Synthetic || len(line.Features) != 1024 {
		t.Fatalf("unexpected line header: %+v (%d features)", line.Path, len(line.Features))
	}

	f, err := keras.ReadFile(h5)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(photo)
	pixels, err := preprocess.Load(data, preprocess.Nearest, resnet50.InputSize)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := reference.Run(weights.KerasSource(f), pixels, []int{1, 224, 224, 3}, []string{"conv4_block6_out"})
	if err != nil {
		t.Fatal(err)
	}
	act := ref["conv4_block6_out"] // [1,14,14,1024]
	pooled := make([]float64, 1024)
	for i, v := range act.Data {
		pooled[i%1024] += float64(v) / 196
	}
	maxDiff, maxRef := 0.0, 0.0
	for i, v := range pooled {
		maxDiff = math.Max(maxDiff, math.Abs(float64(line.Features[i])-v))
		maxRef = math.Max(maxRef, math.Abs(v))
	}
	t.Logf("features vs GoMLX: max|diff| %.3g, max|ref| %.3g", maxDiff, maxRef)
	if maxDiff/maxRef > 1e-4 {
		t.Fatalf("features differ from the reference: rel %.3g", maxDiff/maxRef)
	}
}

func TestClassifyExplainsMissingWeights(t *testing.T) {
	_, stderr, status := runCLI("classify", "--h5", shared.Path(t, shared.PartialH5), shared.Path(t, tabby))
	if status == 0 || !strings.Contains(stderr, "predictions/kernel:0") || !strings.Contains(stderr, "--fill synthetic") {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
}

// TestClassifySyntheticKeepsGoingPastBadImages: one bad image reports an error and a non-zero
// status, the good ones still print, and the synthetic fill is labelled.
func TestClassifySyntheticKeepsGoingPastBadImages(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the full network")
	}
	notImage := filepath.Join(t.TempDir(), "notes.jpg")
	os.WriteFile(notImage, []byte("just text"), 0o644)
	photo := shared.Path(t, tabby)
	stdout, stderr, status := runCLI("classify", "--json", "--fill", "synthetic", "--h5", shared.Path(t, shared.PartialH5),
		notImage, "/no/such/file.png", photo)
	if status != 1 {
		t.Fatalf("status %d, want 1", status)
	}
	if !strings.Contains(stderr, "notes.jpg") || !strings.Contains(stderr, "/no/such/file.png") {
		t.Fatalf("stderr does not name the bad inputs: %q", stderr)
	}
	var c classification
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatalf("%v in %q", err, stdout)
	}
	if c.Path != photo || !c.Synthetic || len(c.Top5) != 5 || c.Resize != "crop" {
		t.Fatalf("unexpected result %+v", c)
	}
	sum := float32(0)
	for i, p := range c.Top5 {
		if i > 0 && p.Prob > c.Top5[i-1].Prob {
			t.Fatalf("top-5 not sorted: %+v", c.Top5)
		}
		sum += p.Prob
	}
	if sum > 1.0001 {
		t.Fatalf("top-5 probabilities sum to %g", sum)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"classify"},
		{"features", "x.jpg"},
		{"classify", "--resize", "stretch", "--h5", "x.h5", "a.jpg"},
		{"classify", "--fill", "zeros", "--h5", "x.h5", "a.jpg"},
		{"classify", "--h5", "/no/such.h5", "a.jpg"},
	} {
		_, stderr, status := runCLI(args...)
		if status == 0 || stderr == "" {
			t.Errorf("%q: status %d, stderr %q", args, status, stderr)
		}
	}
	if _, stderr, status := runCLI("features", "--h5", shared.Path(t, shared.PartialH5), "--layer", "conv5_block3_out", "x.jpg"); status == 0 || !strings.Contains(stderr, "conv4_block6_out") {
		t.Errorf("features past the partial file: status %d, %q", status, stderr)
	}
}
