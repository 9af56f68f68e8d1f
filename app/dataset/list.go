// Package dataset turns a folder of photos, one sub-folder per class, into labelled feature
// vectors for core/head: listing (list.go), feature extraction per image and view (features.go)
// and the feature cache (cache.go).
//
// The folder convention is Keras' ImageDataGenerator.flow_from_directory
// (keras/src/legacy/preprocessing/image.py, DirectoryIterator): each sub-folder of the root is
// a class, class names are the sub-folders' names sorted (Python's sorted(), i.e. by code point,
// which is Go's string order), and the images of a class are the files below its sub-folder at
// any depth. Keras picks images by file extension; we look at the bytes (core/preprocess), and
// say why we skip a file: not an image, undecodable, hidden, outside any class folder, or a
// duplicate (by SHA-256 of its content) of a file listed before it.
package dataset

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/graftml/graft/core/preprocess"
)

// Entry is one image the listing keeps.
type Entry struct {
	Class int    // index into Listing.Classes
	Path  string // slash-separated path below the root, "cats/cat.1.jpg"
	Hash  string // lowercase hex SHA-256 of the file's bytes (the cache key's content part)
	Bytes int64
}

// Skip is a file the listing leaves out, and why.
type Skip struct {
	Path   string
	Reason string
}

// Class is one class folder and how many images it keeps.
type Class struct {
	Name   string
	Images int
}

// Listing is a folder of classes: what will be used and what was skipped.
type Listing struct {
	Classes []Class // sorted by name
	Entries []Entry // sorted by path
	Skipped []Skip  // sorted by path
}

// Names returns the class names in order.
func (l *Listing) Names() []string {
	var names []string
	for _, c := range l.Classes {
		names = append(names, c.Name)
	}
	return names
}

// Skip reasons start with one of these.
const (
	ReasonNotImage    = "not an image"
	ReasonUndecodable = "undecodable"
	ReasonDuplicate   = "duplicate of"
	ReasonHidden      = "hidden file"
	ReasonNoClass     = "not inside a class folder"
	ReasonEmpty       = "empty file"
	ReasonTooLarge    = "too large"
	// Native folders only (ListDir): links and special files.
	ReasonBrokenLink   = "broken link"
	ReasonLinkCycle    = "link cycle"
	ReasonFolderListed = "folder already listed as"
	ReasonNotFile      = "not a regular file"
)

// Lister builds a Listing from files fed one at a time, in any order: the browser streams them
// from a picked folder, ListDir walks a native one. It keeps only hashes, never image bytes.
type Lister struct {
	classes map[string]bool
	entries []Entry // Class is set in Listing
	classOf []string
	skipped []Skip
}

// NewLister returns an empty Lister.
func NewLister() *Lister { return &Lister{classes: map[string]bool{}} }

// AddTooLarge lists the file at rel, of size bytes, as skipped for being over limit bytes,
// without reading it (a caller that refuses big files before hashing them).
func (l *Lister) AddTooLarge(rel string, size, limit int64) {
	rel = path.Clean(strings.TrimPrefix(rel, "/"))
	l.skipped = append(l.skipped, Skip{rel, fmt.Sprintf("%s: %.0f MB (photos up to %d MB)", ReasonTooLarge, float64(size)/1e6, limit>>20)})
}

// AddClass records a class folder, so that a class with no images is still listed.
func (l *Lister) AddClass(name string) {
	if name != "" && !strings.HasPrefix(name, ".") {
		l.classes[name] = true
	}
}

// Add looks at one file: rel is its slash-separated path below the root ("cats/a.jpg").
// Only the image header is decoded here; Extractor decodes the whole image later.
func (l *Lister) Add(rel string, data []byte) {
	rel = path.Clean(strings.TrimPrefix(rel, "/"))
	class, _, inClass := strings.Cut(rel, "/")
	switch {
	case slices.ContainsFunc(strings.Split(rel, "/"), func(s string) bool { return strings.HasPrefix(s, ".") }):
		l.skipped = append(l.skipped, Skip{rel, ReasonHidden})
		return
	case !inClass:
		l.skipped = append(l.skipped, Skip{rel, ReasonNoClass})
		return
	case len(data) == 0:
		l.skipped = append(l.skipped, Skip{rel, ReasonEmpty})
		return
	}
	if reason := checkImage(data); reason != "" {
		l.skipped = append(l.skipped, Skip{rel, reason})
		return
	}
	sum := sha256.Sum256(data)
	l.AddClass(class)
	l.entries = append(l.entries, Entry{Path: rel, Hash: hex.EncodeToString(sum[:]), Bytes: int64(len(data))})
	l.classOf = append(l.classOf, class)
}

// checkImage reads the image header (preprocess.ReadHeader: no decoder needed, so the browser
// build lists as the native one does); "" means it looks like an image Decode can read.
func checkImage(data []byte) string {
	_, err := preprocess.ReadHeader(data)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, preprocess.ErrNotImage):
		return ReasonNotImage + ": " + strings.TrimPrefix(err.Error(), "preprocess: ")
	}
	return ReasonUndecodable + ": " + strings.TrimPrefix(err.Error(), "preprocess: ")
}

