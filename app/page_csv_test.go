// The page's CSV rows are graft classify --csv's: the same columns, the class or the folder of
// photos that are none of them, numbers to 6 significant digits, open-set columns empty when
// the head has none.
package app

import (
	"slices"
	"testing"
)

func TestCSVRow(t *testing.T) {
	classes := []string{"cats", "dogs"}
	if got, want := CSVHeader(classes), []string{"path", "class", "prob", "unknown", "score", "threshold", "nearest", "sorted_to", "p(cats)", "p(dogs)"}; !slices.Equal(got, want) {
		t.Errorf("header %q, want %q", got, want)
	}
	if CSVHeader(classes)[CSVSortedTo] != "sorted_to" {
		t.Error("CSVSortedTo names another column")
	}
	known := &Prediction{Best: 1, Probs: []float32{0.25, 0.75}, Checked: true, Score: 0.8123456, Threshold: 1.5, Nearest: 1}
	if got, want := CSVRow("pets/a.jpg", classes, known, "out/dogs/a.jpg"), []string{"pets/a.jpg", "dogs", "0.75", "false", "0.812346", "1.5", "dogs", "out/dogs/a.jpg", "0.25", "0.75"}; !slices.Equal(got, want) {
		t.Errorf("row %q, want %q", got, want)
	}
	unknown := &Prediction{Best: 0, Probs: []float32{0.6, 0.4}, Checked: true, Unknown: true, Score: 7, Threshold: 1.5, Nearest: 1}
	if got := CSVRow("car.png", classes, unknown, ""); got[1] != UnknownFolder || got[3] != "true" || got[6] != "dogs" || got[2] != "0.6" {
		t.Errorf("unknown row %q", got)
	}
	plain := &Prediction{Best: 0, Probs: []float32{0.9, 0.1}}
	if got := CSVRow("x.png", classes, plain, ""); got[4] != "" || got[5] != "" || got[6] != "" || got[3] != "false" {
		t.Errorf("a head without an open set: %q", got)
	}
}
