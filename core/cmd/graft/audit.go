// graft audit: suspected mislabels and cross-class duplicates of a labelled folder (app.Audit:
// confident learning on k-fold out-of-fold probabilities, Northcutt et al., JAIR 2021, plus
// view-0 feature cosine ≥ app.DuplicateCosine). The folder is listed and its features
// extracted as graft train does (through the feature cache, view 0 only), so a folder already
// trained on costs no new extraction. Byte-identical files, which the listing keeps once, are
// reported as duplicates (score 1) when they sit in different classes.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/app/settings"
	"github.com/graftml/graft/core/head"
)

const auditUsage = `usage: graft audit (--model DIR | --h5 FILE [--fill synthetic]) --data DIR
                   [--layer NAME] [--folds 5] [--json] [--cache DIR|off] [--epochs N]
                   [--head linear|mlp256|keras] [--lr X] [--seed N]

Trains --folds heads, each on the other folds, and ranks the photos whose own label the
held-out head contradicts confidently (score: p(suggested) − p(label)), with the pairs of
photos of different classes whose features have cosine ≥ 0.98 (score: the cosine). --json
prints one object per line, strongest first: {"kind","path","label","suggested","score"} and
"other" (the other photo) for a duplicate; paths are relative to --data.
`

func audit(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, auditUsage); fs.PrintDefaults() }
	mf := new(modelFlags)
	mf.register(fs)
	mf.log = stderr
	d := settings.DefaultSettings()
	data := fs.String("data", "", "folder with one sub-folder of images per class")
	layer := fs.String("layer", "", "ResNet50 layer whose pooled output the heads read (default: as graft train)")
	folds := fs.Int("folds", app.DefaultAuditFolds, "folds of the out-of-fold probabilities")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	cacheDir := fs.String("cache", "", `feature cache folder, or "off"`)
	epochs := fs.Int("epochs", d.Epochs, "epochs of each fold's head")
	preset := fs.String("head", d.Head, "head preset")
	lr := fs.Float64("lr", d.LearningRate, "Adam learning rate")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *data == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	s := d
	s.Head, s.Epochs, s.LearningRate, s.Seed, s.Resize, s.Flip = *preset, *epochs, *lr, mf.seed, mf.resize, false
	cfg, err := app.PresetConfig(s)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		fmt.Fprintf(stderr, "graft audit: %v\n", err)
		return 2
	}
	// Progress goes to stderr with --json, so that stdout is only the findings.
	log := stdout
	if *asJSON {
		log = stderr
	}
	if err := auditRun(stdout, log, mf, cfg, *data, *layer, *cacheDir, *folds, *asJSON); err != nil {
		fmt.Fprintf(stderr, "graft audit: %v\n", err)
		return 1
	}
	return 0
}

func auditRun(w, log io.Writer, mf *modelFlags, cfg head.Config, dataDir, layer, cacheDir string, folds int, asJSON bool) error {
	listing, err := dataset.ListDir(dataDir)
	if err != nil {
		return err
	}
	printListing(log, dataDir, listing)
	src, err := openBase(mf, layer)
	if err != nil {
		return err
	}
	ex, err := src.extractor(log, cacheDir)
	if err != nil {
		return err
	}
	examples, err := extractAll(log, dataDir, listing, ex, dataset.TrainingViews(false))
	if err != nil {
		return err
	}
	d := &head.Data{Base: src.base(), Classes: listing.Names(), Examples: examples}
	rep, err := app.Audit(context.Background(), cfg, d, folds, func(done, total int) {
		fmt.Fprintf(log, "fold %d/%d trained\n", done, total)
	})
	if err != nil {
		return err
	}
	findings := append(rep.Findings, exactCrossClass(listing)...)
	app.SortFindings(findings)
	dups := rep.Duplicates + len(findings) - len(rep.Findings)
	if asJSON {
		enc := json.NewEncoder(w)
		for _, f := range findings {
			if err := enc.Encode(f); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Fprintf(w, "%-9s %6s  %-40s %-16s %-16s %s\n", "kind", "score", "path", "label", "suggested", "other")
	confident := 0
	for _, f := range findings {
		kind := f.Kind
		if f.Kind == app.KindMislabel && !f.Confident {
			kind += "?"
		}
		if f.Confident {
			confident++
		}
		fmt.Fprintf(w, "%-9s %6.3f  %-40s %-16s %-16s %s\n", kind, f.Score, f.Path, f.Label, f.Suggested, f.Other)
	}
	fmt.Fprintf(w, "%d suspected mislabels (%d confident; mislabel? only disagrees with the prediction), %d cross-class duplicates of %d photos (%d folds)\n",
		rep.Mislabels, confident, dups, rep.Examples, rep.Folds)
	return nil
}

// exactCrossClass turns the listing's byte-identical files (skipped as "duplicate of KEPT")
// whose class differs from the kept file's into duplicate findings of score 1.
func exactCrossClass(l *dataset.Listing) []app.Finding {
	var out []app.Finding
	for _, s := range l.Skipped {
		kept, ok := strings.CutPrefix(s.Reason, dataset.ReasonDuplicate+" ")
		if !ok {
			continue
		}
		class, _, _ := strings.Cut(s.Path, "/")
		keptClass, _, _ := strings.Cut(kept, "/")
		if class != keptClass {
			out = append(out, app.Finding{Kind: app.KindDuplicate, Example: -1, Path: s.Path, Label: class,
				Suggested: keptClass, Score: 1, Other: kept, OtherEx: -1})
		}
	}
	return out
}
