package ops

import (
	"math/rand/v2"
	"testing"
)

// TestIm2colRows: the blocks cover m, none is empty, none exceeds the budget's rows (or
// im2colMinRows), they differ by at most one row, and the cache cut applies only where a
// cache-sized block keeps im2colRepackMinRows rows.
func TestIm2colRows(t *testing.T) {
	saved := im2colBudget
	defer func() { im2colBudget = saved }()
	for _, budget := range []int{1, 100, 5000, 1 << 17, 1 << 20} {
		im2colBudget = budget
		for _, m := range []int{1, 2, 3, 7, 49, 63, 64, 65, 196, 784, 3136, 12544} {
			for _, k := range []int{1, 3, 27, 147, 256, 576, 1152, 1365, 1366, 2304, 4608} {
				rows := im2colRows(m, k)
				blocks := ceilDiv(m, rows)
				limit := max(im2colMinRows, budget/k)
				if c := im2colCacheFloats / k; c >= im2colRepackMinRows {
					limit = min(limit, c)
				}
				switch {
				case rows < 1 || rows > m:
					t.Errorf("budget %d m=%d k=%d: %d rows per block", budget, m, k, rows)
				case rows > limit:
					t.Errorf("budget %d m=%d k=%d: %d rows per block, limit %d", budget, m, k, rows, limit)
				case m-(blocks-1)*rows < rows-blocks: // the last block is not a short remainder
					t.Errorf("budget %d m=%d k=%d: blocks of %d rows leave %d", budget, m, k, rows, m-(blocks-1)*rows)
				}
			}
		}
	}
}

// TestConv2DCacheBlocks: layers whose patch rows are short run as several cache-sized blocks in
// the wasm build (one block natively) at the default budget; either way the result is Conv2D's.
func TestConv2DCacheBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, c := range []convCase{
		{n: 1, h: 70, w: 70, cin: 3, k: 7, cout: 20, stride: 2, pad: Valid, bias: true, relu: true},    // conv1-like: k = 147
		{n: 2, h: 25, w: 23, cin: 64, k: 3, cout: 9, stride: 1, pad: Same, residual: true, relu: true}, // k = 576
	} {
		checkConv(t, rng, c)
	}
}
