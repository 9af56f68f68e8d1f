// openset.go: "none of these" — how far a photo's pooled features lie from every class the head
// knows. The score is the squared Mahalanobis distance to the nearest class mean, under one
// covariance shared by the classes (Lee et al., "A Simple Unified Framework for Detecting
// Out-of-Distribution Samples", NeurIPS 2018, with the features the head reads), shrunk towards
// a multiple of the identity by Ledoit and Wolf's estimate ("A well-conditioned estimator for
// large-dimensional covariance matrices", J. Multivariate Analysis 88, 2004): with fewer photos
// than features the sample covariance cannot be inverted, the shrunk one can.
//
// Distances are measured on log(1+x) of the features (logFeature), class means and covariance
// included. The covariance is kept in low rank: its K leading principal directions (subspace iteration
// on the within-class scatter, then Rayleigh–Ritz), each with its shrunk variance, and one
// shrunk variance for every direction orthogonal to them (the mean of the rest of the
// spectrum). K·F + C·F numbers instead of F², and the same distance along the directions that
// carry the variance. The score is divided by F, so a typical photo of a known class scores
// about 1. A threshold set on held-out photos (OpenSetAccept of them accepted) decides.
package head

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Open-set parameters.
const (
	OpenSetMethod       = "log-mahalanobis-lw" // the only method
	OpenSetComponents   = 32                   // K, at most; fewer when there are fewer photos
	OpenSetAccept       = 0.95                 // share of held-out photos of known classes accepted
	openSetIterations   = 12                   // subspace iterations
	openSetOversample   = 8                    // extra vectors the subspace iteration carries
	openSetGramRows     = 512                  // rows the Ledoit–Wolf estimate reads, at most
	openSetFolds        = 5                    // folds when there is no validation split
	heldOutValidation   = "validation"         // OpenSet.HeldOut: the threshold from the validation split
	heldOutFolds        = "5-fold"             // from out-of-fold scores of the training photos
	heldOutBoth         = "validation+5-fold"  // both: a validation split too small for a 95% quantile on its own
	openSetMinHeldOut   = 40                   // fewer validation photos than this are joined by the out-of-fold scores
	openSetConformalMin = 100                  // from this many held-out scores the threshold is their conformal quantile
)

// ErrOpenSetData marks training photos an open set cannot be fitted to: too few of them, or
// no two of a class with different features. Training then keeps the head without one.
var ErrOpenSetData = errors.New("open set: too few different photos of a class to measure distances with")

// OpenSet scores how unlike every known class a feature vector is.
type OpenSet struct {
	Means      [][]float32 // [C][F] class means of the training features (in logFeature space, as everything here)
	Components [][]float32 // [K][F] orthonormal principal directions of the within-class scatter
	Variances  []float32   // [K] shrunk variance along each component
	Residual   float32     // shrunk variance of every direction orthogonal to the components
	Shrinkage  float32     // Ledoit–Wolf δ: Σ = (1−δ)·S + δ·μ·I
	Threshold  float32     // a score above it: none of the known classes
	HeldOut    string      // what set Threshold: "validation", "5-fold" (out-of-fold scores) or "validation+5-fold"
}

// logFeature is the feature as the open set measures it: sign(v)·log(1+|v|). Pooled ReLU
// features are skewed (many near 0, a few large); in the log they are nearer the Gaussian the
// distance assumes. Measured on a 100+100 cats/dogs head at conv4_block6_out: at the threshold
// accepting 95% of cats-vs-dogs/validation, 149 of 176 ImageNet photos of neither are flagged,
// against 140 on the features as they are (RATIONALE.md, "none of these").
func logFeature(v float32) float64 {
	if v < 0 {
		return -math.Log1p(-float64(v))
	}
	return math.Log1p(float64(v))
}

