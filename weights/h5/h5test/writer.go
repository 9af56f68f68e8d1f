// Package h5test writes small HDF5 files for tests: groups, fixed-length string-array
// attributes and contiguous little-endian float32 datasets, nothing else. It exists because
// tests need Keras weight files with chosen layer names (weights/keras, weights/convert) and
// no HDF5 library is at hand; weights/h5 is the reader it is checked against.
//
// What it writes (HDF5 File Format Specification v3.0): a version 2 superblock (§II.A; its
// checksum is left zero, which weights/h5 does not verify, but libhdf5 would refuse), and
// version 1 object headers (§IV.A.1.a) holding for groups a Link Info message (§IV.A.2.c) and
// Link messages for the members (§IV.A.2.g),
// Attribute messages version 1 (§IV.A.2.m), and for datasets a Dataspace version 1
// (§IV.A.2.b), a Datatype (§IV.A.2.d: class 1 IEEE binary32, class 3 null-terminated string)
// and a Data Layout version 3, contiguous (§IV.A.2.i).
package h5test

import (
	"encoding/binary"
	"math"
)

// Group is a group being built; the root one is the file.
type Group struct {
	attrs   [][]byte // attribute message bodies
	members []member
}

type member struct {
	name  string
	group *Group
	shape []int
	data  []float32
}

// New returns an empty root group.
func New() *Group { return &Group{} }

// Group adds and returns a member group.
func (g *Group) Group(name string) *Group {
	c := &Group{}
	g.members = append(g.members, member{name: name, group: c})
	return c
}

// Float32s adds a dataset of the given shape (row-major data).
func (g *Group) Float32s(name string, shape []int, data []float32) {
	g.members = append(g.members, member{name: name, shape: shape, data: data})
}

// Strings adds a one-dimensional fixed-length string attribute, as h5py stores a numpy 'S' array.
func (g *Group) Strings(name string, values []string) {
	size := 1
	for _, v := range values {
		size = max(size, len(v))
	}
	dtype := le(nil, uint8(0x13), uint8(0), uint8(0), uint8(0), uint32(size))
	data := make([]byte, size*len(values))
	for i, v := range values {
		copy(data[i*size:], v)
	}
	var b []byte
	b = le(b, uint8(1), uint8(0), uint16(len(name)+1), uint16(len(dtype)), uint16(len(dataspace(len(values)))))
	b = append(b, pad8(append([]byte(name), 0))...)
	b = append(b, pad8(dtype)...)
	b = append(b, pad8(dataspace(len(values)))...)
	g.attrs = append(g.attrs, append(b, data...))
}

// Bytes lays the file out: the superblock, then every object after its members.
func (g *Group) Bytes() []byte {
	w := &writer{buf: make([]byte, 48)}
	root := w.group(g)
	sb := append([]byte("\x89HDF\r\n\x1a\n"), 2, 8, 8, 0)
	sb = le(sb, uint64(0), uint64(math.MaxUint64), uint64(len(w.buf)), root, uint32(0))
	copy(w.buf, sb)
	return w.buf
}

type writer struct{ buf []byte }

// group writes g's members, then g's object header, and returns its address.
func (w *writer) group(g *Group) uint64 {
	// A Link Info message (§IV.A.2.c: compact storage, no heap, no index) marks a group even
	// when it has no members.
	msgs := [][2][]byte{{{0x02}, le([]byte{0, 0}, uint64(math.MaxUint64), uint64(math.MaxUint64))}} // type, body
	for _, m := range g.members {
		var addr uint64
		if m.group != nil {
			addr = w.group(m.group)
		} else {
			addr = w.dataset(m.shape, m.data)
		}
		link := le(nil, uint8(1), uint8(1), uint16(len(m.name))) // flags 1: a 2-byte name length
		link = le(append(link, m.name...), addr)
		msgs = append(msgs, [2][]byte{{0x06}, link})
	}
	for _, a := range g.attrs {
		msgs = append(msgs, [2][]byte{{0x0C}, a})
	}
	return w.header(msgs)
}

func (w *writer) dataset(shape []int, data []float32) uint64 {
	w.align()
	at := uint64(len(w.buf))
	for _, v := range data {
		w.buf = le(w.buf, math.Float32bits(v))
	}
	space := le([]byte{1, uint8(len(shape)), 0, 0, 0, 0, 0, 0})
	for _, n := range shape {
		space = le(space, uint64(n))
	}
	dtype := le(nil, uint8(0x11), uint8(0x20), uint8(0x1f), uint8(0), uint32(4),
		uint16(0), uint16(32), uint8(23), uint8(8), uint8(0), uint8(23), uint32(127))
	layout := le(nil, uint8(3), uint8(1), at, uint64(4*len(data)))
	return w.header([][2][]byte{{{0x01}, space}, {{0x03}, dtype}, {{0x08}, layout}})
}

// header writes a version 1 object header and returns its address.
func (w *writer) header(msgs [][2][]byte) uint64 {
	var body []byte
	for _, m := range msgs {
		b := pad8(m[1])
		body = le(body, uint16(m[0][0]), uint16(len(b)), uint8(0), uint8(0), uint8(0), uint8(0))
		body = append(body, b...)
	}
	w.align()
	at := uint64(len(w.buf))
	w.buf = le(w.buf, uint8(1), uint8(0), uint16(len(msgs)), uint32(1), uint32(len(body)), uint32(0))
	w.buf = append(w.buf, body...)
	return at
}

func (w *writer) align() {
	for len(w.buf)%8 != 0 {
		w.buf = append(w.buf, 0)
	}
}

func dataspace(n int) []byte { return le([]byte{1, 1, 0, 0, 0, 0, 0, 0}, uint64(n)) }

func pad8(b []byte) []byte {
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

// le appends each value little-endian.
func le(b []byte, vs ...any) []byte {
	for _, v := range vs {
		b, _ = binary.Append(b, binary.LittleEndian, v)
	}
	return b
}
