// audit.go: "suspected mislabels" — an audit of a labelled set of cached features, as `graft
// audit` runs it. Two kinds of finding:
//
//   - mislabel: confident learning (Northcutt, Jiang & Chuang, "Confident Learning: Estimating
//     Uncertainty in Dataset Labels", JAIR 70, 2021, §3.1). Out-of-fold probabilities p̂(x) come
//     from k heads (head.Train), each trained on the other k−1 stratified folds. The threshold of
//     class j is t_j = the mean of p̂_j(x) over the examples labelled j (the per-class expected
//     self-confidence). An example x labelled i goes to the confident joint's cell (i, j*) with
//     j* = argmax_{j : p̂_j(x) ≥ t_j} p̂_j(x) — the given label i included among the candidates,
//     as the paper defines it; x is a confident suspect when j* exists and j* ≠ i, suggested =
//     j*. So is, not confident, an x whose out-of-fold prediction argmax p̂ is not i (suggested
//     that class): with few photos per fold the heads' probabilities are soft, and half the
//     flipped labels of a 100+100 folder sit above ½ but under their class's threshold.
//     Either way the score is the margin p̂_suggested(x) − p̂_i(x) in (0, 1] (the paper's
//     "normalized margin" ranking, §3.2), and the findings are ranked by it.
//   - duplicate: two photos of different labels whose view-0 features have cosine ≥ 0.98
//     (DuplicateCosine); exact duplicates have cosine 1. The search is exact (nearDuplicates).
//
// Findings are ranked by score, strongest first, the two kinds together.
package app

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/graftml/graft/core/head"
)

// DuplicateCosine is the cosine of view-0 features at or above which two photos of different
// labels are reported as duplicates.
const DuplicateCosine = 0.98

// DefaultAuditFolds is the number of folds when Audit is given 0.
const DefaultAuditFolds = 5

// Finding kinds.
const (
	KindMislabel  = "mislabel"
	KindDuplicate = "duplicate"
)

// Finding is one suspect photo.
type Finding struct {
	Kind      string  `json:"kind"`            // KindMislabel or KindDuplicate
	Example   int     `json:"-"`               // index into Data.Examples
	Path      string  `json:"path"`            // its Name
	Label     string  `json:"label"`           // the label it has
	Suggested string  `json:"suggested"`       // the label it may want
	Score     float64 `json:"score"`           // mislabel: p̂(suggested) − p̂(label); duplicate: the cosine
	Other     string  `json:"other,omitempty"` // duplicate: the other photo's Name
	OtherEx   int     `json:"-"`               // duplicate: its index (−1 for a mislabel)
	// Confident: a mislabel in the confident joint's off-diagonal (p̂ of the suggested class at
	// or above its threshold); false for one whose out-of-fold prediction merely disagrees.
	Confident bool `json:"confident,omitempty"`
}

// AuditReport is an audit's result.
type AuditReport struct {
	Examples      int
	Folds         int
	Probabilities []float32 // [N,C]: out-of-fold p̂ of each example's view 0 (zeros when not audited)
	Audited       []bool    // [N]: false for the examples of a class with one example (never held out)
	Thresholds    []float64 // [C]: t_j; +Inf for a class with no audited example (never suggested)
	Mislabels     int
	Duplicates    int
	Findings      []Finding // strongest first
}

// Audit runs the audit of d with head config cfg (its ValSplit is set to 0 for the fold heads:
// the held-out fold is the only validation; epochs as cfg says). folds 0 means
// DefaultAuditFolds. progress, when not nil, sees each fold as it ends (done of total). ctx is
// honoured between batches and between the duplicate search's rows.
func Audit(ctx context.Context, cfg head.Config, d *head.Data, folds int, progress func(done, total int)) (*AuditReport, error) {
	if folds == 0 {
		folds = DefaultAuditFolds
	}
	if err := d.Check(); err != nil {
		return nil, err
	}
	n, c := len(d.Examples), len(d.Classes)
	if folds < 2 || folds > n {
		return nil, fmt.Errorf("audit: %d folds for %d photos: want 2 … the number of photos", folds, n)
	}
	cfg.ValSplit = 0
	cfg.Hidden = slices.Clone(cfg.Hidden)
	fold := auditFolds(d, folds, cfg.Seed)
	rep := &AuditReport{Examples: n, Folds: folds, Probabilities: make([]float32, n*c), Audited: make([]bool, n)}
	f := d.Base.Features
	for k := range folds {
		train := &head.Data{Base: d.Base, Classes: d.Classes}
		var held []int
		for i, e := range d.Examples {
			if fold[i] == k {
				held = append(held, i)
			} else {
				train.Examples = append(train.Examples, e)
			}
		}
		if len(held) > 0 {
			res, err := head.Train(ctx, cfg, train, nil)
			if err != nil {
				return nil, fmt.Errorf("audit: fold %d: %w", k+1, err)
			}
			x := make([]float32, len(held)*f) // [len(held),F]
			for r, i := range held {
				copy(x[r*f:], d.Examples[i].Views[0])
			}
			p, err := res.Model.Probabilities(x, len(held)) // [len(held),C]
			if err != nil {
				return nil, err
			}
			for r, i := range held {
				copy(rep.Probabilities[i*c:(i+1)*c], p[r*c:(r+1)*c])
				rep.Audited[i] = true
			}
		}
		if progress != nil {
			progress(k+1, folds)
		}
	}
	rep.Thresholds = classThresholds(d, rep.Probabilities, rep.Audited)
	findings := confidentSuspects(d, rep.Probabilities, rep.Audited, rep.Thresholds)
	rep.Mislabels = len(findings)
	dups, err := crossClassDuplicates(ctx, d, rep.Probabilities)
	if err != nil {
		return nil, err
	}
	rep.Duplicates = len(dups)
	rep.Findings = append(findings, dups...)
	SortFindings(rep.Findings)
	return rep, nil
}

