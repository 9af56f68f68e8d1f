// scatter.go: the within-class scatter S = (1/N) Σ_i d_i d_iᵀ of the open set (openset.go), with
// d_i = x_i − mean of x_i's class, never formed as an F×F matrix: its trace, the Ledoit–Wolf
// shrinkage intensity, and its K leading eigenpairs by subspace iteration (Golub and Van Loan,
// "Matrix Computations", §8.2.4 orthogonal iteration) with a Rayleigh–Ritz step solved by
// cyclic Jacobi rotations (§8.5). Sums are in float64.
package head

import "math"

type scatter struct {
	x      []float32   // [rows,F]
	labels []int       // [rows]
	means  [][]float64 // [C][F]
	rows   int
	f      int
}

// centered writes d_i into d [F].
func (s *scatter) centered(d []float64, i int) {
	m := s.means[s.labels[i]]
	for j, v := range s.x[i*s.f : (i+1)*s.f] {
		d[j] = float64(v) - m[j]
	}
}

// trace is tr S.
func (s *scatter) trace() float64 {
	d := make([]float64, s.f)
	t := 0.0
	for i := range s.rows {
		s.centered(d, i)
		t += dot64(d, d)
	}
	return t / float64(s.rows)
}

// ledoitWolf is the shrinkage intensity δ = min(1, b²/d²) of Ledoit and Wolf (2004, Lemma 3.2
// and §3.3): d² = ‖S − μI‖²_F, b² = (1/N²) Σ_i ‖d_i d_iᵀ − S‖²_F, both written with the Gram
// matrix of the d_i (‖S‖²_F = ‖G‖²_F/N², d_iᵀ S d_i = Σ_j G_ij²/N). Over more than
// openSetGramRows photos it reads evenly spaced ones and scales b² to N (b² ∝ 1/N).
func (s *scatter) ledoitWolf(mu float64) float64 {
	m := min(s.rows, openSetGramRows)
	pick := make([]int, m)
	for i := range pick {
		pick[i] = i * s.rows / m
	}
	d := make([][]float64, m)
	for a, i := range pick {
		d[a] = make([]float64, s.f)
		s.centered(d[a], i)
	}
	g := make([]float64, m*m)
	for a := range m {
		for b := a; b < m; b++ {
			g[a*m+b] = dot64(d[a], d[b])
			g[b*m+a] = g[a*m+b]
		}
	}
	n := float64(m)
	sNorm2, tr := 0.0, 0.0
	for a := range m {
		tr += g[a*m+a]
		for b := range m {
			sNorm2 += g[a*m+b] * g[a*m+b]
		}
	}
	sNorm2 /= n * n
	tr /= n
	d2 := sNorm2 - 2*mu*tr + float64(s.f)*mu*mu
	b2 := 0.0
	for a := range m {
		xsx := 0.0
		for b := range m {
			xsx += g[a*m+b] * g[a*m+b]
		}
		b2 += g[a*m+a]*g[a*m+a] - 2*xsx/n + sNorm2
	}
	b2 /= n * n
	b2 *= n / float64(s.rows)
	if !(d2 > 0) {
		return 1
	}
	return math.Min(1, math.Max(0, b2/d2))
}

