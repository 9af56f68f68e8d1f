//go:build amd64 && !purego

// dispatch_amd64_test.go: the generated kernels run where the CPU has AVX2 and FMA, their flags
// are the generator's, and each tile kernel alone writes exactly its mr×nr block.
package kernels

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"golang.org/x/sys/cpu"
)

func TestEngineFollowsCPU(t *testing.T) {
	want := "go"
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		want = "avx2"
		if cpu.X86.HasAVX512F && os.Getenv("GRAFT_KERNELS") != "avx2" {
			want = "avx512"
		}
	}
	if Engine != want {
		t.Errorf("Engine = %q on a CPU with AVX2=%v FMA=%v AVX512F=%v, want %q", Engine, cpu.X86.HasAVX2, cpu.X86.HasFMA, cpu.X86.HasAVX512F, want)
	}
}

type tileKernel = func(a *float32, lda int, b *float32, kc int, c *float32, ldc int, flags int, bias *float32, res *float32, ldres int)

// TestTileKernelsAlone calls every AVX2 tile kernel on one panel pair with each flag set,
// against the float64 product, with sentinels around and between C's rows.
func TestTileKernelsAlone(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2+FMA: the generated kernels never run here")
	}
	testTiles(t, avx2MR, avx2NR, 8, func(mr, nr int) tileKernel { return gemmAVX2Tiles[mr-1][nr/8-1] })
}

// TestTileKernelsAloneAVX512 is TestTileKernelsAlone for the AVX-512 tiles (16 and 32 wide,
// up to 12 rows: Z0–Z28 less Z15 as accumulators).
func TestTileKernelsAloneAVX512(t *testing.T) {
	if !hasAVX2 || !cpu.X86.HasAVX512F {
		t.Skip("no AVX-512F: the AVX-512 tiles never run here")
	}
	testTiles(t, avx512MR, avx512NR, 16, func(mr, nr int) tileKernel { return gemmAVX512Tiles[mr-1][nr/16-1] })
}

// TestGemmWithoutAVX512 runs the GEMM equivalence tests with the AVX2 tiles on a CPU that
// would otherwise run the AVX-512 ones, so both macro-kernels are tested here.
func TestGemmWithoutAVX512(t *testing.T) {
	if !hasAVX512 {
		t.Skip("the AVX-512 tiles are not in use: the other tests already run the AVX2 ones")
	}
	hasAVX512 = false
	defer func() { hasAVX512 = true }()
	t.Run("f32", TestGemmAwkwardSizes)
	t.Run("f32blocks", TestGemmBlockBoundaries)
	t.Run("i8", TestGemmI8AwkwardSizes)
	t.Run("i8blocks", TestGemmI8BlockBoundaries)
}

func testTiles(t *testing.T, maxMR, maxNR, stepNR int, tile func(mr, nr int) tileKernel) {
	rng := rand.New(rand.NewPCG(11, 12))
	const ldc, ldr = 37, 41
	for _, kc := range []int{1, 3, 4, 5, 17, 256} {
		pack := randDense(rng, maxNR*kc)
		a := randDense(rng, maxMR*(kc+2))
		bias, res := randDense(rng, maxNR), randDense(rng, maxMR*ldr)
		for mr := 1; mr <= maxMR; mr++ {
			for nr := stepNR; nr <= maxNR; nr += stepNR {
				for flags := range 16 {
					buf := make([]float32, guardLen+maxMR*ldc+guardLen)
					sentinel := math.Float32frombits(sentinelBits)
					for i := range buf {
						buf[i] = sentinel
					}
					c := buf[guardLen:]
					for i := range mr {
						for j := range nr {
							c[i*ldc+j] = float32(i - j)
						}
					}
					tile(mr, nr)(&a[0], kc+2, &pack[0], kc, &c[0], ldc, flags, &bias[0], &res[0], ldr)
					for idx, v := range buf {
						i, j := (idx-guardLen)/ldc, (idx-guardLen)%ldc
						if idx < guardLen || i >= mr || j >= nr {
							if math.Float32bits(v) != sentinelBits {
								t.Fatalf("%dx%d kc=%d flags=%d: wrote buffer offset %d outside the tile", mr, nr, kc, flags, idx)
							}
							continue
						}
						s, mag := 0.0, 0.0
						for p := range kc {
							x := float64(a[i*(kc+2)+p]) * float64(pack[(j/8)*8*kc+p*8+j%8])
							s, mag = s+x, mag+math.Abs(x)
						}
						for bit, v := range map[int]float32{avx2FlagAcc: float32(i - j), avx2FlagBias: bias[j], avx2FlagResidual: res[i*ldr+j]} {
							if flags&bit != 0 {
								s, mag = s+float64(v), mag+math.Abs(float64(v))
							}
						}
						if flags&avx2FlagReLU != 0 {
							s = max(s, 0)
						}
						if e := math.Abs(float64(v) - s); !(e <= gemmErrorBound(kc, mag)) {
							t.Fatalf("%dx%d kc=%d flags=%d: C[%d][%d] = %v, want %v", mr, nr, kc, flags, i, j, v, s)
						}
					}
				}
			}
		}
	}
}

// BenchmarkFMAPeak is this CPU's FMA ceiling on one core (12 independent 8-wide FMA chains):
//
//	go test -run '^$' -bench FMAPeak ./core/kernels
func BenchmarkFMAPeak(b *testing.B) {
	if !hasAVX2 {
		b.Skip("no AVX2+FMA")
	}
	const iters = 1 << 20
	for b.Loop() {
		fmaPeakAVX2(iters)
	}
	b.ReportMetric(192*iters*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
