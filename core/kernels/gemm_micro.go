// gemm_micro.go: the GEMM micro-kernel, C[0:4, 0:8] (+)= A[0:4, 0:kc] · P where P is one packed
// kc×8 panel of B (see packB). Same interface as the wasm SIMD128 kernel (4 rows × two f32x4).
//
// Scalar Go on amd64 has 15 usable float registers, too few for a 4×8 accumulator tile plus
// operands (measured: 32 register accumulators spill and run at ~3.6 GFLOP/s). So the tile is
// computed one row at a time with 8 accumulators and K unrolled by 4 (~8 GFLOP/s per core with
// the panel in L1): the panel is re-read from L1 for each of the 4 rows, A once.
package kernels

// gemmMicro4x8 writes rows 0..mr-1 and columns 0..nr-1 (mr <= 4, nr <= 8) of the tile:
// C[i*ldc+j] = Σ_p A[i*lda+p]·panel[p*8+j], or C[i*ldc+j] += that sum when add is set.
func gemmMicro4x8(mr, nr, kc int, a []float32, lda int, panel []float32, c []float32, ldc int, add bool) {
	panel = panel[:kc*gemmNR]
	k4 := kc &^ 3
	for i := range mr {
		ar := a[i*lda : i*lda+kc]
		var c0, c1, c2, c3, c4, c5, c6, c7 float32
		for p := 0; p < k4; p += 4 {
			q := (*[4]float32)(ar[p:])
			x0, x1, x2, x3 := q[0], q[1], q[2], q[3]
			bp := (*[4 * gemmNR]float32)(panel[p*gemmNR:])
			c0 += x0*bp[0] + x1*bp[8] + x2*bp[16] + x3*bp[24]
			c1 += x0*bp[1] + x1*bp[9] + x2*bp[17] + x3*bp[25]
			c2 += x0*bp[2] + x1*bp[10] + x2*bp[18] + x3*bp[26]
			c3 += x0*bp[3] + x1*bp[11] + x2*bp[19] + x3*bp[27]
			c4 += x0*bp[4] + x1*bp[12] + x2*bp[20] + x3*bp[28]
			c5 += x0*bp[5] + x1*bp[13] + x2*bp[21] + x3*bp[29]
			c6 += x0*bp[6] + x1*bp[14] + x2*bp[22] + x3*bp[30]
			c7 += x0*bp[7] + x1*bp[15] + x2*bp[23] + x3*bp[31]
		}
		for p := k4; p < kc; p++ {
			x := ar[p]
			bp := (*[gemmNR]float32)(panel[p*gemmNR:])
			c0 += x * bp[0]
			c1 += x * bp[1]
			c2 += x * bp[2]
			c3 += x * bp[3]
			c4 += x * bp[4]
			c5 += x * bp[5]
			c6 += x * bp[6]
			c7 += x * bp[7]
		}
		if nr == gemmNR {
			r := (*[gemmNR]float32)(c[i*ldc:])
			if add {
				r[0], r[1], r[2], r[3] = r[0]+c0, r[1]+c1, r[2]+c2, r[3]+c3
				r[4], r[5], r[6], r[7] = r[4]+c4, r[5]+c5, r[6]+c6, r[7]+c7
			} else {
				r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] = c0, c1, c2, c3, c4, c5, c6, c7
			}
			continue
		}
		tile := [gemmNR]float32{c0, c1, c2, c3, c4, c5, c6, c7}
		r := c[i*ldc : i*ldc+nr]
		for j := range r {
			if add {
				r[j] += tile[j]
			} else {
				r[j] = tile[j]
			}
		}
	}
}
