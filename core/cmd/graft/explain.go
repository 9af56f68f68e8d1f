// graft explain [--head FILE] IMG...: why the head (or, without --head, ImageNet's classifier)
// gave each photo its class — the Grad-CAM map (app.Classifier.Explain, app.ExplainImageNet)
// printed as a shaded grid or numbers and, with --out, drawn over the photo as the network saw
// it (PNG). --class explains another class than the predicted one.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/core/imagenet"
)

// explanation is one photo's as --json prints it.
type explanation struct {
	Path  string      `json:"path"`
	Class string      `json:"class"`
	Prob  float32     `json:"prob"`
	Map   [][]float32 `json:"map"`  // [H][W] in [0, 1]
	Peak  [2]int      `json:"peak"` // row, column of the map's maximum
	// Synthetic: an ImageNet class of a model with synthetic weights (--fill synthetic), so
	// the map says nothing about the photo.
	Synthetic bool   `json:"synthetic,omitempty"`
	Overlay   string `json:"overlay,omitempty"`
}

func explain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var mf modelFlags
	mf.register(fs)
	mf.log = stderr
	headFile := fs.String("head", "", "explain this head's class (default: ImageNet's top-1, which needs the full network)")
	className := fs.String("class", "", "explain this class (default: the predicted one); without --head an ImageNet name or synset")
	out := fs.String("out", "", "write the map over the photo here: a .png file for one photo, a folder for several")
	asJSON := fs.Bool("json", false, "print one JSON object per photo")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "graft explain: no photos given")
		return 2
	}
	if fs.NArg() > 1 && strings.HasSuffix(strings.ToLower(*out), ".png") {
		fmt.Fprintln(stderr, "graft explain: --out is a .png file, but there are several photos: give a folder")
		return 2
	}
	resizeSet := false
	fs.Visit(func(f *flag.Flag) { resizeSet = resizeSet || f.Name == "resize" })
	ex, code := newExplainer(&mf, resizeSet, *headFile, *className, stderr)
	if ex == nil {
		return code
	}
	status := 0
	for _, path := range fs.Args() {
		r, err := ex.explainOne(path, *out, fs.NArg() > 1)
		if err != nil {
			fmt.Fprintf(stderr, "graft explain: %s: %v\n", path, err)
			status = 1
			continue
		}
		if *asJSON {
			line, _ := json.Marshal(r)
			fmt.Fprintf(stdout, "%s\n", line)
			continue
		}
		note := ""
		if r.Synthetic {
			note = " [synthetic weights: not ImageNet's answer]"
		}
		fmt.Fprintf(stdout, "%s: %s (%.3f)%s; strongest at row %d, column %d of %d×%d\n", r.Path, r.Class, r.Prob, note, r.Peak[0], r.Peak[1], len(r.Map), len(r.Map[0]))
		for _, row := range r.Map {
			fmt.Fprintf(stdout, "  %s\n", shade(row))
		}
		if r.Overlay != "" {
			fmt.Fprintf(stdout, "  drawn over the photo in %s\n", r.Overlay)
		}
	}
	return status
}

// explainer is what graft explain runs: a head (its classifier and input layer) or, without
// --head, ImageNet's classifier at conv5_block3_out.
type explainer struct {
	l     *loaded
	c     *app.Classifier // nil: ImageNet
	layer string
	class int // −1: the predicted one
}

// newExplainer loads what explain needs; nil and the exit status when it cannot.
func newExplainer(mf *modelFlags, resizeSet bool, headFile, className string, stderr io.Writer) (*explainer, int) {
	ex := &explainer{class: -1, layer: app.ImageNetLayer}
	if headFile != "" {
		c, err := openClassifier(mf, resizeSet, headFile)
		if err != nil {
			fmt.Fprintf(stderr, "graft explain: %v\n", err)
			return nil, 1
		}
		ex.c, ex.layer = c, c.InputLayer()
		if className != "" {
			if ex.class = slices.Index(c.Model.Classes, className); ex.class < 0 {
				fmt.Fprintf(stderr, "graft explain: the head has no class %q (it has %s)\n", className, strings.Join(c.Model.Classes, ", "))
				return nil, 2
			}
		}
	} else if className != "" {
		i := slices.IndexFunc(imagenet.Labels(), func(l imagenet.Label) bool { return l.Name == className || l.Synset == className })
		if i < 0 {
			fmt.Fprintf(stderr, "graft explain: %q is not an ImageNet class name or synset (e.g. tabby, n02123045)\n", className)
			return nil, 2
		}
		ex.class = i
	}
	l, err := mf.load()
	if err != nil {
		fmt.Fprintf(stderr, "graft explain: %v\n", err)
		return nil, 1
	}
	need := ex.layer
	if ex.c == nil {
		need = "predictions"
	}
	if err := l.model.CheckLayer(need); err != nil {
		fmt.Fprintf(stderr, "graft explain: %v\n", err)
		if ex.c == nil {
			fmt.Fprintln(stderr, "(ImageNet's classes need the full network; explain a head with --head FILE)")
		}
		return nil, 1
	}
	ex.l = l
	return ex, 0
}

func (ex *explainer) explainOne(path, out string, several bool) (*explanation, error) {
	l := ex.l
	seen, x, err := l.prepared(path) // seen: what the network sees, for the overlay
	if err != nil {
		return nil, err
	}
	if x, err = l.model.Run(x, ex.layer, nil); err != nil {
		return nil, err
	}
	var e *app.Explanation
	if ex.c != nil {
		e, err = ex.c.Explain(ex.layer, x, ex.class)
	} else {
		e, err = app.ExplainImageNet(l.model, x, ex.class)
	}
	if err != nil {
		return nil, err
	}
	r := &explanation{Path: path, Prob: e.Prob, Synthetic: l.synthetic && ex.c == nil}
	if ex.c != nil {
		r.Class = ex.c.Model.Classes[e.Class]
	} else {
		lab, _ := imagenet.ByIndex(e.Class)
		r.Class = lab.Name
	}
	best := float32(-1)
	for i := range e.H {
		row := e.Map[i*e.W : (i+1)*e.W]
		r.Map = append(r.Map, row)
		for j, v := range row {
			if v > best {
				best, r.Peak = v, [2]int{i, j}
			}
		}
	}
	if out != "" {
		dst := out
		if several || !strings.HasSuffix(strings.ToLower(out), ".png") {
			if err := os.MkdirAll(out, 0o755); err != nil {
				return nil, err
			}
			dst = filepath.Join(out, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+".explain.png")
		}
		var b bytes.Buffer
		if err := png.Encode(&b, app.Overlay(seen, e)); err != nil {
			return nil, err
		}
		if err := os.WriteFile(dst, b.Bytes(), 0o644); err != nil {
			return nil, err
		}
		r.Overlay = dst
	}
	return r, nil
}

// shade draws a map row in characters, darkest to brightest.
func shade(row []float32) string {
	const ramp = " .:-=+*#%@"
	var b strings.Builder
	for _, v := range row {
		i := min(int(v*float32(len(ramp))), len(ramp)-1)
		b.WriteByte(ramp[max(i, 0)])
		b.WriteByte(ramp[max(i, 0)])
	}
	return b.String()
}
