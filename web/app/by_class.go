// by_class.go: a folder made photo by photo, for browsers that cannot pick a folder (phones:
// webkitdirectory is missing from Safari on iOS and from Chrome on Android). The user names a
// class, picks its photos (a plain multi-file picker, which phones have), and repeats; the page
// lists the result as if it were a folder with one sub-folder per class ("cats/IMG_0001.jpg"),
// so listing, extraction, training and the label check are the folder's own.
package main

import (
	"fmt"
	"strings"

	"github.com/vugu/vugu/js"
)

// ByClassRoot is the name the made folder is listed under.
const ByClassRoot = "photos added by class"

// ByClass is the folder being made: its classes in the order added and their photo counts.
type ByClass struct {
	Name    string   // the class name typed for the next photos
	Classes []string // in the order added
	Counts  map[string]int
	paths   []string // "class/name" per photo, in the order added
}

// ClassName checks a typed class name: trimmed, not empty, one folder name (no slash, not a
// dot name), at most 64 characters.
func ClassName(typed string) (string, error) {
	name := strings.TrimSpace(typed)
	switch {
	case name == "":
		return "", fmt.Errorf("Name the class first (for example “cats”), then add its photos.")
	case strings.ContainsAny(name, `/\`):
		return "", fmt.Errorf("A class name cannot contain “/” or “\\”: %q.", name)
	case name == "." || name == "..":
		return "", fmt.Errorf("%q cannot be a class name.", name)
	case len([]rune(name)) > 64:
		return "", fmt.Errorf("That class name is longer than 64 characters.")
	}
	return name, nil
}

// Add records photos named names under class and returns their paths in the made folder. A
// name already in the class gets " (2)", " (3)" … before its extension, as a file manager
// would, so two photos called IMG_0001.jpg from two picks are both kept.
func (b *ByClass) Add(class string, names []string) []string {
	if b.Counts == nil {
		b.Counts = map[string]int{}
	}
	if _, ok := b.Counts[class]; !ok {
		b.Classes = append(b.Classes, class)
	}
	taken := map[string]bool{}
	for _, p := range b.paths {
		taken[strings.ToLower(p)] = true
	}
	var added []string
	for _, n := range names {
		n = strings.NewReplacer("/", "_", `\`, "_").Replace(n)
		p := class + "/" + n
		for k := 2; taken[strings.ToLower(p)]; k++ {
			stem, ext := n, ""
			if i := strings.LastIndexByte(n, '.'); i > 0 {
				stem, ext = n[:i], n[i:]
			}
			p = fmt.Sprintf("%s/%s (%d)%s", class, stem, k, ext)
		}
		taken[strings.ToLower(p)] = true
		b.paths = append(b.paths, p)
		added = append(added, p)
	}
	b.Counts[class] += len(names)
	return added
}

// Remove drops a class and returns, for each photo kept, its index before the removal.
func (b *ByClass) Remove(class string) (kept []int) {
	var paths []string
	for i, p := range b.paths {
		if !strings.HasPrefix(p, class+"/") {
			paths = append(paths, p)
			kept = append(kept, i)
		}
	}
	b.paths = paths
	delete(b.Counts, class)
	for i, c := range b.Classes {
		if c == class {
			b.Classes = append(b.Classes[:i:i], b.Classes[i+1:]...)
			break
		}
	}
	return kept
}

// ClassCountLine is a made class's line: "cats: 12 photos".
func ClassCountLine(class string, n int) string { return class + ": " + plural(n, "photo", "photos") }

// Paths is every photo's path in the made folder.
func (b *ByClass) Paths() []string { return append([]string(nil), b.paths...) }

// byClassFiles is the made folder's Files, in ByClass.paths' order (App.byClass).
type byClassFiles struct{ files []js.Value }

// AddClassPhotos adds the Files picked for the typed class and lists the made folder. A folder
// picked or dropped since the last class was added starts a new one.
func (a *App) AddClassPhotos(files js.Value) {
	b := &a.State.ByClass
	class, err := ClassName(b.Name)
	if err != nil {
		a.State.Error = err.Error()
		return
	}
	n := files.Get("length").Int()
	if n == 0 {
		return
	}
	if a.State.Train.Folder != ByClassRoot { // the listing on screen is another folder's
		*b = ByClass{Name: b.Name}
		a.byClass = byClassFiles{}
	}
	var names []string
	for i := range n {
		f := files.Call("item", i)
		names = append(names, f.Get("name").String())
		a.byClass.files = append(a.byClass.files, f)
	}
	b.Add(class, names)
	b.Name = ""
	a.listByClass()
}

// RemoveClass drops a class from the made folder and lists it again.
func (a *App) RemoveClass(class string) {
	kept := a.State.ByClass.Remove(class)
	files := make([]js.Value, 0, len(kept))
	for _, i := range kept {
		files = append(files, a.byClass.files[i])
	}
	a.byClass.files = files
	a.listByClass()
}

// listByClass sends the made folder to the model worker to be listed (startList).
func (a *App) listByClass() {
	b := &a.State.ByClass
	arr := js.Global().Get("Array").New()
	for _, f := range a.byClass.files {
		arr.Call("push", f)
	}
	a.startList(ByClassRoot, arr, b.Paths(), append([]string(nil), b.Classes...))
}
