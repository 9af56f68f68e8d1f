// graft eval: score a head file (graft train --out) on a folder of class sub-folders and print
// {"accuracy":…,"per_class":{…},"confusion":[[…]]} as JSON (progress goes to stderr). It refuses
// a head trained on another base model or layer than the one given.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/core/head"
)

const evalUsage = `usage: graft eval --head FILE (--model DIR | --h5 FILE [--fill synthetic]) --data DIR [--cache DIR|off]

The layer and resize mode are the head's. Every class folder of --data must be one of the
head's classes; confusion rows and columns follow the head's class order ("classes").
`

// evalReport is what graft eval prints.
type evalReport struct {
	Accuracy  float64            `json:"accuracy"`
	PerClass  map[string]float64 `json:"per_class"` // classes with images in --data
	Confusion [][]int            `json:"confusion"` // [true][predicted], head class order
	Classes   []string           `json:"classes"`
	Images    int                `json:"images"`
	Loss      float64            `json:"loss"`
	ModelID   string             `json:"model_id"`
	Layer     string             `json:"layer"`
	Wrong     []evalWrong        `json:"wrong"`
	Skipped   []dataset.Skip     `json:"skipped"`
}

type evalWrong struct {
	Path      string  `json:"path"`
	Class     string  `json:"class"`
	Predicted string  `json:"predicted"`
	Prob      float32 `json:"prob"` // of the predicted class
}

func eval(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, evalUsage); fs.PrintDefaults() }
	var mf modelFlags
	mf.register(fs)
	mf.log = stderr
	headFile := fs.String("head", "", "head file written by graft train")
	data := fs.String("data", "", "folder with one sub-folder of images per class")
	cacheDir := fs.String("cache", "", `feature cache folder, or "off"`)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *headFile == "" || *data == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	resizeSet := false
	fs.Visit(func(f *flag.Flag) { resizeSet = resizeSet || f.Name == "resize" })
	report, err := evalRun(stderr, &mf, resizeSet, *headFile, *data, *cacheDir)
	if err != nil {
		fmt.Fprintf(stderr, "graft eval: %v\n", err)
		return 1
	}
	js, _ := json.Marshal(report)
	fmt.Fprintf(stdout, "%s\n", js)
	return 0
}

// readHead reads and checks a head file, refusing one longer than any head file before reading it.
func readHead(path string) (*head.Model, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if st.Size() > headfile.MaxFileBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than any head file", path, st.Size())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h, err := headfile.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// openHead reads a head file and checks it against the model of mf, whose resize mode becomes
// the head's (resizeSet: --resize was given, and must agree), before the network is loaded: a
// head of another model is refused in a second. It returns the model id.
func openHead(mf *modelFlags, resizeSet bool, headFile string) (*head.Model, string, error) {
	h, err := readHead(headFile)
	if err != nil {
		return nil, "", err
	}
	if resizeSet && mf.resize != h.Base.Resize {
		return nil, "", fmt.Errorf("--resize %s, but the head was trained on features of %s-resized images", mf.resize, h.Base.Resize)
	}
	mf.resize = h.Base.Resize
	id, err := modelID(mf)
	if err != nil {
		return nil, "", err
	}
	if err := h.CheckBase(id, h.Base.Layer); err != nil {
		return nil, "", err
	}
	return h, id, nil
}

func evalRun(w io.Writer, mf *modelFlags, resizeSet bool, headFile, dataDir, cacheDir string) (*evalReport, error) {
	h, id, err := openHead(mf, resizeSet, headFile)
	if err != nil {
		return nil, err
	}
	src, err := openBase(mf, h.Base.Layer)
	if err != nil {
		return nil, err
	}
	listing, err := dataset.ListDir(dataDir)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "data %s: %d images; head %s: classes %v, %s of %s\n", dataDir, len(listing.Entries), headFile, h.Classes, h.Base.Layer, id)
	toHead := make([]int, len(listing.Classes)) // listing class → head class
	for i, c := range listing.Classes {
		if toHead[i] = slices.Index(h.Classes, c.Name); toHead[i] < 0 && c.Images > 0 {
			return nil, fmt.Errorf("class folder %q is not one of the head's classes %v", c.Name, h.Classes)
		}
	}
	ex, err := src.extractor(w, cacheDir)
	if err != nil {
		return nil, err
	}
	if err := useTrunk(w, ex, h); err != nil {
		return nil, err
	}
	examples, err := extractAll(w, dataDir, listing, ex, []dataset.View{dataset.ViewOriginal})
	if err != nil {
		return nil, err
	}
	for i := range examples {
		examples[i].Label = toHead[examples[i].Label]
	}
	m, err := h.Evaluate(examples)
	if err != nil {
		return nil, err
	}
	r := &evalReport{Accuracy: m.Accuracy, PerClass: map[string]float64{}, Confusion: m.Confusion, Classes: h.Classes,
		Images: m.Examples, Loss: m.Loss, ModelID: id, Layer: h.Base.Layer, Wrong: []evalWrong{}, Skipped: listing.Skipped}
	for c, name := range h.Classes {
		if m.Counts[c] > 0 {
			r.PerClass[name] = m.PerClass[c]
		}
	}
	for _, x := range m.Wrong {
		r.Wrong = append(r.Wrong, evalWrong{examples[x.Example].Name, h.Classes[x.Label], h.Classes[x.Predicted], x.Probs[x.Predicted]})
	}
	if r.Skipped == nil {
		r.Skipped = []dataset.Skip{}
	}
	return r, nil
}

// useTrunk makes ex compute with a fine-tuned model's trunk layers (and cache its features
// under their own id); a conservative head leaves ex as it is.
func useTrunk(w io.Writer, ex *dataset.Extractor, h *head.Model) error {
	if h.Trunk == nil {
		return nil
	}
	ov, err := h.Trunk.Overrides()
	if err != nil {
		return err
	}
	tuned, err := ex.Model.WithConvs(ov)
	if err != nil {
		return err
	}
	ex.Model, ex.ModelID = tuned, h.FeatureModelID()
	fmt.Fprintf(w, "model: %s\n", h.Describe())
	return nil
}
