// graft classify: ImageNet top-5 per image, like Keras' decode_predictions(preds, top=5); with
// --head FILE, the classes of a head graft train (or the page) made, every class with its
// probability, computed as the page's active head computes them (app.Classifier).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/core/imagenet"
)

// classification is one image's result as --json prints it.
type classification struct {
	Path      string       `json:"path"`
	Resize    string       `json:"resize"`
	Synthetic bool         `json:"synthetic"`
	Ms        float64      `json:"ms"`
	Top5      []prediction `json:"top5"`
}

type prediction struct {
	Index  int     `json:"index"`
	Synset string  `json:"synset"`
	Name   string  `json:"name"`
	Prob   float32 `json:"prob"`
}

func classify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var mf modelFlags
	mf.register(fs)
	mf.log = stderr
	asJSON := fs.Bool("json", false, "print one JSON object per image")
	headFile := fs.String("head", "", "classify with this head file (graft train --out, or a page's export) instead of ImageNet's classes")
	csvPath := fs.String("csv", "", "with --head: also write the answers to this CSV file, a row per photo")
	sortInto := fs.String("sort-into", "", "with --head: copy each photo into this folder's sub-folder of its class (or \""+app.UnknownFolder+"\")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "graft classify: no images given")
		return 2
	}
	if *headFile != "" {
		resizeSet := false
		fs.Visit(func(f *flag.Flag) { resizeSet = resizeSet || f.Name == "resize" })
		return classifyWithHead(&mf, resizeSet, *headFile, headOutputs{*asJSON, *csvPath, *sortInto}, fs.Args(), stdout, stderr)
	}
	if *csvPath != "" || *sortInto != "" {
		fmt.Fprintln(stderr, "graft classify: --csv and --sort-into need --head (a head's classes)")
		return 2
	}
	l, err := mf.load()
	if err != nil {
		fmt.Fprintf(stderr, "graft classify: %v\n", err)
		return 1
	}
	if err := l.model.CheckLayer("predictions"); err != nil {
		fill := "--fill synthetic completes it"
		if mf.model != "" {
			fill = "a model converted with `graft convert --missing synthetic` is complete"
		}
		fmt.Fprintf(stderr, "graft classify: %v\n(classify needs the full network; %s, for shape and speed work only; or use `graft features --layer %s`)\n", err, fill, l.model.LastLayer())
		return 1
	}
	status := 0
	for _, path := range fs.Args() {
		start := time.Now()
		probs, err := l.runTo(path, "predictions")
		if err != nil {
			fmt.Fprintf(stderr, "graft classify: %s: %v\n", path, err)
			status = 1
			continue
		}
		c := classification{Path: path, Resize: string(l.resize), Synthetic: l.synthetic,
			Ms: float64(time.Since(start).Microseconds()) / 1000}
		top, err := imagenet.TopK(probs.Data, 5)
		if err != nil {
			fmt.Fprintf(stderr, "graft classify: %s: %v\n", path, err)
			status = 1
			continue
		}
		for _, p := range top {
			c.Top5 = append(c.Top5, prediction{p.Index, p.Synset, p.Name, p.Prob})
		}
		if *asJSON {
			line, _ := json.Marshal(c)
			fmt.Fprintf(stdout, "%s\n", line)
			continue
		}
		fmt.Fprintf(stdout, "%s  (resize: %s, synthetic: %v, %.0f ms)\n", c.Path, c.Resize, c.Synthetic, c.Ms)
		for i, p := range c.Top5 {
			fmt.Fprintf(stdout, "  %d. %s %-28s %.4f\n", i+1, p.Synset, p.Name, p.Prob)
		}
	}
	return status
}
