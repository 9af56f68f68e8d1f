package main

import (
	"strings"
	"testing"

	"github.com/graftml/graft/web/wire"
)

func TestLineChart(t *testing.T) {
	epochs := []wire.Epoch{{Epoch: 1, Loss: 0.9, ValLoss: 1.1, Accuracy: 0.5, ValAccuracy: 0.4},
		{Epoch: 2, Loss: 0.4, ValLoss: 0.6, Accuracy: 0.8, ValAccuracy: 0.9}}
	c := LossChart(epochs, 5, true)
	if c.Epochs != 2 || len(c.Lines) != 2 || c.Lines[1].Class != "series-val" {
		t.Fatalf("%+v", c)
	}
	// y runs to 1.2, just above the data's 1.1; x spans 5 planned epochs.
	if c.YTicks[4].Label != "1.2" || c.YTicks[2].Label != "0.6" || c.YTicks[0].Pos != c.Y1 || c.YTicks[4].Pos != c.Y0 {
		t.Errorf("y ticks %+v", c.YTicks)
	}
	// x = 44 + 344·(e−1)/4, y = 190 − 178·v/1.2
	if got := c.Lines[0].Points; got != "44.0,56.5 130.0,130.7" {
		t.Errorf("training loss points %q", got)
	}
	if len(c.XTicks) != 5 || c.XTicks[4].Pos != c.X1 {
		t.Errorf("x ticks %+v", c.XTicks)
	}
	a := AccuracyChart(epochs, 5, false)
	if len(a.Lines) != 1 || a.YTicks[4].Label != "100%" || a.Lines[0].LastY != a.Y1-(a.Y1-a.Y0)*0.8 {
		t.Errorf("accuracy chart %+v", a)
	}
	for _, tc := range []struct{ v, want float64 }{{0, 1}, {0.3, 0.3}, {0.95, 1}, {1.1, 1.2}, {1.3, 1.6}, {2.2, 2.4}, {7, 8}, {0.07, 0.08}, {1, 1}, {9, 10}} {
		if got := niceCeil(tc.v); got != tc.want {
			t.Errorf("niceCeil(%g) = %g, want %g", tc.v, got, tc.want)
		}
	}
	many := LineChartOf("x", "x", 100, nil, 1, false)
	if len(many.XTicks) != 10 {
		t.Errorf("100 epochs: %d x ticks, want 10", len(many.XTicks))
	}
}

func TestMatrix(t *testing.T) {
	m, ok := MatrixOf([]string{"cats", "dogs"}, [][]int{{3, 1}, {0, 4}})
	if !ok || len(m.Cells) != 4 || !m.Numbers {
		t.Fatalf("%+v", m)
	}
	byRC := map[[2]int]Cell{}
	for _, c := range m.Cells {
		byRC[[2]int{c.Row, c.Col}] = c
	}
	if c := byRC[[2]int{0, 0}]; c.Count != 3 || !strings.HasPrefix(c.Class, "heat-7 diagonal") || c.TextClass != "on-dark" {
		t.Errorf("cell (0,0) %+v: 3 of 4 is level round(9·0.75) = 7, dark, on the diagonal", c)
	}
	if c := byRC[[2]int{1, 0}]; c.Class != "heat-0" || c.TextClass != "on-light" || !strings.Contains(c.Title, "0 dogs predicted as cats") {
		t.Errorf("cell (1,0) %+v", c)
	}
	if c := byRC[[2]int{1, 1}]; c.Class != "heat-9 diagonal" {
		t.Errorf("cell (1,1) %+v", c)
	}
	if _, ok := MatrixOf(make([]string, MaxMatrixClasses+1), nil); ok {
		t.Error("a matrix beyond MaxMatrixClasses was drawn")
	}
	if _, ok := MatrixOf([]string{"a", "b"}, [][]int{{1}, {2, 3}}); ok {
		t.Error("a ragged matrix was drawn")
	}
	if shorten("a very long class name", 8) != "a very …" {
		t.Errorf("shorten: %q", shorten("a very long class name", 8))
	}
}
