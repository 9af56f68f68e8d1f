// metrics.go: what a head gets right and wrong on a set of examples — loss, accuracy, accuracy
// per class (the share of each class's examples given that class, i.e. its recall), the
// confusion matrix and the list of wrong predictions with their probabilities.
package head

import "fmt"

// Metrics of a head on a set of examples (their original view, Views[0]).
type Metrics struct {
	Examples  int       `json:"examples"`
	Loss      float64   `json:"loss"`      // mean cross-entropy
	Accuracy  float64   `json:"accuracy"`  // share of examples predicted right
	PerClass  []float64 `json:"per_class"` // [C]: share of class c's examples predicted c (0 when it has none)
	Counts    []int     `json:"counts"`    // [C]: examples of class c
	Confusion [][]int   `json:"confusion"` // [C][C]: row = true class, column = predicted class
	Wrong     []Wrong   `json:"wrong"`     // the misclassified examples, in example order
}

// Wrong is one misclassified example.
type Wrong struct {
	Example   int       `json:"example"` // index into the examples evaluated
	Name      string    `json:"name"`
	Label     int       `json:"label"`
	Predicted int       `json:"predicted"`
	Probs     []float32 `json:"probs"` // [C]
}

// Summary is what a head file keeps of the validation metrics.
type Summary struct {
	Examples  int       `json:"examples"`
	Loss      float64   `json:"loss"`
	Accuracy  float64   `json:"accuracy"`
	PerClass  []float64 `json:"per_class"`
	Confusion [][]int   `json:"confusion"`
	Epochs    int       `json:"epochs"`     // epochs trained
	BestEpoch int       `json:"best_epoch"` // the epoch (from 1) whose weights the head has
}

// Evaluate runs the head on each example's original view and scores it against the labels.
func (m *Model) Evaluate(examples []Example) (*Metrics, error) {
	c := len(m.Classes)
	f := m.Features()
	x := make([]float32, len(examples)*f)
	labels := make([]int, len(examples))
	for i, e := range examples {
		if len(e.Views) == 0 || len(e.Views[0]) != f {
			return nil, fmt.Errorf("head: example %d (%s) has no view of %d features", i, e.Name, f)
		}
		if e.Label < 0 || e.Label >= c {
			return nil, fmt.Errorf("head: example %d (%s) has label %d, the head has %d classes", i, e.Name, e.Label, c)
		}
		copy(x[i*f:], e.Views[0])
		labels[i] = e.Label
	}
	n := len(examples)
	z := m.logits(x, n)
	probs, err := m.Probabilities(x, n)
	if err != nil {
		return nil, err
	}
	lossSum, _ := m.lossSum(z, labels, n)
	met := &Metrics{Examples: n, Counts: make([]int, c), PerClass: make([]float64, c), Confusion: make([][]int, c)}
	for i := range met.Confusion {
		met.Confusion[i] = make([]int, c)
	}
	units := m.Output.Units(c)
	right := 0
	for i, e := range examples {
		p := predictedClass(m.Output, z[i*units:(i+1)*units])
		met.Counts[e.Label]++
		met.Confusion[e.Label][p]++
		if p == e.Label {
			right++
			continue
		}
		met.Wrong = append(met.Wrong, Wrong{Example: i, Name: e.Name, Label: e.Label, Predicted: p,
			Probs: append([]float32(nil), probs[i*c:(i+1)*c]...)})
	}
	if n > 0 {
		met.Loss = lossSum / float64(n)
		met.Accuracy = float64(right) / float64(n)
	}
	for k := range c {
		if met.Counts[k] > 0 {
			met.PerClass[k] = float64(met.Confusion[k][k]) / float64(met.Counts[k])
		}
	}
	return met, nil
}

// lossSum is the summed cross-entropy of logits z [N,Units] against labels, and how many are right.
func (n *Net) lossSum(z []float32, labels []int, rows int) (float64, int) {
	if n.Output == Sigmoid {
		return sigmoidCrossEntropy(nil, z, labels, rows)
	}
	return softmaxCrossEntropy(nil, z, labels, rows, n.Layers[len(n.Layers)-1].Out)
}

// Summary keeps the parts of met a head file stores.
func (met *Metrics) Summary(epochs, bestEpoch int) *Summary {
	return &Summary{Examples: met.Examples, Loss: met.Loss, Accuracy: met.Accuracy, PerClass: met.PerClass,
		Confusion: met.Confusion, Epochs: epochs, BestEpoch: bestEpoch}
}
