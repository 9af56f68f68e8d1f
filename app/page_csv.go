// page_csv.go: one row of the table `graft classify --head --csv` writes, as plain strings, so
// that the page's "Download CSV" (web/engine, web/app) writes the same columns with the same
// numbers: path, class (the head's, or UnknownFolder for a photo that is none of them), prob,
// unknown, score, threshold, nearest, sorted_to, then p(<class>) for every class.
package app

import "strconv"

// CSVSortedTo is the index of the sorted_to column in CSVHeader and CSVRow.
const CSVSortedTo = 7

// CSVHeader is the table's first row for a head with classes.
func CSVHeader(classes []string) []string {
	head := []string{"path", "class", "prob", "unknown", "score", "threshold", "nearest", "sorted_to"}
	for _, c := range classes {
		head = append(head, "p("+c+")")
	}
	return head
}

// CSVRow is the row of the photo at path that got prediction p from a head with classes;
// sortedTo is where its copy went ("" when none was made). Score, threshold and nearest are
// empty for a head without an open set.
func CSVRow(path string, classes []string, p *Prediction, sortedTo string) []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	score, threshold, nearest := "", "", ""
	if p.Checked {
		score, threshold, nearest = f(p.Score), f(p.Threshold), classes[p.Nearest]
	}
	class := classes[p.Best]
	if p.Unknown {
		class = UnknownFolder
	}
	row := []string{path, class, f(float64(p.Probs[p.Best])), strconv.FormatBool(p.Unknown), score, threshold, nearest, sortedTo}
	for c := range classes {
		row = append(row, f(float64(p.Probs[c])))
	}
	return row
}
