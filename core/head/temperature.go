// temperature.go: temperature scaling (Guo et al., "On Calibration of Modern Neural
// Networks", ICML 2017, §4.2): one scalar T > 0 divides every logit before the softmax or
// sigmoid, fitted on held-out examples by minimising their cross-entropy. The predicted class
// does not change; the probabilities do, so that of the photos given 90%, about 90% are right.
// The expected calibration error (the same paper, §2, with 15 equal-width bins) measures it.
package head

import (
	"errors"
	"fmt"
	"math"
)

// Bounds of the fitted temperature: a wider one means the held-out set is too small or too
// clean to say anything (every example right with a huge margin pushes T towards 0).
const (
	MinTemperature = 0.05
	MaxTemperature = 20.0
)

// scaledLoss is the mean cross-entropy of the logits z [rows,Units] divided by t.
func (n *Net) scaledLoss(z []float32, labels []int, rows int, t float64) float64 {
	s := make([]float32, len(z))
	for i, v := range z {
		s[i] = float32(float64(v) / t)
	}
	l, _ := n.lossSum(s, labels, rows)
	return l / float64(rows)
}

// FitTemperature returns the T in [MinTemperature, MaxTemperature] that minimises the
// cross-entropy of m on x [rows,F] with labels [rows] (the validation split), found by golden-
// section search on ln T (the loss is convex in 1/T, so it has one minimum there), with the
// package's portable exp and log so the browser and graft train agree. It ignores m.Temperature.
func (m *Model) FitTemperature(x []float32, labels []int, rows int) (float32, error) {
	if rows <= 0 || len(x) != rows*m.Features() || len(labels) != rows {
		return 0, fmt.Errorf("head: temperature: %d features and %d labels for %d rows of %d", len(x), len(labels), rows, m.Features())
	}
	z := m.logits(x, rows)
	f := func(lnT float64) float64 { return m.scaledLoss(z, labels, rows, expPortable(lnT)) }
	a, b := logPortable(MinTemperature), logPortable(MaxTemperature)
	const phi = 0.6180339887498949 // (√5 − 1)/2
	c, d := b-phi*(b-a), a+phi*(b-a)
	fc, fd := f(c), f(d)
	for b-a > 1e-4 {
		if fc <= fd {
			b, d, fd = d, c, fc
			c = b - phi*(b-a)
			fc = f(c)
		} else {
			a, c, fc = c, d, fd
			d = a + phi*(b-a)
			fd = f(d)
		}
	}
	t := float32(expPortable((a + b) / 2))
	if math.IsNaN(float64(t)) {
		return 0, errors.New("head: temperature: the loss is not finite")
	}
	return t, nil
}

// ECEBins is how many equal-width confidence bins ExpectedCalibrationError uses.
const ECEBins = 15

// ExpectedCalibrationError of probabilities p [rows,C] against labels [rows]: the examples
// binned by confidence (their largest probability), Σ_bins (n_bin/rows)·|accuracy − mean
// confidence|. 0 is perfectly calibrated.
func ExpectedCalibrationError(p []float32, labels []int, rows, classes int) float64 {
	var n [ECEBins]int
	var conf, right [ECEBins]float64
	for i := range rows {
		row := p[i*classes : (i+1)*classes]
		best := argmax(row)
		b := min(int(float64(row[best])*ECEBins), ECEBins-1)
		n[b]++
		conf[b] += float64(row[best])
		if best == labels[i] {
			right[b]++
		}
	}
	ece := 0.0
	for b := range ECEBins {
		if n[b] > 0 {
			ece += math.Abs(right[b]-conf[b]) / float64(rows)
		}
	}
	return ece
}
