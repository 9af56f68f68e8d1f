// chart.go: the geometry of the page's SVG charts — loss and accuracy per epoch as polylines,
// and the confusion matrix as a heat map — computed here as plain Go (tested in chart_test.go)
// so the components (line-chart.vugu, confusion-matrix.vugu) only place what this gives them.
// Colours are CSS classes (style.css): the CSP forbids inline styles, and SVG presentation
// attributes would put colours in two places.
//
// Coordinates are SVG user units of a fixed viewBox; the SVG scales to its box.
package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/graftml/graft/web/wire"
)

// Line chart frame, in viewBox units (viewBox "0 0 ChartW ChartH").
const (
	ChartW = 400
	ChartH = 220

	chartLeft   = 44
	chartRight  = 12
	chartTop    = 12
	chartBottom = 30
)

// Chart is one line chart ready to draw.
type Chart struct {
	ID, Title string
	Lines     []ChartLine
	XTicks    []Tick
	YTicks    []Tick
	Epochs    int // epochs drawn
	X0, X1    float64
	Y0, Y1    float64 // the plot area
	Marks     []Mark  // vertical lines: the phase boundary of a dynamic run
	span      int     // epochs the x axis runs over
}

// Mark is a vertical line at X with a label.
type Mark struct {
	X     float64
	Label string
}

// markPhases draws the boundary between the head phase (head epochs) and fine-tuning.
func (c *Chart) markPhases(head int) {
	if head <= 0 {
		return
	}
	x := c.X0 + (c.X1-c.X0)*(float64(head)-0.5)/float64(c.span-1)
	c.Marks = append(c.Marks, Mark{X: x, Label: "fine-tuning →"})
}

// ChartLine is one series: its polyline points ("x,y x,y …") and its last point.
type ChartLine struct {
	Name, Class  string
	Points       string
	LastX, LastY float64
}

// Tick is one axis label and its position along the axis.
type Tick struct {
	Pos   float64
	Label string
}

// Series is one named sequence of values, one per epoch.
type Series struct {
	Name, Class string
	Values      []float64
}

// LineChartOf lays out series over planned epochs (the x axis runs to max(planned, drawn)).
// yMax ≤ 0 picks a round maximum above the data; percent labels the y axis in percent.
func LineChartOf(id, title string, planned int, series []Series, yMax float64, percent bool) Chart {
	c := Chart{ID: id, Title: title, X0: chartLeft, X1: ChartW - chartRight, Y0: chartTop, Y1: ChartH - chartBottom}
	n := planned
	for _, s := range series {
		n = max(n, len(s.Values))
		c.Epochs = max(c.Epochs, len(s.Values))
	}
	n = max(n, 2)
	c.span = n
	if yMax <= 0 {
		top := 0.0
		for _, s := range series {
			for _, v := range s.Values {
				top = math.Max(top, v)
			}
		}
		yMax = niceCeil(top)
	}
	x := func(epoch int) float64 { return c.X0 + (c.X1-c.X0)*float64(epoch-1)/float64(n-1) }
	y := func(v float64) float64 {
		v = math.Min(math.Max(v, 0), yMax)
		return c.Y1 - (c.Y1-c.Y0)*v/yMax
	}
	for _, s := range series {
		l := ChartLine{Name: s.Name, Class: s.Class}
		var pts []string
		for i, v := range s.Values {
			l.LastX, l.LastY = x(i+1), y(v)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", l.LastX, l.LastY))
		}
		l.Points = strings.Join(pts, " ")
		c.Lines = append(c.Lines, l)
	}
	for i := 0; i <= 4; i++ {
		v := yMax * float64(i) / 4
		label := strconv.FormatFloat(v, 'g', 3, 64)
		if percent {
			label = fmt.Sprintf("%.0f%%", 100*v)
		}
		c.YTicks = append(c.YTicks, Tick{Pos: y(v), Label: label})
	}
	step := max(1, int(math.Ceil(float64(n)/10)))
	for e := 1; e <= n; e += step {
		c.XTicks = append(c.XTicks, Tick{Pos: x(e), Label: strconv.Itoa(e)})
	}
	return c
}

// niceCeil is the smallest of 1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8 × 10^k that is ≥ v (1 for
// v ≤ 0): close above the data (a loss of 1.1 gets an axis to 1.2, not 2), with quarter ticks
// that stay short numbers.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	e := math.Floor(math.Log10(v))
	scale := func(m float64) float64 { // m × 10^e, exact for e < 0 too (0.3, not 0.30000000000000004)
		if e < 0 {
			return m / math.Pow(10, -e)
		}
		return m * math.Pow(10, e)
	}
	for _, m := range []float64{1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8} {
		if scale(m) >= v*(1-1e-12) {
			return scale(m)
		}
	}
	return scale(10)
}

