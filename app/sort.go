// sort.go: where sorting a folder by a head's answers puts each photo, as `graft classify
// --sort-into` does it: one folder per class, one for photos that are none of them (the open
// set, core/head/openset.go), and a file name that never overwrites another photo.
package app

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// UnknownFolder receives the photos that are none of a head's classes. A class of that name
// makes sorting refuse (NewSortPlan).
const UnknownFolder = "_none of these"

// SortPlan assigns sorted photos their paths under the output folder.
type SortPlan struct {
	classes []string
	taken   map[string]bool // lower-cased relative paths already given out (or present)
}

// NewSortPlan plans for the classes of a head; existing holds the relative paths (slash
// separated) already in the output folder, which are never given out again.
func NewSortPlan(classes []string, existing []string) (*SortPlan, error) {
	if slices.Contains(classes, UnknownFolder) {
		return nil, fmt.Errorf("app: a class is called %q, the folder for photos of none of the classes", UnknownFolder)
	}
	for _, c := range classes {
		if c == "." || c == ".." || strings.ContainsAny(c, `/\`) {
			return nil, fmt.Errorf("app: class %q cannot be a folder name", c)
		}
	}
	p := &SortPlan{classes: classes, taken: map[string]bool{}}
	for _, e := range existing {
		p.taken[strings.ToLower(e)] = true
	}
	return p, nil
}

// Folder is where a photo with prediction pr goes: its class, or UnknownFolder.
func (p *SortPlan) Folder(pr *Prediction) string {
	if pr.Unknown {
		return UnknownFolder
	}
	return p.classes[pr.Best]
}

// Place returns folder/name, or folder/"stem (2).ext" and so on when that is taken (compared
// without case, as macOS and Windows file systems do), and marks it taken.
func (p *SortPlan) Place(folder, name string) string {
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	rel := folder + "/" + name
	for n := 2; p.taken[strings.ToLower(rel)]; n++ {
		rel = fmt.Sprintf("%s/%s (%d)%s", folder, stem, n, ext)
	}
	p.taken[strings.ToLower(rel)] = true
	return rel
}
