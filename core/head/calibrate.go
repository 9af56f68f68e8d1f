// calibrate.go: what a trained head learns about its own answers after training — its open set
// (openset.go: fitted on the training photos, its threshold on held-out ones) and its
// temperature (temperature.go: fitted on the validation photos). Training (app.TrainHead) calls
// Calibrate on the weights it keeps.
package head

import (
	"errors"
	"fmt"
)

// Calibration is the temperature a head's probabilities are scaled with, and what it did on
// the validation photos it was fitted on.
type Calibration struct {
	Temperature float32 `json:"temperature"` // T in [MinTemperature, MaxTemperature]
	ECEBefore   float64 `json:"ece_before"`  // expected calibration error at T = 1
	ECEAfter    float64 `json:"ece_after"`   // at T
	Examples    int     `json:"examples"`    // validation photos
}

// Check reports whether c is a possible calibration.
func (c *Calibration) Check() error {
	switch {
	case !(c.Temperature >= MinTemperature && c.Temperature <= MaxTemperature):
		return fmt.Errorf("calibration: temperature %g not in [%g, %g]", c.Temperature, MinTemperature, MaxTemperature)
	case !(c.ECEBefore >= 0 && c.ECEBefore <= 1) || !(c.ECEAfter >= 0 && c.ECEAfter <= 1):
		return fmt.Errorf("calibration: errors %g, %g not in [0, 1]", c.ECEBefore, c.ECEAfter)
	case c.Examples < 1:
		return fmt.Errorf("calibration: %d examples", c.Examples)
	}
	return nil
}

// MinCalibrationExamples is the fewest validation photos a temperature is fitted on. On a few
// photos the fit runs to a bound (every probability ½, or every one 0 or 1); on the 40 of a
// 100+100 cats/dogs folder, 39 of them right, it chose T = 0.077, and the head then said 97.7%
// on average for ImageNet photos of neither class. 100 photos give one wrong answer or more in
// the typical case, so that sharpening costs what it should.
const MinCalibrationExamples = 100

// Calibrate sets m.OpenSet and m.Calibration. features(i) is example i's feature vector (the
// photo as it is, as m reads it) and labels[i] its class; train and val index them (Result's
// split). The open set is fitted on train and its threshold set on val, joined (or without
// val replaced) by out-of-fold scores of train (openSetFolds folds) when val is small; photos
// too few for one (ErrOpenSetData) leave m.OpenSet nil. The temperature needs MinCalibrationExamples photos in val (with fewer
// m.Calibration stays nil: the probabilities are the head's own).
func (m *Model) Calibrate(features func(i int) []float32, labels []int, train, val []int) error {
	f, c := m.Features(), len(m.Classes)
	gather := func(idx []int) ([]float32, []int) {
		x, l := make([]float32, 0, len(idx)*f), make([]int, len(idx))
		for r, i := range idx {
			x, l[r] = append(x, features(i)...), labels[i]
		}
		return x, l
	}
	tx, tl := gather(train)
	if len(tx) != len(train)*f {
		return fmt.Errorf("head: calibrate: features of %d values, the head reads %d", len(tx)/max(len(train), 1), f)
	}
	m.OpenSet, m.Calibration = nil, nil
	vx, vl := gather(val)
	o, err := m.fitOpenSet(tx, tl, len(train), vx, len(val))
	switch {
	case errors.Is(err, ErrOpenSetData): // the head stays without one
	case err != nil:
		return err
	default:
		m.OpenSet = o
	}
	if len(val) < MinCalibrationExamples {
		return nil
	}
	before, err := m.Probabilities(vx, len(val))
	if err != nil {
		return err
	}
	t, err := m.FitTemperature(vx, vl, len(val))
	if err != nil {
		return err
	}
	cal := &Calibration{Temperature: t, Examples: len(val), ECEBefore: ExpectedCalibrationError(before, vl, len(val), c)}
	m.Calibration = cal
	after, err := m.Probabilities(vx, len(val))
	if err != nil {
		return err
	}
	cal.ECEAfter = ExpectedCalibrationError(after, vl, len(val), c)
	return nil
}

// fitOpenSet fits the open set on the training rows tx [rows,F] and sets its threshold on the
// validation rows vx [valRows,F] (and out-of-fold scores).
func (m *Model) fitOpenSet(tx []float32, tl []int, rows int, vx []float32, valRows int) (*OpenSet, error) {
	f, c := m.Features(), len(m.Classes)
	o, err := FitOpenSet(tx, tl, rows, f, c, m.Training.Seed)
	if err != nil {
		return nil, err
	}
	// The validation photos' scores; with fewer than openSetMinHeldOut of them (or none) also
	// the training photos' out-of-fold scores: the 95% quantile of 4 scores is their maximum,
	// which a fifth photo of the class exceeds one time in five.
	var scores []float64
	heldOut := heldOutValidation
	for r := range valRows {
		s, _ := o.Score(vx[r*f : (r+1)*f])
		scores = append(scores, s)
	}
	if valRows < openSetMinHeldOut {
		heldOut = heldOutFolds
		if valRows > 0 {
			heldOut = heldOutBoth
		}
		oof, err := outOfFoldScores(tx, tl, rows, f, c, m.Training.Seed)
		switch {
		case errors.Is(err, ErrOpenSetData) && valRows > 0: // folds too small: the split alone
			heldOut = heldOutValidation
		case err != nil:
			return nil, err
		default:
			scores = append(scores, oof...)
		}
	}
	o.SetThreshold(scores, heldOut)
	return o, nil
}

// outOfFoldScores scores each row of x [rows,F] with an open set fitted on the other folds
// (rows dealt to folds in turn within each class, so every fold has every class it can).
func outOfFoldScores(x []float32, labels []int, rows, f, classes int, seed uint64) ([]float64, error) {
	fold := make([]int, rows)
	seen := make([]int, classes)
	for i, l := range labels {
		fold[i] = seen[l] % openSetFolds
		seen[l]++
	}
	scores := make([]float64, rows)
	for k := range openSetFolds {
		var fx []float32
		var fl []int
		present := make([]bool, classes)
		for i := range rows {
			if fold[i] != k {
				fx, fl = append(fx, x[i*f:(i+1)*f]...), append(fl, labels[i])
				present[labels[i]] = true
			}
		}
		o, err := fitPresent(fx, fl, len(fl), f, classes, present, seed)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			if fold[i] == k {
				scores[i], _ = o.Score(x[i*f : (i+1)*f])
			}
		}
	}
	return scores, nil
}

// fitPresent is FitOpenSet over the classes present (a class with fewer photos than folds is
// absent from one fold's training part; its held-out photo then scores against the others).
func fitPresent(x []float32, labels []int, rows, f, classes int, present []bool, seed uint64) (*OpenSet, error) {
	index := make([]int, classes)
	n := 0
	for c := range classes {
		if index[c] = -1; present[c] {
			index[c], n = n, n+1
		}
	}
	l := make([]int, len(labels))
	for i, v := range labels {
		l[i] = index[v]
	}
	if n == 0 || rows < 2 {
		return nil, fmt.Errorf("%w (%d photos in a fold)", ErrOpenSetData, rows)
	}
	return FitOpenSet(x, l, rows, f, n, seed)
}
