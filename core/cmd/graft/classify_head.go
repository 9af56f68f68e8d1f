// graft classify --head FILE: a head's classes for each image, every class with its
// probability, most probable first, and whether the photo is none of them (the head's open set);
// folders are classified photo by photo, and --csv / --sort-into (classify_sort.go) write a
// table of the answers and copies of the photos sorted into one folder per class. The head says which layer and resize mode it reads; the
// model must be the one it was trained on (its id), as for graft eval. A fine-tuned model runs
// its own blocks on the base model's activations (app.Classifier, what the page runs).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/preprocess"
)

// headClassification is one image's result as --json prints it.
type headClassification struct {
	Path     string      `json:"path"`
	Resize   string      `json:"resize"`
	Ms       float64     `json:"ms"`
	Best     string      `json:"best"`
	Classes  []classProb `json:"classes"` // most probable first
	Head     headVerdict `json:"head"`
	SortedTo string      `json:"sorted_to,omitempty"` // --sort-into: the copy's path
}

// headVerdict is the head's answer: its class and probability, and whether the photo is none of
// its classes (a head without an open set — a file from before version 3 — never says so, and
// has no score).
type headVerdict struct {
	Class     string   `json:"class"`
	Prob      float32  `json:"prob"`
	Unknown   bool     `json:"unknown"`
	Score     *float64 `json:"score,omitempty"`     // the open set's score (about 1 for a typical photo of a class)
	Threshold *float64 `json:"threshold,omitempty"` // scores above it are unknown
	Nearest   string   `json:"nearest,omitempty"`   // the class whose mean is nearest
}

type classProb struct {
	Class string  `json:"class"`
	Prob  float32 `json:"prob"`
}

// headOutputs are where classify --head writes besides stdout.
type headOutputs struct {
	asJSON   bool
	csvPath  string // --csv
	sortInto string // --sort-into
}

func classifyWithHead(mf *modelFlags, resizeSet bool, headFile string, out headOutputs, args []string, stdout, stderr io.Writer) int {
	c, err := openClassifier(mf, resizeSet, headFile)
	if err != nil {
		fmt.Fprintf(stderr, "graft classify: %v\n", err)
		return 1
	}
	photos, err := expandPhotos(args, out.sortInto)
	if err != nil {
		fmt.Fprintf(stderr, "graft classify: %v\n", err)
		return 2
	}
	var sorter *photoSorter
	if out.sortInto != "" {
		if sorter, err = newPhotoSorter(out.sortInto, c.Model.Classes); err != nil {
			fmt.Fprintf(stderr, "graft classify: %v\n", err)
			return 1
		}
	}
	var table *csvTable
	if out.csvPath != "" {
		if table, err = newCSVTable(out.csvPath, c.Model.Classes); err != nil {
			fmt.Fprintf(stderr, "graft classify: %v\n", err)
			return 1
		}
	}
	l, err := mf.load()
	if err != nil {
		fmt.Fprintf(stderr, "graft classify: %v\n", err)
		return 1
	}
	layer := c.InputLayer()
	if err := l.model.CheckLayer(layer); err != nil {
		fmt.Fprintf(stderr, "graft classify: %v\n", err)
		return 1
	}
	status, counts := 0, map[string]int{}
	for _, ph := range photos {
		start := time.Now()
		x, err := l.runTo(ph.path, layer)
		var p *app.Prediction
		if err == nil {
			p, err = c.Predict(layer, x)
		}
		if err != nil && ph.found && errors.Is(err, preprocess.ErrNotImage) {
			fmt.Fprintf(stderr, "graft classify: skipped %s: %s\n", ph.path, dataset.ReasonNotImage)
			continue
		}
		if err != nil {
			fmt.Fprintf(stderr, "graft classify: %s: %v\n", ph.path, err)
			status = 1
			continue
		}
		r := headResult(c.Model.Classes, ph.path, string(l.resize), time.Since(start), p)
		if sorter != nil {
			if r.SortedTo, err = sorter.copy(ph, p); err != nil {
				fmt.Fprintf(stderr, "graft classify: %s: %v\n", ph.path, err)
				return 1
			}
		}
		if table != nil {
			table.add(r, p)
		}
		counts[verdictName(c.Model.Classes, r)]++
		if out.asJSON {
			line, _ := json.Marshal(r)
			fmt.Fprintf(stdout, "%s\n", line)
			continue
		}
		printHeadResult(stdout, headFile, c.Model.Classes, r)
	}
	if table != nil {
		if err := table.close(); err != nil {
			fmt.Fprintf(stderr, "graft classify: %v\n", err)
			return 1
		}
	}
	if sorter != nil || table != nil || len(photos) > 1 {
		fmt.Fprintf(stderr, "graft classify: %s\n", summary(c.Model.Classes, counts, out))
	}
	return status
}

