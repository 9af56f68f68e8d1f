// Groups: path lookup, member listing and attributes.
//
// A group is an object header that carries either a symbol table message
// (old-style group, §IV.A.2.r) or link messages / a link info message
// (new-style group, §IV.A.2.g and §IV.A.2.c). Links are loaded once per
// Group value and kept as name → object header address.
package h5

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Group is an HDF5 group. Its methods may be called from several goroutines
// when the File's io.ReaderAt allows concurrent ReadAt calls (os.File does).
type Group struct {
	f       *File
	path    string
	hdr     *objectHeader
	linksMu sync.Mutex
	links   map[string]link // nil until loaded
}

// link is one named member of a group.
type link struct {
	addr uint64 // object header address of a hard link
	kind string // "" for hard links, else "soft" or "external" (not followed)
}

// openGroup reads the object header at addr and checks that it is a group.
func (f *File) openGroup(addr uint64, path string) (*Group, error) {
	hdr, err := f.fr.readObjectHeader(addr)
	if err != nil {
		return nil, err
	}
	if !isGroup(hdr) {
		if hdr.first(msgLayout) != nil {
			return nil, fmt.Errorf("h5: %s is a dataset, not a group", path)
		}
		return nil, fmt.Errorf("h5: %s is not a group (no symbol table, link or link info message)", path)
	}
	return &Group{f: f, path: path, hdr: hdr}, nil
}

func isGroup(h *objectHeader) bool {
	return h.first(msgSymbolTable) != nil || h.first(msgLinkInfo) != nil || h.first(msgLink) != nil
}

// Members returns the names of the group's direct members, sorted.
func (g *Group) Members() ([]string, error) {
	if err := g.loadLinks(); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(g.links)) // g.links never changes once loaded
	for name := range g.links {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// Group returns the group at path, relative to g; path may contain '/'.
func (g *Group) Group(path string) (*Group, error) {
	parent, name, err := g.walk(path)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return parent, nil
	}
	addr, err := parent.resolve(name)
	if err != nil {
		return nil, err
	}
	return g.f.openGroup(addr, joinPath(parent.path, name))
}

// Dataset returns the dataset at path, relative to g; path may contain '/'.
func (g *Group) Dataset(path string) (*Dataset, error) {
	parent, name, err := g.walk(path)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fmt.Errorf("h5: dataset path %q names a group", path)
	}
	addr, err := parent.resolve(name)
	if err != nil {
		return nil, err
	}
	return g.f.openDataset(addr, joinPath(parent.path, name))
}

// walk follows every component of path but the last, returning the last
// group reached and the final component ("" when path names g itself).
func (g *Group) walk(path string) (*Group, string, error) {
	var parts []string
	for _, p := range strings.Split(path, "/") {
		if p != "" && p != "." {
			parts = append(parts, p)
		}
	}
	if len(parts) > maxPathParts {
		return nil, "", fmt.Errorf("h5: path %q has more than %d components", path, maxPathParts)
	}
	if len(parts) == 0 {
		return g, "", nil
	}
	cur := g
	for _, p := range parts[:len(parts)-1] {
		addr, err := cur.resolve(p)
		if err != nil {
			return nil, "", err
		}
		if cur, err = g.f.openGroup(addr, joinPath(cur.path, p)); err != nil {
			return nil, "", err
		}
	}
	return cur, parts[len(parts)-1], nil
}

// ErrNotFound is wrapped by errors for a missing group member or attribute.
var ErrNotFound = errors.New("not found")

// resolve returns the object header address of the member called name.
func (g *Group) resolve(name string) (uint64, error) {
	if err := g.loadLinks(); err != nil {
		return 0, err
	}
	l, ok := g.links[name]
	if !ok {
		return 0, fmt.Errorf("h5: %s: %w", joinPath(g.path, name), ErrNotFound)
	}
	if l.kind != "" {
		return 0, fmt.Errorf("h5: %s is a %s link, which this reader does not follow", joinPath(g.path, name), l.kind)
	}
	return l.addr, nil
}

// loadLinks fills g.links from whichever storage the group uses.
func (g *Group) loadLinks() error {
	g.linksMu.Lock()
	defer g.linksMu.Unlock()
	if g.links != nil {
		return nil
	}
	links := map[string]link{}
	add := func(name string, l link) error {
		if len(links) >= maxMembers {
			return fmt.Errorf("h5: group %s has more than %d members", g.path, maxMembers)
		}
		links[name] = l
		return nil
	}
	var err error
	if m := g.hdr.first(msgSymbolTable); m != nil {
		err = g.f.fr.readSymbolTable(m.data, add)
	} else {
		err = g.f.fr.readLinks(g.hdr, add)
	}
	if err != nil {
		return fmt.Errorf("h5: group %s: %w", g.path, err)
	}
	g.links = links
	return nil
}

// Attr returns the attribute called name attached to the group.
func (g *Group) Attr(name string) (*Attribute, error) {
	var found *Attribute
	err := g.f.fr.eachAttribute(g.hdr, func(a *Attribute) bool {
		if a.name == name {
			found = a
			return false
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("h5: attributes of %s: %w", g.path, err)
	}
	if found == nil {
		return nil, fmt.Errorf("h5: attribute %q of %s: %w", name, g.path, ErrNotFound)
	}
	found.f = g.f
	return found, nil
}

// AttrNames returns the names of the group's attributes, sorted.
func (g *Group) AttrNames() ([]string, error) {
	var names []string
	err := g.f.fr.eachAttribute(g.hdr, func(a *Attribute) bool {
		names = append(names, a.name)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("h5: attributes of %s: %w", g.path, err)
	}
	sort.Strings(names)
	return names, nil
}

func joinPath(dir, name string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}
