//go:build !js

// featurecheck_test.go: the wasm parity check — ResNet50 through conv4_block6_out on
// the real partial weights, computed natively here and by the GOOS=js build of this command
// under Node 20 (wasm/cmd/wasmexec/run.mjs: the loader, the SIMD128 kernel module, and the
// relaxed-SIMD one under --experimental-wasm-relaxed-simd), must agree within relTolerance.
// A copy of the native result with one value moved by 1e-3 of the range must be rejected, so
// the comparison can fail.
package main

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/graftml/graft/internal/shared"
)

func TestWasmMatchesNative(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH: the wasm build cannot run here (Node 20 runs it in ./build.sh test)")
	}
	h5 := shared.Path(t, shared.PartialH5)
	dir := t.TempDir()

	native, err := activations(h5, "conv4_block6_out")
	if err != nil {
		t.Fatal(err)
	}
	wantPath := filepath.Join(dir, "native.f32")
	if err := os.WriteFile(wantPath, encode(native), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := append([]float32(nil), native...)
	maxAbs := float32(0)
	for _, v := range broken {
		maxAbs = max(maxAbs, float32(math.Abs(float64(v))))
	}
	broken[len(broken)/3] += 1e-3 * maxAbs
	brokenPath := filepath.Join(dir, "broken.f32")
	if err := os.WriteFile(brokenPath, encode(broken), 0o644); err != nil {
		t.Fatal(err)
	}

	prog := filepath.Join(dir, "featurecheck.wasm")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", prog, ".")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the wasm: %v\n%s", err, out)
	}
	runner := filepath.Join("..", "wasmexec", "run.mjs")
	run := func(want string, nodeFlags ...string) (string, error) {
		args := append([]string{"--stack-size=8192"}, nodeFlags...)
		cmd := exec.Command(node, append(args, runner, prog, "-h5", h5, "-want", want)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, engine := range []struct {
		name  string
		flags []string
	}{
		{"wasm-simd128", nil},
		{"wasm-relaxed-simd", []string{"--experimental-wasm-relaxed-simd"}},
	} {
		out, err := run(wantPath, engine.flags...)
		if err != nil {
			t.Errorf("%s: %v\n%s", engine.name, err, out)
			continue
		}
		if !strings.Contains(out, "engine "+engine.name+" (core/kernels wasm-simd)") {
			t.Errorf("%s: the program did not run on that engine:\n%s", engine.name, out)
		}
		t.Log(strings.TrimSpace(out))
	}
	if out, err := run(brokenPath); err == nil {
		t.Errorf("a result off by 1e-3 of the range passed:\n%s", out)
	}
}
