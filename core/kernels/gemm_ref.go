// gemm_ref.go: the slow obvious twins of gemm.go — a triple loop in float32, summing over K in
// order. They define what GemmF32 and GemmF32Fused must compute (up to float32 rounding).
package kernels

// GemmF32Ref is GemmF32 as a triple loop: C[i][j] = (C[i][j] +) Σ_p A[i][p]·B[p][j].
func GemmF32Ref(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	checkGemmArgs("GemmF32Ref", m, n, k, len(a), lda, len(b), ldb, len(c), ldc, &Epilogue{})
	gemmF32Ref(m, n, k, a, lda, b, ldb, c, ldc, accumulate)
}

// GemmF32FusedRef is GemmF32Ref followed by BiasResidualReLURef.
func GemmF32FusedRef(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool, ep Epilogue) {
	checkGemmArgs("GemmF32FusedRef", m, n, k, len(a), lda, len(b), ldb, len(c), ldc, &ep)
	gemmF32Ref(m, n, k, a, lda, b, ldb, c, ldc, accumulate)
	BiasResidualReLURef(m, n, c, ldc, ep.Bias, ep.Residual, ep.LdResidual, ep.ReLU)
}

// GemmF32I8FusedRef is GemmF32FusedRef with B = int8 codes times column scales, each element
// dequantized as it is used: B[p][j] = float32(bq[p*ldb+j])·scales[j], rounded to float32 before
// the product (the explicit conversion forbids fusing it into a multiply-add).
func GemmF32I8FusedRef(m, n, k int, a []float32, lda int, bq []int8, ldb int, scales []float32, c []float32, ldc int, accumulate bool, ep Epilogue) {
	checkGemmI8Args("GemmF32I8FusedRef", m, n, k, a, lda, bq, ldb, scales, c, ldc, &ep)
	for i := range m {
		for j := range n {
			var s float32
			for p := range k {
				s += a[i*lda+p] * float32(float32(bq[p*ldb+j])*scales[j])
			}
			if accumulate {
				c[i*ldc+j] += s
			} else {
				c[i*ldc+j] = s
			}
		}
	}
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
