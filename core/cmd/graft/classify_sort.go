// classify_sort.go: what graft classify --head does with folders and with its answers besides
// printing them: a folder argument is every photo under it (hidden files and folders left out,
// in name order); --csv writes a table of the answers, one row per photo; --sort-into copies
// each photo into a folder of its class, or of none of them (app.SortPlan names the copies;
// the photos themselves are never moved or changed).
package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/dataset"
)

// photoArg is one photo to classify; found says it was found in a folder given (not named).
type photoArg struct {
	path  string
	found bool
}

// expandPhotos lists the photos of args: a file as it is, a folder as every file under it.
// A folder that holds sortInto, or lies inside it, is refused: the copies would be classified
// again on the next run.
func expandPhotos(args []string, sortInto string) ([]photoArg, error) {
	out := []photoArg{}
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, photoArg{path: a})
			continue
		}
		if sortInto != "" {
			if inside(sortInto, a) || inside(a, sortInto) {
				return nil, fmt.Errorf("--sort-into %s and the folder %s contain one another: sort into a folder outside the photos", sortInto, a)
			}
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != a && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				out = append(out, photoArg{path: p, found: true})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// inside reports whether path p is dir or lies under it.
func inside(p, dir string) bool {
	ap, err1 := filepath.Abs(p)
	ad, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(ad, ap)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// photoSorter copies photos into root/<class>/ (--sort-into).
type photoSorter struct {
	root string
	plan *app.SortPlan
}

// newPhotoSorter prepares root (created when missing); the files already in it stay and are
// never overwritten.
func newPhotoSorter(root string, classes []string) (*photoSorter, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	var existing []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if rel, err := filepath.Rel(root, p); err == nil && !d.IsDir() {
			existing = append(existing, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	plan, err := app.NewSortPlan(classes, existing)
	if err != nil {
		return nil, err
	}
	return &photoSorter{root: root, plan: plan}, nil
}

// copy copies the photo into its folder and returns the copy's path.
func (s *photoSorter) copy(ph photoArg, p *app.Prediction) (string, error) {
	data, err := os.ReadFile(ph.path)
	if err != nil {
		return "", err
	}
	rel := s.plan.Place(s.plan.Folder(p), filepath.Base(ph.path))
	dst := filepath.Join(s.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	return dst, writeNew(dst, data)
}

// writeNew writes data to a new file at path, whole or not at all: a temporary file renamed
// into place, and never over a file that appeared meanwhile.
func writeNew(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".graft-copy-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if err = os.Link(tmp.Name(), path); errors.Is(err, os.ErrExist) {
			err = fmt.Errorf("%s appeared while sorting; not overwritten", path)
		}
	}
	os.Remove(tmp.Name())
	return err
}

// csvTable is --csv: path, the verdict, its probability, the open set's numbers and every
// class's probability, one row per photo, written when all are classified.
type csvTable struct {
	path    string
	classes []string
	buf     bytes.Buffer
	w       *csv.Writer
}

func newCSVTable(path string, classes []string) (*csvTable, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("--csv %s is a folder", path)
	}
	t := &csvTable{path: path, classes: classes}
	t.w = csv.NewWriter(&t.buf)
	t.w.Write(app.CSVHeader(classes))
	return t, nil
}

// add writes r's row (app.CSVRow: the page's "Download CSV" writes the same).
func (t *csvTable) add(r headClassification, p *app.Prediction) {
	t.w.Write(app.CSVRow(r.Path, t.classes, p, r.SortedTo))
}

// close writes the table: a temporary file renamed over path.
func (t *csvTable) close() error {
	t.w.Flush()
	if err := t.w.Error(); err != nil {
		return err
	}
	return dataset.WriteFileAtomic(t.path, t.buf.Bytes())
}
