// graft classify --head FILE: a head's classes for each image, every class with its
// probability, most probable first. The head says which layer and resize mode it reads; the
// model must be the one it was trained on (its id), as for graft eval. A fine-tuned model runs
// its own blocks on the base model's activations (app.Classifier, what the page runs).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/graftml/graft/app"
)

// headClassification is one image's result as --json prints it.
type headClassification struct {
	Path    string      `json:"path"`
	Resize  string      `json:"resize"`
	Ms      float64     `json:"ms"`
	Best    string      `json:"best"`
	Classes []classProb `json:"classes"` // most probable first
}

type classProb struct {
	Class string  `json:"class"`
	Prob  float32 `json:"prob"`
}

func classifyWithHead(mf *modelFlags, resizeSet bool, headFile string, asJSON bool, paths []string, stdout, stderr io.Writer) int {
	c, err := openClassifier(mf, resizeSet, headFile)
	if err != nil {
		fmt.Fprintf(stderr, "graft classify: %v\n", err)
		return 1
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
	status := 0
	for _, path := range paths {
		start := time.Now()
		x, err := l.runTo(path, layer)
		var p *app.Prediction
		if err == nil {
			p, err = c.Predict(layer, x)
		}
		if err != nil {
			fmt.Fprintf(stderr, "graft classify: %s: %v\n", path, err)
			status = 1
			continue
		}
		r := headClassification{Path: path, Resize: string(l.resize), Ms: float64(time.Since(start).Microseconds()) / 1000,
			Best: c.Model.Classes[p.Best]}
		for i, name := range c.Model.Classes {
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
		if asJSON {
			line, _ := json.Marshal(r)
			fmt.Fprintf(stdout, "%s\n", line)
			continue
		}
		fmt.Fprintf(stdout, "%s: %s  (head %s, resize: %s, %.0f ms)\n", r.Path, r.Best, headFile, r.Resize, r.Ms)
		for i, cp := range r.Classes {
			fmt.Fprintf(stdout, "  %d. %-28s %.4f\n", i+1, cp.Class, cp.Prob)
		}
	}
	return status
}

// openClassifier reads the head file and checks it against the model of mf (openHead).
func openClassifier(mf *modelFlags, resizeSet bool, headFile string) (*app.Classifier, error) {
	h, _, err := openHead(mf, resizeSet, headFile)
	if err != nil {
		return nil, err
	}
	return app.NewClassifier(h)
}
