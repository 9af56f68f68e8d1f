// epilogue.go: the elementwise tail of a conv or dense layer in ResNet50 (Keras: the conv bias
// with BN folded in, then Add() of the shortcut in a bottleneck block, then Activation('relu')):
//
//	C[i][j] = relu?(C[i][j] + bias[j] + residual[i*ldr + j])
//
// Both versions add in the same order (bias, then residual) so they agree bitwise.
package kernels

import "fmt"

// BiasResidualReLU applies the epilogue to the m×n matrix C (leading dimension ldc). bias [n] and
// residual [m×ldr] may be nil. residual may alias C exactly (residual == c, ldr == ldc).
func BiasResidualReLU(m, n int, c []float32, ldc int, bias []float32, residual []float32, ldr int, relu bool) {
	checkEpilogueArgs("BiasResidualReLU", m, n, c, ldc, bias, residual, ldr)
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if bias != nil {
			bias := bias[:n]
			for j := range row {
				row[j] += bias[j]
			}
		}
		if residual != nil {
			res := residual[i*ldr : i*ldr+n]
			for j := range row {
				row[j] += res[j]
			}
		}
		if relu {
			for j, v := range row {
				if v < 0 {
					row[j] = 0
				}
			}
		}
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
