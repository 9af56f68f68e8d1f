// openset_test.go: the open set against its slow twin (the shrunk covariance as a full F×F
// matrix, Ledoit–Wolf's δ from its definition, the distance by solving Σ y = d), and that it
// tells photos of known classes from others.
package head

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// clusters is rows rows of f features in classes classes, class c's mean at c·shift along an
// axis, with a correlated spread (the first feature also drives the second).
func clusters(rows, f, classes int, shift float64, seed uint64) ([]float32, []int) {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, rows*f)
	labels := make([]int, rows)
	for i := range rows {
		labels[i] = i % classes
		row := x[i*f : (i+1)*f]
		for j := range row {
			row[j] = float32(r.NormFloat64() * (1 + float64(j%3)))
		}
		row[1] += 2 * row[0]
		row[labels[i]%f] += float32(shift * float64(labels[i]))
	}
	return x, labels
}

// slowScore is the open set's score from the full shrunk covariance, on sign(x)·log(1+|x|) of the features.
func slowScore(x []float32, labels []int, rows, f, classes int, probe []float32) (float64, int, float64) {
	logOf := func(v []float32) []float32 { // sign(v)·log(1+|v|), written out
		out := make([]float32, len(v))
		for i, a := range v {
			out[i] = float32(math.Copysign(math.Log(1+math.Abs(float64(a))), float64(a)))
		}
		return out
	}
	x, probe = logOf(x), logOf(probe)
	means := make([][]float64, classes)
	counts := make([]float64, classes)
	for c := range means {
		means[c] = make([]float64, f)
	}
	for i, l := range labels {
		counts[l]++
		for j := range f {
			means[l][j] += float64(x[i*f+j])
		}
	}
	for c := range means {
		for j := range means[c] {
			means[c][j] /= counts[c]
		}
	}
	d := make([][]float64, rows)
	s := make([][]float64, f)
	for j := range s {
		s[j] = make([]float64, f)
	}
	for i := range rows {
		d[i] = make([]float64, f)
		for j := range f {
			d[i][j] = float64(x[i*f+j]) - means[labels[i]][j]
		}
		for a := range f {
			for b := range f {
				s[a][b] += d[i][a] * d[i][b] / float64(rows)
			}
		}
	}
	mu := 0.0
	for j := range f {
		mu += s[j][j] / float64(f)
	}
	d2, b2 := 0.0, 0.0
	for a := range f {
		for b := range f {
			e := s[a][b]
			if a == b {
				e -= mu
			}
			d2 += e * e
		}
	}
	for i := range rows {
		for a := range f {
			for b := range f {
				e := d[i][a]*d[i][b] - s[a][b]
				b2 += e * e
			}
		}
	}
	b2 /= float64(rows * rows)
	delta := math.Min(1, b2/d2)
	best, nearest := math.Inf(1), 0
	for c := range means {
		sig := make([][]float64, f)
		rhs := make([]float64, f)
		for a := range f {
			sig[a] = make([]float64, f)
			for b := range f {
				sig[a][b] = (1 - delta) * s[a][b]
			}
			sig[a][a] += delta * mu
			rhs[a] = float64(probe[a]) - means[c][a]
		}
		y := solve(sig, append([]float64(nil), rhs...))
		if v := dot64(rhs, y) / float64(f); v < best {
			best, nearest = v, c
		}
	}
	return best, nearest, delta
}

// solve is Gaussian elimination with partial pivoting: a y = b.
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	for k := range n {
		p := k
		for i := k + 1; i < n; i++ {
			if math.Abs(a[i][k]) > math.Abs(a[p][k]) {
				p = i
			}
		}
		a[k], a[p], b[k], b[p] = a[p], a[k], b[p], b[k]
		for i := k + 1; i < n; i++ {
			m := a[i][k] / a[k][k]
			for j := k; j < n; j++ {
				a[i][j] -= m * a[k][j]
			}
			b[i] -= m * b[k]
		}
	}
	y := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := b[i]
		for j := i + 1; j < n; j++ {
			s -= a[i][j] * y[j]
		}
		y[i] = s / a[i][i]
	}
	return y
}