// Listing sorts what was added and removes duplicates: of files with the same content, the
// first by path is kept.
func (l *Lister) Listing() *Listing {
	out := &Listing{}
	var names []string
	for c := range l.classes {
		names = append(names, c)
	}
	slices.Sort(names)
	index := map[string]int{}
	for i, n := range names {
		index[n] = i
		out.Classes = append(out.Classes, Class{Name: n})
	}
	order := make([]int, len(l.entries))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(l.entries[a].Path, l.entries[b].Path) })
	first := map[string]string{} // hash → path kept
	out.Skipped = slices.Clone(l.skipped)
	for _, i := range order {
		e := l.entries[i]
		if kept, dup := first[e.Hash]; dup {
			out.Skipped = append(out.Skipped, Skip{e.Path, ReasonDuplicate + " " + kept})
			continue
		}
		first[e.Hash] = e.Path
		e.Class = index[l.classOf[i]]
		out.Entries = append(out.Entries, e)
		out.Classes[e.Class].Images++
	}
	slices.SortFunc(out.Skipped, func(a, b Skip) int { return cmp.Compare(a.Path, b.Path) })
	return out
}

// Drop moves entry i to Skipped with reason (extraction found it undecodable) and recounts.
func (l *Listing) Drop(i int, reason string) {
	e := l.Entries[i]
	l.Entries = slices.Delete(l.Entries, i, i+1)
	l.Classes[e.Class].Images--
	at, _ := slices.BinarySearchFunc(l.Skipped, e.Path, func(s Skip, p string) int { return cmp.Compare(s.Path, p) })
	l.Skipped = slices.Insert(l.Skipped, at, Skip{e.Path, reason})
}

// ListDir lists the class folders of root (native twin of feeding a Lister from the browser).
// Like Keras' flow_from_directory, linked files are read. Linked folders are followed, each real
// folder listed once: a link back to a folder being walked is a cycle and is refused, a second
// way into a folder already listed is skipped, both with the reason; so is a broken link or a
// file that is neither a file nor a folder (a device, a socket).
func ListDir(root string) (*Listing, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("dataset: %s is not a folder (want one sub-folder per class)", root)
	}
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	w := &dirWalker{l: NewLister(), listed: map[string]string{real: "."}, walking: map[string]bool{real: true}, classDirs: map[string]string{}}
	top, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	for _, d := range top { // a class folder belongs to its class, even when a link inside another class leads to it
		if r, err := filepath.EvalSymlinks(filepath.Join(root, d.Name())); err == nil && !strings.HasPrefix(d.Name(), ".") {
			if _, taken := w.classDirs[r]; !taken {
				w.classDirs[r] = d.Name()
			}
		}
	}
	if err := w.walk(root, ""); err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	return w.l.Listing(), nil
}

// dirWalker walks a folder tree for ListDir, following links.
type dirWalker struct {
	l       *Lister
	listed  map[string]string // real path of each folder walked → its path below the root
	walking map[string]bool   // real paths of the folders on the current path (cycle check)
	// classDirs maps the real path of each top-level folder to its name: only that class
	// lists it.
	classDirs map[string]string
}

// walk lists dir, whose slash path below the root is rel ("" for the root).
func (w *dirWalker) walk(dir, rel string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, d := range entries {
		p, r := filepath.Join(dir, d.Name()), path.Join(rel, d.Name())
		typ := d.Type()
		if typ&fs.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err != nil {
				w.skip(r, ReasonBrokenLink+": "+linkError(err))
				continue
			}
			typ = st.Mode().Type()
		}
		switch {
		case typ.IsDir() && strings.HasPrefix(d.Name(), "."):
			w.skip(r+"/", ReasonHidden)
		case typ.IsDir():
			if err := w.folder(p, r); err != nil {
				return err
			}
		case !typ.IsRegular():
			w.skip(r, ReasonNotFile)
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			w.l.Add(r, data)
		}
	}
	return nil
}

// folder walks the folder p (rel below the root) unless its real path was walked already.
func (w *dirWalker) folder(p, rel string) error {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		w.skip(rel+"/", ReasonBrokenLink+": "+linkError(err))
		return nil
	}
	if w.walking[real] {
		w.skip(rel+"/", fmt.Sprintf("%s: leads back to %s/", ReasonLinkCycle, w.listed[real]))
		return nil
	}
	first, seen := w.listed[real]
	if class, isClass := w.classDirs[real]; !seen && isClass && class != rel {
		first, seen = class, true
	}
	if seen {
		w.skip(rel+"/", fmt.Sprintf("%s %s/", ReasonFolderListed, first))
		return nil
	}
	if !strings.Contains(rel, "/") {
		w.l.AddClass(rel)
	}
	w.listed[real], w.walking[real] = rel, true
	defer delete(w.walking, real)
	return w.walk(p, rel)
}

func (w *dirWalker) skip(rel, reason string) { w.l.skipped = append(w.l.skipped, Skip{rel, reason}) }

// linkError is err without the path, which the Skip already names.
func linkError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// ReasonCount is how many files a listing skipped for one reason.
type ReasonCount struct {
	Reason string // one of the Reason constants
	Files  int
}

// SkipCounts counts the skipped files per reason (the Reason constant each reason starts
// with), most first, then by reason.
func (l *Listing) SkipCounts() []ReasonCount {
	counts := map[string]int{}
	for _, s := range l.Skipped {
		counts[reasonOf(s.Reason)]++
	}
	var out []ReasonCount
	for r, n := range counts {
		out = append(out, ReasonCount{r, n})
	}
	slices.SortFunc(out, func(a, b ReasonCount) int {
		return cmp.Or(cmp.Compare(b.Files, a.Files), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}

// reasonOf is the Reason constant a skip reason starts with (the reason itself if none does).
func reasonOf(reason string) string {
	for _, r := range []string{ReasonNotImage, ReasonUndecodable, ReasonDuplicate, ReasonHidden, ReasonNoClass, ReasonTooLarge,
		ReasonEmpty, ReasonBrokenLink, ReasonLinkCycle, ReasonFolderListed, ReasonNotFile} {
		if strings.HasPrefix(reason, r) {
			return r
		}
	}
	return reason
}
