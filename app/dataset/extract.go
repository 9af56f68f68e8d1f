// extract.go: a whole listing through an Extractor, natively: each image file is read from the
// folder, its views' features computed (or read from the cache), and the image becomes a
// head.Example. The browser does the same per file with Extractor.FeaturesOfInput, in workers.
package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/graftml/graft/core/head"
)

// ExtractDir computes the features of every entry of l, reading the files below root, in
// l's order. An image that turns out not to decode is moved from l.Entries to l.Skipped; other
// errors stop the run. progress, when not nil, sees the count done after each image.
func ExtractDir(root string, l *Listing, e *Extractor, views []View, progress func(done, total int)) ([]head.Example, error) {
	var examples []head.Example
	total := len(l.Entries)
	for i, done := 0, 0; i < len(l.Entries); done++ {
		ent := l.Entries[i]
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(ent.Path)))
		if err != nil {
			return nil, err
		}
		feats, err := e.Features(data, ent.Hash, views)
		switch {
		case errors.Is(err, ErrUndecodable):
			l.Drop(i, ReasonUndecodable+": "+strings.TrimPrefix(strings.TrimPrefix(err.Error(), ReasonUndecodable+": "), "preprocess: "))
		case err != nil:
			return nil, err
		default:
			examples = append(examples, head.Example{Views: feats, Label: ent.Class, Name: ent.Path})
			i++
		}
		if progress != nil {
			progress(done+1, total)
		}
	}
	return examples, nil
}