// SortFindings orders findings strongest first: score descending, then kind, path, other.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Other, b.Other))
	})
}

// auditFolds assigns each example a fold in [0, folds), stratified: each class's examples are
// shuffled by the seed and dealt round the folds, continuing where the previous class stopped
// so the folds stay within one photo of each other in size. A class with one example gets −1
// (never held out: the other folds' heads would not know the class).
func auditFolds(d *head.Data, folds int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 0x5851f42d4c957f2d)) // the audit's own stream
	byClass := make([][]int, len(d.Classes))
	for i, e := range d.Examples {
		byClass[e.Label] = append(byClass[e.Label], i)
	}
	fold := make([]int, len(d.Examples))
	next := 0
	for _, idx := range byClass {
		if len(idx) < 2 {
			for _, i := range idx {
				fold[i] = -1
			}
			continue
		}
		for j := len(idx) - 1; j > 0; j-- { // Fisher–Yates
			k := int(r.Uint64N(uint64(j + 1)))
			idx[j], idx[k] = idx[k], idx[j]
		}
		for _, i := range idx {
			fold[i] = next
			next = (next + 1) % folds
		}
	}
	return fold
}

// classThresholds is t_j = mean p̂_j over the audited examples labelled j, p [N,C].
func classThresholds(d *head.Data, p []float32, audited []bool) []float64 {
	c := len(d.Classes)
	sum, cnt := make([]float64, c), make([]int, c)
	for i, e := range d.Examples {
		if audited[i] {
			sum[e.Label] += float64(p[i*c+e.Label])
			cnt[e.Label]++
		}
	}
	t := make([]float64, c)
	for j := range t {
		t[j] = math.Inf(1)
		if cnt[j] > 0 {
			t[j] = sum[j] / float64(cnt[j])
		}
	}
	return t
}

// confidentSuspects are the off-diagonal entries of the confident joint (see the file comment),
// Confident, and every other photo whose out-of-fold prediction is another class than its label
// (argmax p̂ ≠ label: the small-sample heads' probabilities are soft, and a flipped label often
// has p̂ of its true class above ½ but under that class's threshold), not Confident.
func confidentSuspects(d *head.Data, p []float32, audited []bool, t []float64) []Finding {
	c := len(d.Classes)
	var out []Finding
	for i, e := range d.Examples {
		if !audited[i] {
			continue
		}
		row := p[i*c : (i+1)*c]
		best, other := -1, -1
		for j, v := range row {
			if float64(v) >= t[j] && (best < 0 || v > row[best]) {
				best = j
			}
			if j != e.Label && (other < 0 || v > row[other]) {
				other = j
			}
		}
		confident := best >= 0 && best != e.Label
		if !confident {
			if other < 0 || row[other] <= row[e.Label] {
				continue
			}
			best = other
		}
		out = append(out, Finding{Kind: KindMislabel, Example: i, Path: e.Name, Label: d.Classes[e.Label],
			Suggested: d.Classes[best], Score: float64(row[best]) - float64(row[e.Label]), OtherEx: -1, Confident: confident})
	}
	return out
}

