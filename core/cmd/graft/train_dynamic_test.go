package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/internal/shared"
)

// TestTrainDynamic runs graft train --unfreeze on a small generated folder with the real partial
// weights, fine-tuning conv2_block2 (the cheapest block: its trunk is three layers deep): runs
// with one seed write the same model and the same conservative fallback — the first filling the
// cache, the next reading every image from it (and, over a 1 MiB budget, the block inputs again
// at each use), then one with a damaged entry, which recomputes that image, and one without the
// cache — the model file holds the trunk, graft eval runs it, and impossible settings are refused.
func TestTrainDynamic(t *testing.T) {
	h5 := shared.Path(t, shared.PartialH5)
	dir := t.TempDir()
	trainDir, valDir := filepath.Join(dir, "train"), filepath.Join(dir, "val")
	colourFolder(t, trainDir, 6, 1)
	colourFolder(t, valDir, 3, 2)
	cache := filepath.Join(dir, "cache")
	args := func(out string, extra ...string) []string {
		return append([]string{"train", "--h5", h5, "--data", trainDir, "--cache", cache, "--layer", "conv2_block2_out", "--head", "linear",
			"--epochs", "4", "--flip", "--unfreeze", "1", "--fine-tune-lr", "1e-4", "--fine-tune-epochs", "2", "--out", out}, extra...)
	}
	stdout, stderr, status := runCLI(args(filepath.Join(dir, "a.model"))...)
	if status != 0 {
		t.Fatalf("train: status %d: %s\n%s", status, stderr, stdout)
	}
	for _, want := range []string{"fine-tuning 1 block(s) from conv2_block1_out: [conv2_block2]", "head      epoch   4/4",
		"fine-tune epoch   2/2", "cache: 0 images read, 12 run through the trunk", "24 kept", "conservative: validation accuracy",
		"result: ", "a.model.conservative"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("train output lacks %q:\n%s", want, stdout)
		}
	}
	inputs, _ := filepath.Glob(filepath.Join(cache, "blockinputs", "*", "*.gbi"))
	if len(inputs) != 24 {
		t.Fatalf("%d cached block inputs, want 24 (12 images × 2 views)", len(inputs))
	}
	same := func(run string) {
		t.Helper()
		for _, name := range []string{"a.model", "a.model.conservative"} {
			a, _ := os.ReadFile(filepath.Join(dir, name))
			b, _ := os.ReadFile(filepath.Join(dir, strings.Replace(name, "a.", run+".", 1)))
			if len(a) == 0 || !bytes.Equal(a, b) {
				t.Fatalf("%s: run %s differs from the first (%d, %d bytes)", name, run, len(a), len(b))
			}
		}
	}
	// Every image from the cache; a budget of 1 MiB holds one 56×56×256 input, so the rest are
	// read from the cache at each use: the same result.
	for _, run := range []struct {
		name string
		prep func()
		args []string
		want []string
	}{
		{"b", nil, []string{"--memory-mb", "1"}, []string{"cache: 12 images read, 0 run through the trunk", "1 kept", "read from the cache on use"}},
		{"c", func() { // a damaged entry is a miss: that image alone goes through the trunk again
			if err := os.WriteFile(inputs[0], []byte("GBI1 damaged"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, nil, []string{"cache: 11 images read, 1 run through the trunk"}},
		{"d", nil, []string{"--cache", "off", "--memory-mb", "1"}, []string{"1 kept", "23 recomputed on use"}},
	} {
		if run.prep != nil {
			run.prep()
		}
		stdout, stderr, status = runCLI(append(args(filepath.Join(dir, run.name+".model")), run.args...)...)
		if status != 0 {
			t.Fatalf("run %s: status %d, %s\n%s", run.name, status, stderr, stdout)
		}
		for _, want := range run.want {
			if !strings.Contains(stdout, want) {
				t.Errorf("run %s: output lacks %q:\n%s", run.name, want, stdout)
			}
		}
		same(run.name)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "a.model"))
	m, err := headfile.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	cons, _ := os.ReadFile(filepath.Join(dir, "a.model.conservative"))
	cm, err := headfile.Parse(cons)
	if err != nil || cm.Trunk != nil {
		t.Fatalf("conservative fallback: %v, trunk %v", err, cm.Trunk != nil)
	}
	if m.Trunk != nil && (len(m.Trunk.Layers) != 3 || m.Trunk.Layers[0].Name != "conv2_block2_1_conv") {
		t.Fatalf("trunk %+v", m.Trunk)
	}
	stdout, stderr, status = runCLI("eval", "--h5", h5, "--head", filepath.Join(dir, "a.model"), "--data", valDir, "--cache", "off")
	if status != 0 {
		t.Fatalf("eval: status %d: %s", status, stderr)
	}
	var rep evalReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.Images != 6 {
		t.Fatalf("eval: %v, %s", err, stdout)
	}
	if m.Trunk != nil && !strings.Contains(stderr, "model: dynamic") {
		t.Errorf("eval does not say it runs the fine-tuned trunk:\n%s", stderr)
	}
	checkClassifyAgreesWithEval(t, h5, filepath.Join(dir, "a.model"), valDir, rep)
	for _, bad := range [][]string{
		{"--unfreeze", "3"}, // conv2_block2_out has two blocks before it in its stage
		{"--fine-tune-lr", "0"},
		{"--fine-tune-epochs", "0"},
		{"--unfreeze", "-1"},
	} {
		a := args(filepath.Join(dir, "c.model"))
		a = append(a[:len(a)-2], append(bad, a[len(a)-2:]...)...)
		if _, stderr, status := runCLI(a...); status == 0 {
			t.Errorf("%v accepted", bad)
		} else if !strings.Contains(stderr, "graft train") {
			t.Errorf("%v: %s", bad, stderr)
		}
	}
}
