// sort.go: sorting a folder of unlabelled photos with a head, as `graft classify --head
// --csv --sort-into` does: every worker of the page's pool gets the active head's file
// (Shelf.ActiveFile, then Shelf.NewSorter: the same checks as Use) and classifies the photos it
// is given — the head's layer for the photo prepared the head's way, then app.Classifier, what
// graft classify --head runs — answering with the class, whether the photo is none of the
// classes, the folder its copy would go to and its CSV row (app.CSVRow). The copies' names come
// from app.SortPlan (PlanCopies), never over a file already in the chosen folder.
package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/web/wire"
)

// ErrNoActiveHead: sorting with no head in use.
var ErrNoActiveHead = errors.New("no head is in use: train one, or choose a saved one with Use, first")

// ActiveFile is the active head's file, name and classes.
func (s *Shelf) ActiveFile() (file []byte, name string, classes []string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil || s.activeFile == nil {
		return nil, "", nil, ErrNoActiveHead
	}
	return s.activeFile, s.activeName, s.active.Classes, nil
}

// SortReady is the model worker's answer to sort_start for run.
func (s *Shelf) SortReady(run int) (wire.SortReady, []byte) {
	file, name, classes, err := s.ActiveFile()
	if err != nil {
		return wire.SortReady{Run: run, Error: err.Error()}, nil
	}
	return wire.SortReady{Run: run, Head: name, Classes: classes, CSVHeader: app.CSVHeader(classes), SortedTo: app.CSVSortedTo}, file
}

// Sorter classifies photos with one head.
type Sorter struct {
	c       *app.Classifier
	classes []string
	mode    preprocess.ResizeMode
}

// NewSorter prepares the head file for sorting; it must fit this page's model, as for Use.
func (s *Shelf) NewSorter(file []byte) (*Sorter, error) {
	m, err := headfile.Parse(file)
	if err != nil {
		return nil, fmt.Errorf("the head to sort with is damaged: %w", err)
	}
	if err := s.compatible(m.Base.ModelID, m.Base.Layer); err != nil {
		return nil, fmt.Errorf("the head cannot run here: %w", err)
	}
	mode, err := preprocess.ParseResizeMode(m.Base.Resize)
	if err != nil {
		return nil, err
	}
	c, err := app.NewClassifier(m)
	if err != nil {
		return nil, err
	}
	return &Sorter{c: c, classes: m.Classes, mode: mode}, nil
}

// Sort classifies one photo (path is for its CSV row) and says where its copy would go.
func (so *Sorter) Sort(ctx context.Context, sess *Session, px Pixels, path string) (wire.Sorted, error) {
	start := time.Now()
	layer := so.c.InputLayer()
	x, err := sess.Activation(ctx, px, so.mode, layer)
	if err != nil {
		return wire.Sorted{}, err
	}
	p, err := so.c.Predict(layer, x)
	if err != nil {
		return wire.Sorted{}, err
	}
	folder := so.classes[p.Best]
	if p.Unknown {
		folder = app.UnknownFolder
	}
	return wire.Sorted{Best: p.Best, Prob: p.Probs[p.Best], Unknown: p.Unknown, Folder: folder,
		CSV: app.CSVRow(path, so.classes, p, ""), Ms: ms(time.Since(start))}, nil
}

// PlanCopies names the copies of a sort_plan (app.SortPlan: one folder per class and one for
// photos that are none of them; "name (2).ext" where a name is taken, ignoring case).
func PlanCopies(req *wire.SortPlan) wire.SortNames {
	out := wire.SortNames{Run: req.Run, Paths: []string{}}
	plan, err := app.NewSortPlan(req.Classes, req.Existing)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	for _, it := range req.Items {
		out.Paths = append(out.Paths, plan.Place(it.Folder, it.Name))
	}
	return out
}
