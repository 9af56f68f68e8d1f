// Command probe is the program loader_test.go starts through wasm/js/loader.mjs: it prints the
// engine the loader reported (GRAFT_ENGINE) and the one core/kernels was built with, multiplies
// two small matrices with kernels.GemmF32 (the kernel module, unless built with -tags purego)
// and checks them against GemmF32Ref, then exits with the code given as its first argument.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/graftml/graft/core/kernels"
)

func main() {
	const m, n, k = 9, 17, 33
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range b {
		b[i] = float32(i%5) - 2
	}
	got, want := make([]float32, m*n), make([]float32, m*n)
	kernels.GemmF32(m, n, k, a, k, b, n, got, n, false)
	kernels.GemmF32Ref(m, n, k, a, k, b, n, want, n, false)
	ok := true
	for i := range got {
		ok = ok && got[i] == want[i] // small integers: exact in any summation order
	}
	fmt.Printf("probe: engine=%s kernels=%s gemm_ok=%v args=%q\n", os.Getenv("GRAFT_ENGINE"), kernels.Engine, ok, os.Args[1:])
	code := 0
	if len(os.Args) > 1 {
		code, _ = strconv.Atoi(os.Args[1])
	}
	os.Exit(code)
}
