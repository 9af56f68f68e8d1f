// gemm_ref.go: the slow obvious twins of gemm.go — a triple loop in float32, summing over K in
// order. They define what GemmF32 and GemmF32Fused must compute (up to float32 rounding).
package kernels

// GemmF32Ref is GemmF32 as a triple loop: C[i][j] = (C[i][j] +) Σ_p A[i][p]·B[p][j].
func GemmF32Ref(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	checkGemmArgs("GemmF32Ref", m, n, k, a, lda, b, ldb, c, ldc, &Epilogue{})
	gemmF32Ref(m, n, k, a, lda, b, ldb, c, ldc, accumulate)
}

// GemmF32FusedRef is GemmF32Ref followed by BiasResidualReLURef.
func GemmF32FusedRef(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool, ep Epilogue) {
	checkGemmArgs("GemmF32FusedRef", m, n, k, a, lda, b, ldb, c, ldc, &ep)
	gemmF32Ref(m, n, k, a, lda, b, ldb, c, ldc, accumulate)
	BiasResidualReLURef(m, n, c, ldc, ep.Bias, ep.Residual, ep.LdResidual, ep.ReLU)
}

func gemmF32Ref(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	for i := range m {
		for j := range n {
			var s float32
			for p := range k {
				s += a[i*lda+p] * b[p*ldb+j]
			}
			if accumulate {
				c[i*ldc+j] += s
			} else {
				c[i*ldc+j] = s
			}
		}
	}
}
