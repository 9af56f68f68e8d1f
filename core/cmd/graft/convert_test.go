// Tests of `graft convert` and of classify/features on a converted folder (--model) and with
// --precision int8 on the .h5, using the real partial weights.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graftml/graft/internal/shared"
	"github.com/graftml/graft/weights/convert"
)

// convertPartialCLI runs graft convert on the partial file into a temporary folder.
func convertPartialCLI(t *testing.T, extra ...string) (dir, report string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "model")
	stdout, stderr, status := runCLI(append([]string{"convert", "--h5", shared.Path(t, shared.PartialH5), "--out", dir}, extra...)...)
	if status != 0 {
		t.Fatalf("convert: status %d: %s", status, stderr)
	}
	return dir, stdout
}

func featuresOf(t *testing.T, args ...string) featureLine {
	t.Helper()
	stdout, stderr, status := runCLI(append([]string{"features", "--layer", "conv4_block6_out"}, args...)...)
	if status != 0 {
		t.Fatalf("features %q: status %d: %s", args, status, stderr)
	}
	var line featureLine
	if err := json.Unmarshal([]byte(stdout), &line); err != nil {
		t.Fatalf("%v in %.200q", err, stdout)
	}
	return line
}

// TestConvertThenFeatures: convert with a check on one photo, then features from the folder
// equal features from the .h5 quantized at load (--precision int8) bit for bit, and are within
// the required cosine of the float32 features.
func TestConvertThenFeatures(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the network four times")
	}
	photo := shared.Path(t, tabby)
	images := t.TempDir()
	data, err := os.ReadFile(photo)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(images, "tabby.jpg"), data, 0o644)
	os.WriteFile(filepath.Join(images, "notes.txt"), []byte("not an image"), 0o644)
	dir, report := convertPartialCLI(t, "--check-images", images)
	for _, want := range []string{"conv1_conv", "truncated", "ends at conv4_block6_out",
		"relative L2 error per layer", "check: 1 images", "conv4_block6_out pooled features: cosine similarity min 0.99"} {
		if !strings.Contains(report, want) {
			t.Fatalf("report lacks %q:\n%s", want, report)
		}
	}
	// The size reported is what is on disk.
	var bytes, chunks int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".bin") {
			info, _ := e.Info()
			bytes, chunks = bytes+info.Size(), chunks+1
		}
	}
	if want := fmt.Sprintf("size: %d bytes in %d chunks", bytes, chunks); chunks == 0 || !strings.Contains(report, want) {
		t.Fatalf("report lacks %q:\n%s", want, report)
	}
	h5 := shared.Path(t, shared.PartialH5)
	fromDir := featuresOf(t, "--model", dir, photo)
	atLoad := featuresOf(t, "--h5", h5, "--precision", "int8", photo)
	float := featuresOf(t, "--h5", h5, photo)
	for i := range fromDir.Features {
		if fromDir.Features[i] != atLoad.Features[i] {
			t.Fatalf("feature %d: --model %g, --h5 --precision int8 %g", i, fromDir.Features[i], atLoad.Features[i])
		}
	}
	if cos := convert.Cosine(fromDir.Features, float.Features); cos < 0.999 {
		t.Fatalf("int8 vs float32 features: cosine %.6f < 0.999", cos)
	}
	if fromDir.Synthetic {
		t.Fatal("a truncated real model says synthetic")
	}
}

func TestClassifySyntheticModel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the full network")
	}
	dir, report := convertPartialCLI(t, "--missing", "synthetic", "--seed", "3")
	if !strings.Contains(report, "ends at predictions (synthetic layers, seed 3") {
		t.Fatalf("report does not say the model is synthetic:\n%s", report)
	}
	stdout, stderr, status := runCLI("classify", "--json", "--model", dir, shared.Path(t, tabby))
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	var c classification
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatalf("%v in %q", err, stdout)
	}
	if !c.Synthetic || len(c.Top5) != 5 {
		t.Fatalf("unexpected result %+v", c)
	}
}

func TestModelFlagErrors(t *testing.T) {
	dir, _ := convertPartialCLI(t)
	photo := shared.Path(t, tabby)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"features", "--layer", "conv4_block6_out", "--model", dir, "--h5", "x.h5", photo}, "exclude each other"},
		{[]string{"features", "--layer", "conv4_block6_out", "--model", dir, "--precision", "f32", photo}, "--dtype f32"},
		{[]string{"features", "--layer", "conv4_block6_out", "--model", dir, "--precision", "int4", photo}, "int8 or f32"},
		{[]string{"features", "--layer", "conv4_block6_out", "--model", filepath.Join(dir, "nope"), photo}, "graft convert"},
		{[]string{"features", "--layer", "conv5_block3_out", "--model", dir, photo}, "conv4_block6_out"},
		{[]string{"convert", "--h5", "x.h5"}, "--out"},
		{[]string{"convert", "--out", dir, "--dtype", "int4"}, "--dtype"},
		{[]string{"convert", "--h5", shared.Path(t, shared.PartialH5), "--out", dir, "--missing", "zeros"}, "zeros"},
	} {
		_, stderr, status := runCLI(c.args...)
		if status == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: status %d, stderr %q (want it to mention %q)", c.args, status, stderr, c.want)
		}
	}
}
