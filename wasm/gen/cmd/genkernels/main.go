// Command genkernels writes what wasm/gen makes from its kernel list: the kernel modules and their
// Go embed file into wasm/kernels, core/kernels' //go:wasmimport declarations, and the import
// table section of wasm/js/loader.mjs (run from the repository root: go run ./wasm/gen/cmd/genkernels;
// or go generate ./wasm/kernels).
// With -variants it instead writes one module per listed micro-kernel shape into -variant-dir,
// named like gemm-4x8-u4.wasm and gemm-4x8-u4-relaxed.wasm, for testdata/bench_node.mjs.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/graftml/graft/wasm/gen"
)

func main() {
	out := flag.String("root", ".", "the repository root (the files go to wasm/kernels, core/kernels and wasm/js below it)")
	variants := flag.String("variants", "", "comma-separated shapes MRxNR-uK[-sS] (e.g. 4x8-u4,5x8-u8-s2) to write for benchmarking")
	variantDir := flag.String("variant-dir", "", "directory for -variants modules")
	flag.Parse()
	if err := run(*out, *variants, *variantDir); err != nil {
		fmt.Fprintln(os.Stderr, "genkernels:", err)
		os.Exit(1)
	}
}

func run(out, variants, variantDir string) error {
	if variants != "" {
		if variantDir == "" {
			return fmt.Errorf("-variants needs -variant-dir")
		}
		if err := os.MkdirAll(variantDir, 0o755); err != nil {
			return err
		}
		for _, v := range strings.Split(variants, ",") {
			var cfg gen.Config
			var nr int
			v = strings.TrimSpace(v)
			shape, split, hasSplit := strings.Cut(v, "-s")
			if _, err := fmt.Sscanf(shape, "%dx%d-u%d", &cfg.MR, &nr, &cfg.KUnroll); err != nil || nr%4 != 0 {
				return fmt.Errorf("variant %q: want MRxNR-uK[-sS] with NR a multiple of 4", v)
			}
			if hasSplit {
				if _, err := fmt.Sscanf(split, "%d", &cfg.Split); err != nil {
					return fmt.Errorf("variant %q: want MRxNR-uK-sS with S rows in a step's first block", v)
				}
			}
			cfg.NV = nr / 4
			for _, relaxed := range []bool{false, true} {
				cfg.Relaxed = relaxed
				bin, err := gen.Generate(cfg)
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(variantDir, "gemm-"+cfg.String()+".wasm"), bin, 0o644); err != nil {
					return err
				}
			}
		}
		return nil
	}
	loader, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(gen.FileLoader)))
	if err != nil {
		return err
	}
	files, err := gen.Files(loader)
	if err != nil {
		return err
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(out, filepath.FromSlash(name)), content, 0o644); err != nil {
			return err
		}
	}
	return nil
}
