// loader_test.go: loader.mjs's trampolines are exactly the kernel module's exports (names and
// parameters of wasm/kernels.Signatures), and the loader, run under Node 20 by
// testdata/loader_check.mjs with and without --experimental-wasm-relaxed-simd, picks the right
// engine in every case (relaxed, SIMD128, a purego program, an engine without SIMD128 → the
// scalar build), reports Go's exit code, and fails with a clear message when a piece is missing.
package wasmjs

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/graftml/graft/wasm/kernels"
)

func TestTrampolinesMatchSignatures(t *testing.T) {
	src, err := os.ReadFile("loader.mjs")
	if err != nil {
		t.Fatal(err)
	}
	body := string(src)
	start := strings.Index(body, "function kernelTrampolines(")
	end := strings.Index(body[start:], "\n}\n")
	if start < 0 || end < 0 {
		t.Fatal("loader.mjs has no kernelTrampolines function")
	}
	re := regexp.MustCompile(`(?m)^\s+(\w+): \(([^)]*)\) =>\s+linked\.(\w+)\(([^)]*)\)`)
	got := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(body[start:start+end], -1) {
		if m[1] != m[3] || m[2] != m[4] {
			t.Errorf("trampoline %s(%s) calls %s(%s)", m[1], m[2], m[3], m[4])
		}
		got[m[1]] = m[2]
	}
	for _, s := range kernels.Signatures {
		want := strings.Join(s.Params, ", ")
		params, ok := got[s.Name]
		if !ok {
			t.Errorf("loader.mjs has no trampoline for %s", s.Name)
			continue
		}
		if params != want {
			t.Errorf("trampoline %s(%s), the module's %s(%s)", s.Name, params, s.Name, want)
		}
		delete(got, s.Name)
	}
	for name := range got {
		t.Errorf("loader.mjs has a trampoline for %s, which the module does not export", name)
	}
}

func TestLoaderUnderNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH: the loader cannot run here (Node 20 runs it in ./build.sh test)")
	}
	dir := t.TempDir()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, b := range []struct{ out, tags string }{{"probe.wasm", ""}, {"probe-purego.wasm", "purego"}} {
		cmd := exec.Command(goTool, "build", "-tags", b.tags, "-o", filepath.Join(dir, b.out), "./testdata/probe")
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", b.out, err, out)
		}
	}
	wasmExec := filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js")
	for _, flags := range [][]string{nil, {"--experimental-wasm-relaxed-simd"}} {
		args := append(append([]string{}, flags...), "testdata/loader_check.mjs", wasmExec,
			filepath.Join(dir, "probe.wasm"), filepath.Join(dir, "probe-purego.wasm"), filepath.Join("..", "kernels"))
		out, err := exec.Command(node, args...).CombinedOutput()
		text := string(out)
		if err != nil {
			t.Fatalf("node %v: %v\n%s", flags, err, text)
		}
		if strings.Contains(text, "FAIL") || !strings.Contains(text, "done 13") || strings.Count(text, ": ok") != 13 {
			t.Errorf("node %v:\n%s", flags, text)
		}
		// Every probe run must have multiplied correctly, on the kernels when it had them.
		for _, line := range strings.Split(text, "\n") {
			if !strings.HasPrefix(line, "probe:") {
				continue
			}
			simd := strings.Contains(line, "engine=wasm-simd128") || strings.Contains(line, "engine=wasm-relaxed-simd")
			if !strings.Contains(line, "gemm_ok=true") || simd != strings.Contains(line, "kernels=wasm-simd") {
				t.Errorf("node %v: %s", flags, line)
			}
		}
	}
}