// principal returns S's k leading eigenvectors [k][F] (orthonormal) and eigenvalues [k],
// largest first. It iterates on k+openSetOversample vectors (at most F) and keeps the k
// leading Ritz pairs, so the k-th converges at the rate λ(k+p+1)/λ(k) rather than λ(k+1)/λ(k)
// (Halko, Martinsson and Tropp 2011, §4.5); when k+p reaches F the subspace is all of Rᶠ and
// the pairs are exact.
func (s *scatter) principal(k int, seed uint64) ([][]float64, []float64) {
	r := newRNG(seed, streamOpenSet)
	keep := k
	k = min(s.f, k+openSetOversample)
	v := make([][]float64, k)
	for c := range v {
		v[c] = make([]float64, s.f)
		for j := range v[c] {
			v[c][j] = r.float64() - 0.5
		}
	}
	orthonormalize(v)
	for range openSetIterations {
		v = s.apply(v)
		orthonormalize(v)
	}
	// Rayleigh–Ritz: B = Vᵀ S V (k×k), B = Q Λ Qᵀ, the eigenvectors V·Q.
	sv := s.apply(v)
	b := make([][]float64, k)
	for a := range b {
		b[a] = make([]float64, k)
		for c := range k {
			b[a][c] = dot64(v[a], sv[c])
		}
	}
	lambda, q := jacobiEigen(b)
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	// largest first, ties by index (stable and deterministic)
	for i := 1; i < k; i++ {
		for j := i; j > 0 && lambda[order[j]] > lambda[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	vecs := make([][]float64, keep)
	vals := make([]float64, keep)
	for out, i := range order[:keep] {
		vecs[out] = make([]float64, s.f)
		for a := range k {
			w := q[a][i]
			for j := range vecs[out] {
				vecs[out][j] += w * v[a][j]
			}
		}
		vals[out] = math.Max(lambda[i], 0)
	}
	return vecs, vals
}

// apply is S·v for each column v[c] [F]: (1/N) Σ_i d_i (d_i·v).
func (s *scatter) apply(v [][]float64) [][]float64 {
	out := make([][]float64, len(v))
	for c := range out {
		out[c] = make([]float64, s.f)
	}
	d := make([]float64, s.f)
	p := make([]float64, len(v))
	for i := range s.rows {
		s.centered(d, i)
		for c := range v {
			p[c] = dot64(d, v[c])
		}
		for c := range v {
			w := p[c] / float64(s.rows)
			o := out[c]
			for j, dj := range d {
				o[j] += w * dj
			}
		}
	}
	return out
}

// orthonormalize makes the vectors orthonormal in place (modified Gram–Schmidt, twice for
// accuracy); a vector that vanishes becomes a unit vector orthogonal to the others.
func orthonormalize(v [][]float64) {
	for c := range v {
		for range 2 {
			for a := range c {
				p := dot64(v[a], v[c])
				for j := range v[c] {
					v[c][j] -= p * v[a][j]
				}
			}
		}
		n := math.Sqrt(dot64(v[c], v[c]))
		if n < 1e-300 {
			for j := range v[c] {
				v[c][j] = 0
			}
			v[c][c%len(v[c])] = 1
			continue
		}
		for j := range v[c] {
			v[c][j] /= n
		}
	}
}

// jacobiEigen diagonalises the symmetric a [n][n] (overwritten) by cyclic Jacobi rotations:
// eigenvalues [n] and eigenvectors as the columns of q [n][n].
func jacobiEigen(a [][]float64) ([]float64, [][]float64) {
	n := len(a)
	q := make([][]float64, n)
	for i := range q {
		q[i] = make([]float64, n)
		q[i][i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		off, diag := 0.0, 0.0
		for i := range n {
			diag += a[i][i] * a[i][i]
			for j := i + 1; j < n; j++ {
				off += a[i][j] * a[i][j]
			}
		}
		if off <= 1e-30*diag || off == 0 {
			break
		}
		for p := range n {
			for r := p + 1; r < n; r++ {
				if a[p][r] == 0 {
					continue
				}
				theta := (a[r][r] - a[p][p]) / (2 * a[p][r])
				t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				if theta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := range n {
					akp, akr := a[k][p], a[k][r]
					a[k][p], a[k][r] = c*akp-s*akr, s*akp+c*akr
				}
				for k := range n {
					apk, ark := a[p][k], a[r][k]
					a[p][k], a[r][k] = c*apk-s*ark, s*apk+c*ark
				}
				for k := range n {
					qkp, qkr := q[k][p], q[k][r]
					q[k][p], q[k][r] = c*qkp-s*qkr, s*qkp+c*qkr
				}
			}
		}
	}
	ev := make([]float64, n)
	for i := range ev {
		ev[i] = a[i][i]
	}
	return ev, q
}

func dot64(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
