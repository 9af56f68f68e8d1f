//go:build !purego

// dispatch_wasm_test.go: the wasm build's flag constants are the generated module's, and the
// program runs on the kernel module the loader linked (GRAFT_ENGINE).
package kernels

import (
	"os"
	"testing"

	wasmkernels "github.com/graftml/graft/wasm/kernels"
)

func TestWasmFlagsMatchModule(t *testing.T) {
	for _, f := range []struct {
		name      string
		got, want int
	}{
		{"Acc", wasmFlagAcc, wasmkernels.FlagAcc},
		{"Bias", wasmFlagBias, wasmkernels.FlagBias},
		{"Residual", wasmFlagResidual, wasmkernels.FlagResidual},
		{"ReLU", wasmFlagReLU, wasmkernels.FlagReLU},
	} {
		if f.got != f.want {
			t.Errorf("flag %s = %d here, %d in the module", f.name, f.got, f.want)
		}
	}
	if gemmNR != wasmkernels.NR {
		t.Errorf("panel width %d here, %d in the module", gemmNR, wasmkernels.NR)
	}
}

func TestWasmEngine(t *testing.T) {
	switch e := os.Getenv("GRAFT_ENGINE"); e {
	case "wasm-simd128", "wasm-relaxed-simd":
	case "":
		t.Skip("not started by wasm/js/loader.mjs (no GRAFT_ENGINE)")
	default:
		t.Fatalf("the loader reports engine %q for a build that imports the kernels", e)
	}
}