// Score is x's [F] score (squared Mahalanobis distance to the nearest class mean, over F) and
// that class.
func (o *OpenSet) Score(x []float32) (score float64, nearest int) {
	f := len(x)
	score = math.Inf(1)
	d := make([]float64, f)
	for c, mean := range o.Means {
		norm := 0.0
		for j := range d {
			d[j] = logFeature(x[j]) - float64(mean[j])
			norm += d[j] * d[j]
		}
		s, along := 0.0, 0.0
		for k, u := range o.Components {
			p := 0.0
			for j, v := range u {
				p += float64(v) * d[j]
			}
			along += p * p
			s += p * p / float64(o.Variances[k])
		}
		s += math.Max(norm-along, 0) / float64(o.Residual)
		if s /= float64(f); s < score {
			score, nearest = s, c
		}
	}
	return score, nearest
}

// Unknown says whether score is beyond the threshold.
func (o *OpenSet) Unknown(score float64) bool { return score > float64(o.Threshold) }

// Check reports whether o fits a head of classes classes over features features.
func (o *OpenSet) Check(classes, features int) error {
	if len(o.Means) != classes || len(o.Components) != len(o.Variances) {
		return fmt.Errorf("open set: %d class means for %d classes, %d components for %d variances", len(o.Means), classes, len(o.Components), len(o.Variances))
	}
	for _, v := range slices.Concat(o.Means, o.Components) {
		if len(v) != features || !allFinite(v) {
			return fmt.Errorf("open set: a mean or component of %d values, not %d finite ones", len(v), features)
		}
	}
	return o.CheckScalars()
}

// CheckScalars checks what o holds besides its vectors: at most OpenSetComponents variances,
// each, the residual and the threshold positive and finite, the shrinkage in [0, 1], HeldOut
// one of SetThreshold's.
func (o *OpenSet) CheckScalars() error {
	positive := func(v float32) bool { return v > 0 && !math.IsInf(float64(v), 0) }
	switch {
	case len(o.Variances) > OpenSetComponents:
		return fmt.Errorf("open set: %d components, at most %d", len(o.Variances), OpenSetComponents)
	case slices.ContainsFunc(o.Variances, func(v float32) bool { return !positive(v) }):
		return errors.New("open set: a variance is not positive and finite")
	case !positive(o.Residual) || !positive(o.Threshold):
		return fmt.Errorf("open set: residual variance %g and threshold %g must be positive and finite", o.Residual, o.Threshold)
	case !(o.Shrinkage >= 0 && o.Shrinkage <= 1):
		return fmt.Errorf("open set: shrinkage %g not in [0, 1]", o.Shrinkage)
	case o.HeldOut != heldOutValidation && o.HeldOut != heldOutFolds && o.HeldOut != heldOutBoth:
		return fmt.Errorf("open set: held out %q: want %q, %q or %q", o.HeldOut, heldOutValidation, heldOutFolds, heldOutBoth)
	}
	return nil
}

// FitOpenSet fits the class means and the shrunk covariance to x [rows,F] with labels [rows]
// (every class of classes present), seeded by seed. Threshold and HeldOut are left for
// SetThreshold.
func FitOpenSet(x []float32, labels []int, rows, features, classes int, seed uint64) (*OpenSet, error) {
	if rows < 2 && len(x) == rows*features && len(labels) == rows {
		return nil, fmt.Errorf("%w (%d photos)", ErrOpenSetData, rows)
	}
	if len(x) != rows*features || len(labels) != rows {
		return nil, fmt.Errorf("open set: %d values and %d labels for %d rows of %d features", len(x), len(labels), rows, features)
	}
	logged := make([]float32, len(x)) // the space the distances are measured in
	for i, v := range x {
		logged[i] = float32(logFeature(v))
	}
	x = logged
	means := make([][]float64, classes)
	counts := make([]int, classes)
	for c := range means {
		means[c] = make([]float64, features)
	}
	for i, l := range labels {
		if l < 0 || l >= classes {
			return nil, fmt.Errorf("open set: label %d of %d classes", l, classes)
		}
		counts[l]++
		for j, v := range x[i*features : (i+1)*features] {
			means[l][j] += float64(v)
		}
	}
	for c := range means {
		if counts[c] == 0 {
			return nil, fmt.Errorf("open set: class %d has no examples", c)
		}
		for j := range means[c] {
			means[c][j] /= float64(counts[c])
		}
	}
	sc := scatter{x: x, labels: labels, means: means, rows: rows, f: features}
	trace := sc.trace()
	if !(trace > 0) {
		return nil, fmt.Errorf("%w (every photo of a class has the same features)", ErrOpenSetData)
	}
	mu := trace / float64(features)
	delta := sc.ledoitWolf(mu)
	k := min(OpenSetComponents, rows-classes, features-1)
	var comps [][]float64
	var lambda []float64
	if k > 0 {
		comps, lambda = sc.principal(k, seed)
	}
	o := &OpenSet{Shrinkage: float32(delta)}
	for _, m := range means {
		o.Means = append(o.Means, toFloat32(m))
	}
	rest := trace
	for i, u := range comps {
		o.Components = append(o.Components, toFloat32(u))
		o.Variances = append(o.Variances, float32((1-delta)*lambda[i]+delta*mu))
		rest -= lambda[i]
	}
	o.Residual = float32((1-delta)*math.Max(rest, 0)/float64(features-len(comps)) + delta*mu)
	if !(o.Residual > 0) { // no shrinkage and every direction in the components
		o.Residual = float32(mu)
	}
	return o, nil
}

