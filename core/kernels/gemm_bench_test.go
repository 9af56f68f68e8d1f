// gemm_bench_test.go: GEMM benchmarks at the shapes ResNet50 (batch 1, 224×224) actually runs
// paired by implementation from gemmImpls, reporting GFLOP/s (2·m·n·k per op).
//
//	go test -run '^$' -bench 'Gemm' -benchtime 3x ./core/kernels
package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// resnet50GemmShapes: m = output pixels (OH·OW), k = KH·KW·Cin (im2col row), n = Cout.
var resnet50GemmShapes = []struct {
	name    string
	m, k, n int
}{
	{"conv1_7x7", 112 * 112, 7 * 7 * 3, 64},  // conv1_conv, stride 2
	{"conv2_1x1_expand", 56 * 56, 64, 256},   // conv2_blockN_3_conv
	{"conv2_3x3", 56 * 56, 3 * 3 * 64, 64},   // conv2_blockN_2_conv
	{"conv3_3x3", 28 * 28, 3 * 3 * 128, 128}, // conv3_blockN_2_conv
	{"conv4_1x1_reduce", 14 * 14, 1024, 256}, // conv4_blockN_1_conv (N > 1)
	{"conv4_3x3", 14 * 14, 3 * 3 * 256, 256}, // conv4_blockN_2_conv
	{"conv5_3x3", 7 * 7, 3 * 3 * 512, 512},   // conv5_blockN_2_conv
	{"conv5_1x1_expand", 7 * 7, 512, 2048},   // conv5_blockN_3_conv
	{"predictions", 1, 2048, 1000},           // Dense 1000 on the pooled features
}

func BenchmarkGemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range resnet50GemmShapes {
		a, bm, c := randDense(rng, s.m*s.k), randDense(rng, s.k*s.n), make([]float32, s.m*s.n)
		bias := randDense(rng, s.n)
		for _, impl := range gemmImpls {
			if !impl.bench {
				continue
			}
			b.Run(fmt.Sprintf("shape=%s/impl=%s", s.name, impl.name), func(b *testing.B) {
				ep := Epilogue{Bias: bias, ReLU: true}
				for b.Loop() {
					impl.fn(s.m, s.n, s.k, a, s.k, bm, s.n, c, s.n, false, ep)
				}
				b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkGemmI8 is BenchmarkGemm with B held as int8 codes and column scales (the int8-resident
// weights), paired with the float32 B run of the same implementation:
//
//	go test -run '^$' -bench 'GemmI8' -benchtime 3x ./core/kernels
func BenchmarkGemmI8(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range resnet50GemmShapes {
		f := newI8Fixture(rng, gemmCase{m: s.m, n: s.n, k: s.k, lda: s.k, ldb: s.n, ldc: s.n, bias: true, relu: true})
		c := make([]float32, s.m*s.n)
		ep := f.epilogue()
		report := func(b *testing.B) {
			b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		for _, impl := range gemmI8Impls {
			if !impl.bench {
				continue
			}
			b.Run(fmt.Sprintf("shape=%s/impl=%s/b=f32", s.name, impl.name), func(b *testing.B) {
				for b.Loop() {
					impl.twin(s.m, s.n, s.k, f.a, s.k, f.b, s.n, c, s.n, false, ep)
				}
				report(b)
			})
			b.Run(fmt.Sprintf("shape=%s/impl=%s/b=i8", s.name, impl.name), func(b *testing.B) {
				for b.Loop() {
					impl.fn(s.m, s.n, s.k, f.a, s.k, f.bq, s.n, f.scales, c, s.n, false, ep)
				}
				report(b)
			})
		}
	}
}