// LossChart and AccuracyChart are the training curves of a run; a dynamic run's two phases
// share the x axis, with a line where fine-tuning starts.
func LossChart(epochs []wire.Epoch, planned int, validation bool) Chart {
	c := LineChartOf("loss-chart", "Loss per epoch", planned, curves(epochs, validation,
		func(e wire.Epoch) float64 { return e.Loss }, func(e wire.Epoch) float64 { return e.ValLoss }), 0, false)
	c.markPhases(HeadEpochsDrawn(epochs))
	return c
}

// AccuracyChart: see LossChart.
func AccuracyChart(epochs []wire.Epoch, planned int, validation bool) Chart {
	c := LineChartOf("accuracy-chart", "Accuracy per epoch", planned, curves(epochs, validation,
		func(e wire.Epoch) float64 { return e.Accuracy }, func(e wire.Epoch) float64 { return e.ValAccuracy }), 1, true)
	c.markPhases(HeadEpochsDrawn(epochs))
	return c
}

func curves(epochs []wire.Epoch, validation bool, train, val func(wire.Epoch) float64) []Series {
	s := []Series{{Name: "training", Class: "series-train"}}
	if validation {
		s = append(s, Series{Name: "validation", Class: "series-val"})
	}
	for _, e := range epochs {
		s[0].Values = append(s[0].Values, train(e))
		if validation {
			s[1].Values = append(s[1].Values, val(e))
		}
	}
	return s
}

// HeatLevels is how many fill classes the heat map has (heat-0 … heat-9 in style.css).
const HeatLevels = 10

// darkFrom is the first heat level dark enough for light text (style.css; contrast_test.go
// checks dark text on the levels below it and light text from it on).
const darkFrom = 6

// MaxMatrixClasses is the most classes the confusion matrix draws; beyond it the page lists
// per-class accuracy only (a 1000×1000 grid says nothing at this size).
const MaxMatrixClasses = 30

// Matrix is a confusion matrix ready to draw.
type Matrix struct {
	W, H      float64 // viewBox size
	Cells     []Cell
	RowLabels []Label // true classes, left
	ColLabels []Label // predicted classes, top
	Cell      float64 // side of a cell
	Numbers   bool    // counts are written in the cells
}

// Cell is one square: true class Row, predicted class Col.
type Cell struct {
	Row, Col, Count int
	X, Y            float64
	Class           string // "heat-N", plus " diagonal" on the diagonal
	TextClass       string // text colour readable on that fill
	Title           string // the count in words, for a tooltip and screen readers
}

// Label is a class name placed beside the grid (Text shortened, Full whole).
type Label struct {
	X, Y       float64
	Text, Full string
}

// MatrixOf lays out the confusion matrix (row = true class). The fill of a cell is its share
// of the row (the recall view): a perfect head is a dark diagonal whatever the class sizes.
func MatrixOf(classes []string, confusion [][]int) (Matrix, bool) {
	c := len(classes)
	if c == 0 || c > MaxMatrixClasses || len(confusion) != c {
		return Matrix{}, false
	}
	m := Matrix{Cell: math.Max(14, math.Min(56, 420/float64(c))), Numbers: c <= 12}
	const labelW, labelH = 110.0, 22.0
	for r, row := range confusion {
		if len(row) != c {
			return Matrix{}, false
		}
		total := 0
		for _, n := range row {
			total += n
		}
		for col, n := range row {
			level := 0
			if total > 0 {
				level = int(math.Round(float64(HeatLevels-1) * float64(n) / float64(total)))
			}
			cell := Cell{Row: r, Col: col, Count: n, X: labelW + float64(col)*m.Cell, Y: labelH + float64(r)*m.Cell,
				Class: "heat-" + strconv.Itoa(level), TextClass: "on-light",
				Title: fmt.Sprintf("%d %s predicted as %s", n, classes[r], classes[col])}
			if level >= darkFrom {
				cell.TextClass = "on-dark"
			}
			if r == col {
				cell.Class += " diagonal"
			}
			m.Cells = append(m.Cells, cell)
		}
	}
	for i, name := range classes {
		m.RowLabels = append(m.RowLabels, Label{X: labelW - 6, Y: labelH + (float64(i)+0.5)*m.Cell, Text: shorten(name, 14), Full: name})
		m.ColLabels = append(m.ColLabels, Label{X: labelW + (float64(i)+0.5)*m.Cell, Y: labelH - 6, Text: shorten(name, int(m.Cell/7)), Full: name})
	}
	m.W, m.H = labelW+float64(c)*m.Cell+4, labelH+float64(c)*m.Cell+4
	return m, true
}

// shorten cuts s to n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if n < 2 {
		n = 2
	}
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ViewBox formats an SVG viewBox.
func ViewBox(w, h float64) string { return fmt.Sprintf("0 0 %g %g", w, h) }

// F formats a coordinate for an SVG attribute.
func F(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