// crossClassDuplicates reports each pair of differently labelled examples with view-0 cosine ≥
// DuplicateCosine once. The finding names the photo whose own label has the lower out-of-fold
// probability (p [N,C]; the likelier wrong one), suggesting the other's label.
func crossClassDuplicates(ctx context.Context, d *head.Data, p []float32) ([]Finding, error) {
	vecs := make([][]float32, len(d.Examples))
	labels := make([]int, len(d.Examples))
	for i, e := range d.Examples {
		vecs[i], labels[i] = e.Views[0], e.Label
	}
	pairs, err := NearDuplicates(ctx, vecs, labels, DuplicateCosine)
	if err != nil {
		return nil, err
	}
	c := len(d.Classes)
	out := make([]Finding, 0, len(pairs))
	for _, pr := range pairs {
		a, b := pr.A, pr.B
		if p[b*c+labels[b]] < p[a*c+labels[a]] {
			a, b = b, a
		}
		out = append(out, Finding{Kind: KindDuplicate, Example: a, Path: d.Examples[a].Name, Label: d.Classes[labels[a]],
			Suggested: d.Classes[labels[b]], Score: pr.Cosine, Other: d.Examples[b].Name, OtherEx: b})
	}
	return out, nil
}

// Pair is two examples (A < B) with their cosine.
type Pair struct {
	A, B   int
	Cosine float64
}

// projDims is how many principal directions the duplicate prefilter projects on.
const projDims = 16

// NearDuplicates returns every pair i < j with labels[i] ≠ labels[j] (labels nil: every pair)
// whose vectors (each [F]) have cosine ≥ minCos, in (A, B) order. Zero vectors have no cosine
// and are left out.
//
// It is exact, not probabilistic: for unit vectors u, w, cos(u, w) ≥ c ⟺ ‖u − w‖ ≤ r with
// r = √(2 − 2c) (0.2 at c = 0.98), and for any matrix P with orthonormal rows, ‖P(u − w)‖ ≤
// ‖u − w‖. So with P the top projDims principal directions of the unit vectors (a few rounds of
// subspace iteration on a sample; any orthonormal P would be exact, principal ones filter best),
// a pair can only qualify when its projections lie within r: the rows are sorted by their first
// projected coordinate, each row is compared with the rows within r after it, first by the
// lower bound ‖u − w‖² ≥ ‖P(u − w)‖² + (‖Ru‖ − ‖Rw‖)² (R = I − PᵀP; projDims flops), and only
// pairs within r there get the exact F-dimensional dot product. Features with a few dominant
// directions (pooled CNN features; TestNearDuplicatesScales) leave a small fraction of the N²
// pairs; isotropic noise, where every pair's projection is short, degrades to the brute force's
// O(N²·F) — still exact.
func NearDuplicates(ctx context.Context, vecs [][]float32, labels []int, minCos float64) ([]Pair, error) {
	if len(vecs) == 0 {
		return nil, nil
	}
	f := len(vecs[0])
	var rows []int // the non-zero vectors
	unit := make([][]float64, len(vecs))
	for i, v := range vecs {
		if len(v) != f {
			return nil, fmt.Errorf("audit: vector %d has %d values, vector 0 has %d", i, len(v), f)
		}
		s := 0.0
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			continue
		}
		inv := 1 / math.Sqrt(s)
		u := make([]float64, f)
		for k, x := range v {
			u[k] = float64(x) * inv
		}
		unit[i] = u
		rows = append(rows, i)
	}
	radius := math.Sqrt(max(0, 2-2*minCos)) + 1e-9 // slack for rounding
	basis := principalBasis(unit, rows, min(projDims, f))
	k := len(basis)
	proj := make([]float64, len(vecs)*k) // [N,k]
	resid := make([]float64, len(vecs))  // [N]: ‖u − PᵀPu‖, the part P does not see
	for _, i := range rows {
		seen := 0.0
		for b, dir := range basis {
			proj[i*k+b] = dot(unit[i], dir)
			seen += proj[i*k+b] * proj[i*k+b]
		}
		resid[i] = math.Sqrt(max(0, 1-seen))
	}
	slices.SortFunc(rows, func(a, b int) int { return cmp.Or(cmp.Compare(proj[a*k], proj[b*k]), cmp.Compare(a, b)) })
	var pairs []Pair
	r2 := radius * radius
	for ai, a := range rows {
		if ai%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		pa := proj[a*k : (a+1)*k]
		for _, b := range rows[ai+1:] {
			pb := proj[b*k : (b+1)*k]
			if pb[0]-pa[0] > radius {
				break
			}
			if labels != nil && labels[a] == labels[b] {
				continue
			}
			d2 := (resid[a] - resid[b]) * (resid[a] - resid[b]) // ‖R(u−w)‖ ≥ |‖Ru‖ − ‖Rw‖|
			for j := range pa {
				t := pa[j] - pb[j]
				d2 += t * t
			}
			if d2 > r2 {
				continue
			}
			if cos := dot(unit[a], unit[b]); cos >= minCos {
				pairs = append(pairs, Pair{A: min(a, b), B: max(a, b), Cosine: cos})
			}
		}
	}
	slices.SortFunc(pairs, func(x, y Pair) int { return cmp.Or(cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B)) })
	return pairs, nil
}