// headResult is p as --json prints it.
func headResult(classes []string, path, resize string, took time.Duration, p *app.Prediction) headClassification {
	r := headClassification{Path: path, Resize: resize, Ms: float64(took.Microseconds()) / 1000, Best: classes[p.Best],
		Head: headVerdict{Class: classes[p.Best], Prob: p.Probs[p.Best], Unknown: p.Unknown}}
	if p.Checked {
		score, threshold := p.Score, p.Threshold
		r.Head.Score, r.Head.Threshold, r.Head.Nearest = &score, &threshold, classes[p.Nearest]
	}
	for i, name := range classes {
		r.Classes = append(r.Classes, classProb{name, p.Probs[i]})
	}
	slices.SortStableFunc(r.Classes, func(a, b classProb) int {
		switch {
		case a.Prob > b.Prob:
			return -1
		case a.Prob < b.Prob:
			return 1
		}
		return 0
	})
	return r
}

func printHeadResult(w io.Writer, headFile string, classes []string, r headClassification) {
	verdict := r.Best
	if r.Head.Unknown {
		verdict = fmt.Sprintf("not one of: %s (nearest %s, score %.2f above the threshold %.2f)", strings.Join(classes, ", "), r.Head.Nearest, *r.Head.Score, *r.Head.Threshold)
	}
	fmt.Fprintf(w, "%s: %s  (head %s, resize: %s, %.0f ms)\n", r.Path, verdict, headFile, r.Resize, r.Ms)
	for i, cp := range r.Classes {
		fmt.Fprintf(w, "  %d. %-28s %.4f\n", i+1, cp.Class, cp.Prob)
	}
	if r.SortedTo != "" {
		fmt.Fprintf(w, "  copied to %s\n", r.SortedTo)
	}
}

// verdictName is the class r counts for in the summary.
func verdictName(classes []string, r headClassification) string {
	if r.Head.Unknown {
		return app.UnknownFolder
	}
	return r.Best
}

// summary is one line: how many photos went to each class, and where the results are.
func summary(classes []string, counts map[string]int, out headOutputs) string {
	var parts []string
	total := 0
	for _, name := range append(slices.Clone(classes), app.UnknownFolder) {
		if n := counts[name]; n > 0 || name != app.UnknownFolder {
			label := name
			if name == app.UnknownFolder {
				label = "none of these"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, label))
			total += n
		}
	}
	s := fmt.Sprintf("%d photos: %s", total, strings.Join(parts, ", "))
	if out.sortInto != "" {
		s += "; copied into " + out.sortInto
	}
	if out.csvPath != "" {
		s += "; table in " + out.csvPath
	}
	return s
}

// openClassifier reads the head file and checks it against the model of mf (openHead).
func openClassifier(mf *modelFlags, resizeSet bool, headFile string) (*app.Classifier, error) {
	h, _, err := openHead(mf, resizeSet, headFile)
	if err != nil {
		return nil, err
	}
	return app.NewClassifier(h)
}