// SetThreshold sets the threshold so that a new photo like the n held-out ones (scores) is
// accepted with probability OpenSetAccept, and says what the scores came from:
//   - n ≥ openSetConformalMin: the ⌈(n+1)·OpenSetAccept⌉-th smallest score, split conformal
//     prediction's quantile (Vovk et al. 2005; Angelopoulos and Bates, "A Gentle Introduction to
//     Conformal Prediction", 2021, §1), a guarantee for exchangeable photos whatever the scores'
//     distribution (the plain ⌈n·0.95⌉-th accepts k/(n+1) on average);
//   - 5 ≤ n < openSetConformalMin: the log-normal prediction bound exp(m + t·s·√(1+1/n)), m and s
//     the mean and deviation of the log scores, t Student's 95% point with n−1 degrees of freedom:
//     an order statistic of 40 scores swings with one outlier, the fitted bound much less;
//   - fewer: the largest score.
//
// Measured on 30 splits of a 100+100 cats/dogs folder (40 validation photos each), accepted of
// cats-vs-dogs/validation and flagged of 176 ImageNet photos of neither: plain quantile 91.6% /
// 88.3% (flagged 40–97%), conformal 94.1% / 80.2% (21–97%), log-normal bound 92.6% / 90.4%
// (72–96%) (RATIONALE.md, "none of these").
func (o *OpenSet) SetThreshold(scores []float64, heldOut string) {
	s := slices.Clone(scores)
	slices.Sort(s)
	n := len(s)
	var t float64
	switch {
	case n == 0:
	case n >= openSetConformalMin || s[0] <= 0:
		t = s[min(int(math.Ceil(OpenSetAccept*float64(n+1))), n)-1]
	case n >= 5:
		t = logNormalBound(s)
	default:
		t = s[n-1]
	}
	o.Threshold, o.HeldOut = float32(t), heldOut
	if !(o.Threshold > 0) {
		o.Threshold = math.SmallestNonzeroFloat32
	}
}

// logNormalBound is the one-sided 95% prediction bound for a new score when the scores (all
// positive, at least 2) are log-normal: exp(m + t₀.₉₅,ₙ₋₁ · s · √(1 + 1/n)).
func logNormalBound(scores []float64) float64 {
	n := float64(len(scores))
	m := 0.0
	for _, v := range scores {
		m += math.Log(v)
	}
	m /= n
	ss := 0.0
	for _, v := range scores {
		d := math.Log(v) - m
		ss += d * d
	}
	return math.Exp(m + studentT95(len(scores)-1)*math.Sqrt(ss/(n-1))*math.Sqrt(1+1/n))
}

// studentT95 is Student's t distribution's 95% point with df degrees of freedom, by the
// Cornish–Fisher expansion about the normal's 1.6449 (0.8% below the tables at df = 4, within
// 0.1% from df = 20).
func studentT95(df int) float64 {
	const z = 1.6448536269514722
	d := float64(df)
	return z + (z*z*z+z)/(4*d) + (5*math.Pow(z, 5)+16*z*z*z+3*z)/(96*d*d)
}

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