// BruteNearDuplicates is NearDuplicates by comparing every pair (O(N²·F)); the tests hold the
// prefiltered search to it.
func BruteNearDuplicates(vecs [][]float32, labels []int, minCos float64) []Pair {
	norm := func(v []float32) float64 {
		s := 0.0
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		return math.Sqrt(s)
	}
	var pairs []Pair
	for a := range vecs {
		for b := a + 1; b < len(vecs); b++ {
			if labels != nil && labels[a] == labels[b] {
				continue
			}
			na, nb := norm(vecs[a]), norm(vecs[b])
			if na == 0 || nb == 0 {
				continue
			}
			s := 0.0
			for j := range vecs[a] {
				s += float64(vecs[a][j]) * float64(vecs[b][j])
			}
			if cos := s / (na * nb); cos >= minCos {
				pairs = append(pairs, Pair{A: a, B: b, Cosine: cos})
			}
		}
	}
	return pairs
}

// principalBasis returns up to k orthonormal directions [k][F] close to the top principal
// directions of the unit vectors unit[rows] (of their covariance: differences u − w do not see
// the mean): three rounds of subspace iteration Q ← orth((X−μ)ᵀ(X−μ) Q) from a seeded random
// start, on at most 2,000 rows (every 1 in ⌈N/2000⌉).
// Exactness of NearDuplicates needs only orthonormality, which the Gram–Schmidt keeps.
func principalBasis(unit [][]float64, rows []int, k int) [][]float64 {
	if len(rows) == 0 || k == 0 {
		return nil
	}
	f := len(unit[rows[0]])
	step := max(1, (len(rows)+1999)/2000)
	var sample [][]float64
	for i := 0; i < len(rows); i += step {
		sample = append(sample, unit[rows[i]])
	}
	mu := make([]float64, f) // [F]
	for _, x := range sample {
		for j, v := range x {
			mu[j] += v
		}
	}
	for j := range mu {
		mu[j] /= float64(len(sample))
	}
	r := rand.New(rand.NewPCG(1, 2))
	q := make([][]float64, k) // [k][F]
	for b := range q {
		q[b] = make([]float64, f)
		for j := range q[b] {
			q[b][j] = r.NormFloat64()
		}
	}
	q = orthonormal(q)
	for range 3 {
		next := make([][]float64, len(q))
		for b := range next {
			next[b] = make([]float64, f)
		}
		sums, muq := make([]float64, len(q)), make([]float64, len(q))
		for b, dir := range q {
			muq[b] = dot(mu, dir)
		}
		for _, x := range sample { // next_b += (x−μ)((x−μ)ᵀ q_b) = s·x − s·μ, s = (x−μ)ᵀq_b
			for b, dir := range q {
				s := dot(x, dir) - muq[b]
				sums[b] += s
				nb := next[b]
				for j, v := range x {
					nb[j] += s * v
				}
			}
		}
		for b := range next {
			for j := range next[b] {
				next[b][j] -= sums[b] * mu[j]
			}
		}
		q = orthonormal(next)
	}
	// Sort the directions by the sample's spread along them, widest first: the sweep sorts on
	// the first, and the wider it spreads the rows the fewer pairs the window holds.
	spread := make([]float64, len(q))
	for b, dir := range q {
		mean, sq := 0.0, 0.0
		for _, x := range sample {
			s := dot(x, dir)
			mean += s
			sq += s * s
		}
		mean /= float64(len(sample))
		spread[b] = sq/float64(len(sample)) - mean*mean
	}
	order := make([]int, len(q))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(spread[b], spread[a]) })
	out := make([][]float64, len(q))
	for i, o := range order {
		out[i] = q[o]
	}
	return out
}

// orthonormal runs modified Gram–Schmidt (twice, for float stability) over vs and drops
// directions that vanish.
func orthonormal(vs [][]float64) [][]float64 {
	var out [][]float64
	for _, v := range vs {
		v = slices.Clone(v)
		for range 2 {
			for _, u := range out {
				s := dot(v, u)
				for j := range v {
					v[j] -= s * u[j]
				}
			}
		}
		n := math.Sqrt(dot(v, v))
		if n < 1e-10 {
			continue
		}
		for j := range v {
			v[j] /= n
		}
		out = append(out, v)
	}
	return out
}

func dot(a, b []float64) float64 {
	s := 0.0
	for j := range a {
		s += a[j] * b[j]
	}
	return s
}