// TestOpenSetEqualsFullCovariance: with K = F−1 components the low-rank form is exact (the one
// direction left is the residual), so scores equal the full shrunk covariance's, on awkward
// sizes (F = 7, 3 classes of unequal counts, rows below and above F).
func TestOpenSetEqualsFullCovariance(t *testing.T) {
	for _, tc := range []struct{ rows, f, classes int }{{11, 7, 3}, {40, 7, 3}, {9, 5, 2}} {
		x, labels := clusters(tc.rows, tc.f, tc.classes, 3, 7)
		o, err := FitOpenSet(x, labels, tc.rows, tc.f, tc.classes, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Components) != min(tc.f-1, tc.rows-tc.classes) {
			t.Fatalf("%+v: %d components", tc, len(o.Components))
		}
		probes, _ := clusters(5, tc.f, 1, 0, 99)
		for p := range 5 {
			probe := probes[p*tc.f : (p+1)*tc.f]
			got, gotC := o.Score(probe)
			want, wantC, delta := slowScore(x, labels, tc.rows, tc.f, tc.classes, probe)
			if math.Abs(float64(o.Shrinkage)-delta) > 1e-5 {
				t.Errorf("%+v: shrinkage %g, want %g", tc, o.Shrinkage, delta)
			}
			if len(o.Components) == tc.f-1 && (math.Abs(got-want) > 1e-4*want || gotC != wantC) {
				t.Errorf("%+v probe %d: score %g (class %d), want %g (class %d)", tc, p, got, gotC, want, wantC)
			}
		}
	}
}

// TestOpenSetTellsKnownFromUnknown: photos of the known clusters are accepted at the held-out
// rate, points far from every class are not, and its threshold accepts 95% of what set it.
func TestOpenSetTellsKnownFromUnknown(t *testing.T) {
	const f, classes = 24, 3
	x, labels := clusters(300, f, classes, 8, 3)
	o, err := FitOpenSet(x, labels, 300, f, classes, 1)
	if err != nil {
		t.Fatal(err)
	}
	held, _ := clusters(200, f, classes, 8, 4)
	var scores []float64
	for i := range 200 {
		s, _ := o.Score(held[i*f : (i+1)*f])
		scores = append(scores, s)
	}
	o.SetThreshold(scores, heldOutValidation)
	accepted := 0
	for _, s := range scores {
		if !o.Unknown(s) {
			accepted++
		}
	}
	if accepted != 191 { // ⌈201·0.95⌉: the conformal quantile
		t.Errorf("threshold accepts %d of 200 held-out photos, want 191", accepted)
	}
	far, _ := clusters(50, f, 1, 0, 5)
	flagged := 0
	for i := range 50 {
		row := far[i*f : (i+1)*f]
		for j := range row {
			row[j] += float32(4 * ((j % 5) - 2)) // off every class's axis
		}
		if s, _ := o.Score(row); o.Unknown(s) {
			flagged++
		}
	}
	if flagged < 48 {
		t.Errorf("%d of 50 points far from every class flagged unknown", flagged)
	}
	if err := o.Check(classes, f); err != nil {
		t.Error(err)
	}
}

// TestCalibrateWithoutValidation: no validation split gives an open set from out-of-fold
// scores and no temperature.
func TestCalibrateWithoutValidation(t *testing.T) {
	const f = 10
	x, labels := clusters(60, f, 2, 6, 8)
	m := &Model{Net: Net{Output: Softmax, Layers: []Dense{{In: f, Out: 2, Kernel: make([]float32, 2*f), Bias: []float32{0, 0}}}}, Classes: []string{"a", "b"}}
	train := make([]int, 60)
	for i := range train {
		train[i] = i
	}
	if err := m.Calibrate(func(i int) []float32 { return x[i*f : (i+1)*f] }, labels, train, nil); err != nil {
		t.Fatal(err)
	}
	if m.OpenSet == nil || m.OpenSet.HeldOut != heldOutFolds || m.Calibration != nil {
		t.Fatalf("open set %+v, calibration %+v", m.OpenSet, m.Calibration)
	}
}

