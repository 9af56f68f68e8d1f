// The native side of the comparison: the `graft` command line (core/cmd/graft) run on the same
// files and the same converted model the page serves, exactly as a user would run it:
//
//	graft classify --json --model dist/model --resize MODE FILE
//	graft features --layer L --model dist/model --resize MODE FILE
package e2e

import (
	"bytes"
	"encoding/json"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/graftml/graft/web/wire"
)

// native is what the command line says about one file in one resize mode.
type native struct {
	Top5     []wire.Prediction
	Features []float32
}

// buildGraft builds the command line into dir.
func buildGraft(t *testing.T, root, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "graft")
	cmd := exec.Command("go", "build", "-o", bin, "./core/cmd/graft")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building graft: %v\n%s", err, out)
	}
	return bin
}

// runNative classifies file with the command line and prints the pooled features of layer.
func runNative(t *testing.T, graft, model, file, mode, layer string) native {
	t.Helper()
	var n native
	var cls struct{ Top5 []wire.Prediction }
	if err := json.Unmarshal(runJSON(t, graft, "classify", "--json", "--model", model, "--resize", mode, file), &cls); err != nil {
		t.Fatalf("graft classify output: %v", err)
	}
	n.Top5 = cls.Top5
	var feat struct{ Features []float32 }
	if err := json.Unmarshal(runJSON(t, graft, "features", "--layer", layer, "--model", model, "--resize", mode, file), &feat); err != nil {
		t.Fatalf("graft features output: %v", err)
	}
	n.Features = feat.Features
	return n
}

func runJSON(t *testing.T, graft string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(graft, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("graft %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

// makePNG re-encodes a JPEG photo as PNG, so the browser and Go decode identical pixels.
func makePNG(t *testing.T, jpegPath, pngPath string) {
	t.Helper()
	f, err := os.Open(jpegPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pngPath, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
