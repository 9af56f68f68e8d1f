// epilogue.go: the elementwise tail of a conv or dense layer in ResNet50 (Keras: the conv bias
// with BN folded in, then Add() of the shortcut in a bottleneck block, then Activation('relu')):
//
//	C[i][j] = relu?(C[i][j] + bias[j] + residual[i*ldr + j])
//
// Both versions add in the same order (bias, then residual) so they agree exactly (the fast
// ReLU, max(v, 0), may give +0 where the twin keeps -0; equal as numbers).
package kernels

import "fmt"

// BiasResidualReLU applies the epilogue to the m×n matrix C (leading dimension ldc). bias [n] and
// residual [m×ldr] may be nil. residual may alias C exactly (residual == c, ldr == ldc).
func BiasResidualReLU(m, n int, c []float32, ldc int, bias []float32, residual []float32, ldr int, relu bool) {
	checkEpilogueArgs("BiasResidualReLU", m, n, c, ldc, bias, residual, ldr)
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		switch {
		case residual == nil && bias != nil:
			biasRow(row, bias[:n], relu)
		case residual == nil:
			if relu {
				reluRow(row)
			}
		default:
			biasResidualRow(row, bias, residual[i*ldr:i*ldr+n], relu)
		}
	}
}

// One pass per row, specialised by which operands are present. ReLU is max(v, 0), branch-free:
// on real activations the sign is unpredictable, and a branch there cost ~20% of a k=64 GEMM.

func biasRow(row, bias []float32, relu bool) {
	bias = bias[:len(row)]
	for j, v := range row {
		v += bias[j]
		if relu {
			v = max(v, 0)
		}
		row[j] = v
	}
}

func reluRow(row []float32) {
	for j, v := range row {
		row[j] = max(v, 0)
	}
}

// biasResidualRow: bias may be nil.
func biasResidualRow(row, bias, res []float32, relu bool) {
	res = res[:len(row)]
	if bias == nil {
		for j, v := range row {
			v += res[j]
			if relu {
				v = max(v, 0)
			}
			row[j] = v
		}
		return
	}
	bias = bias[:len(row)]
	for j, v := range row {
		v = v + bias[j] + res[j]
		if relu {
			v = max(v, 0)
		}
		row[j] = v
	}
}

// BiasResidualReLURef is BiasResidualReLU one element at a time.
func BiasResidualReLURef(m, n int, c []float32, ldc int, bias []float32, residual []float32, ldr int, relu bool) {
	checkEpilogueArgs("BiasResidualReLURef", m, n, c, ldc, bias, residual, ldr)
	for i := range m {
		for j := range n {
			v := c[i*ldc+j]
			if bias != nil {
				v += bias[j]
			}
			if residual != nil {
				v += residual[i*ldr+j]
			}
			if relu && v < 0 { // NaN stays NaN, as in tf.nn.relu
				v = 0
			}
			c[i*ldc+j] = v
		}
	}
}

func checkEpilogueArgs(fn string, m, n int, c []float32, ldc int, bias, residual []float32, ldr int) {
	ok := m >= 0 && n >= 0 && ldc >= max(n, 1) && len(c) >= matrixLen(m, n, ldc) &&
		(bias == nil || len(bias) >= n) &&
		(residual == nil || (ldr >= max(n, 1) && len(residual) >= matrixLen(m, n, ldr)))
	if !ok {
		panic(fmt.Sprintf("kernels.%s(m=%d, n=%d, ldc=%d, ldr=%d): len(c)=%d len(bias)=%d len(residual)=%d inconsistent",
			fn, m, n, ldc, ldr, len(c), len(bias), len(residual)))
	}
}