// TestCalibrateTooFewPhotos: one photo per class (or copies of one) fits no open set, and the
// head is kept without one rather than failing its training.
func TestCalibrateTooFewPhotos(t *testing.T) {
	const f = 10
	x, labels := clusters(4, f, 2, 6, 8)
	copy(x[2*f:3*f], x[0:f]) // rows 0 and 2 are class 0; row 2 is row 0 again
	copy(x[3*f:4*f], x[f:2*f])
	m := &Model{Net: Net{Output: Softmax, Layers: []Dense{{In: f, Out: 2, Kernel: make([]float32, 2*f), Bias: []float32{0, 0}}}}, Classes: []string{"a", "b"}}
	for _, train := range [][]int{{0, 1}, {0, 1, 2, 3}} {
		m.OpenSet = &OpenSet{}
		if err := m.Calibrate(func(i int) []float32 { return x[i*f : (i+1)*f] }, labels, train, nil); err != nil {
			t.Fatalf("train %v: %v", train, err)
		}
		if m.OpenSet != nil {
			t.Errorf("train %v: an open set from copies of one photo per class", train)
		}
	}
	if _, err := FitOpenSet(x[:2*f], labels[:2], 2, f, 2, 1); !errors.Is(err, ErrOpenSetData) {
		t.Errorf("FitOpenSet on one photo per class: %v", err)
	}
}

// TestCalibrateSmallValidation: a validation split under openSetMinHeldOut photos sets the
// threshold together with the out-of-fold scores; a larger one alone. A temperature needs
// MinCalibrationExamples of them.
func TestCalibrateSmallValidation(t *testing.T) {
	const f = 10
	x, labels := clusters(160, f, 2, 6, 8)
	m := &Model{Net: Net{Output: Softmax, Layers: []Dense{{In: f, Out: 2, Kernel: make([]float32, 2*f), Bias: []float32{0, 0}}}}, Classes: []string{"a", "b"}}
	train := make([]int, 100)
	for i := range train {
		train[i] = i
	}
	for _, c := range []struct {
		val  int
		want string
	}{{10, heldOutBoth}, {openSetMinHeldOut, heldOutValidation}, {60, heldOutValidation}} {
		val := make([]int, c.val)
		for i := range val {
			val[i] = 100 + i
		}
		if err := m.Calibrate(func(i int) []float32 { return x[i*f : (i+1)*f] }, labels, train, val); err != nil {
			t.Fatal(err)
		}
		if m.OpenSet == nil || m.OpenSet.HeldOut != c.want || (m.Calibration != nil) != (c.val >= MinCalibrationExamples) ||
			(m.Calibration != nil && m.Calibration.Examples != c.val) {
			t.Errorf("%d validation photos: open set %+v, calibration %+v; want held out %q", c.val, m.OpenSet, m.Calibration, c.want)
		}
	}
}

// TestSetThresholdIsConformal: from openSetConformalMin scores, the ⌈(n+1)·0.95⌉-th smallest;
// under 5, the largest.
func TestSetThresholdIsConformal(t *testing.T) {
	for _, c := range []struct{ n, k int }{{1, 1}, {4, 4}, {100, 96}, {200, 191}, {1000, 951}} {
		scores := make([]float64, c.n)
		for i := range scores {
			scores[i] = float64(c.n - i) // n … 1, unsorted
		}
		var o OpenSet
		o.SetThreshold(scores, heldOutValidation)
		if o.Threshold != float32(c.k) {
			t.Errorf("%d scores: threshold %g, want the %d-th smallest", c.n, o.Threshold, c.k)
		}
	}
}

// TestSetThresholdLogNormalCoverage: from 40 log-normal scores, the bound accepts 95% of new
// ones on average over many draws (the plain 38th of 40 would accept 92.7%); Student's t point
// against the tables.
func TestSetThresholdLogNormalCoverage(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	const draws, n, fresh = 2000, 40, 200
	accepted := 0
	for range draws {
		scores := make([]float64, n)
		for i := range scores {
			scores[i] = math.Exp(0.3*r.NormFloat64() + 0.1)
		}
		var o OpenSet
		o.SetThreshold(scores, heldOutValidation)
		for range fresh {
			if !o.Unknown(math.Exp(0.3*r.NormFloat64() + 0.1)) {
				accepted++
			}
		}
	}
	if got := float64(accepted) / (draws * fresh); math.Abs(got-0.95) > 0.004 {
		t.Errorf("the bound from %d scores accepts %.4f of new ones, want 0.95", n, got)
	}
	if got := studentT95(39); math.Abs(got-1.6849) > 0.002 { // t₀.₉₅,₃₉ from the tables
		t.Errorf("t(0.95, 39) = %.4f, want 1.6849", got)
	}
	if got := studentT95(4); math.Abs(got-2.1318) > 0.02 { // the expansion is 0.8% low at 4
		t.Errorf("t(0.95, 4) = %.4f, want 2.1318", got)
	}
}
