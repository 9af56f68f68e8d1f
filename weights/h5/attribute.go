// Attributes: small named arrays attached to an object header, stored as
// attribute messages in the header or, past a threshold, in a fractal heap
// indexed by a v2 B-tree ("dense" storage).
//
// HDF5 File Format Specification v3.0: §IV.A.2.m "Attribute Message"
// (versions 1–3), §IV.A.2.v "Attribute Info Message", §III.A.2 record type 8
// "Attribute Name for Indexed Attributes", and §III.E "Global Heap" for
// variable-length strings.
package h5

import (
	"bytes"
	"errors"
	"fmt"
)

// Attribute is one attribute, with its raw element bytes.
type Attribute struct {
	f     *File
	name  string
	dtype *datatype
	space *dataspace
	data  []byte // space.count elements of dtype.size bytes
}

// Name returns the attribute's name.
func (a *Attribute) Name() string { return a.name }

// Shape returns the attribute's dimensions (empty for a scalar).
func (a *Attribute) Shape() []int { return intDims(a.space.dims) }

// Strings returns the elements of a string attribute: fixed-length strings
// with trailing padding (NULs, or spaces for space-padded strings) removed,
// or variable-length strings read from the global heap. A scalar gives one string.
func (a *Attribute) Strings() ([]string, error) {
	n := int(a.space.count)
	switch a.dtype.class {
	case classString:
		out := make([]string, n)
		size := int(a.dtype.size)
		for i := range out {
			s := a.data[i*size : (i+1)*size]
			if end := bytes.IndexByte(s, 0); end >= 0 {
				s = s[:end]
			}
			if a.dtype.spacePad {
				s = bytes.TrimRight(s, " ")
			}
			out[i] = string(s)
		}
		return out, nil
	case classVarLen:
		if !a.dtype.vlenStr {
			break
		}
		return a.f.fr.readVarLenStrings(a.data, n)
	}
	return nil, fmt.Errorf("h5: attribute %q holds %s, not strings", a.name, a.dtype.describe())
}

// errStop ends an attribute walk early.
var errStop = errors.New("stop")

// eachAttribute calls fn for every attribute of the object until fn returns false.
func (fr *fileReader) eachAttribute(h *objectHeader, fn func(*Attribute) bool) error {
	for _, m := range h.msgs {
		if m.typ != msgAttribute {
			continue
		}
		a, err := fr.decodeAttribute(m.data, m.flags)
		if err != nil {
			return err
		}
		if !fn(a) {
			return nil
		}
	}
	info := h.first(msgAttributeInfo)
	if info == nil {
		return nil
	}
	d := fr.decoder(info.data, "attribute info message")
	if v := d.u8(); v != 0 && d.err == nil {
		return fmt.Errorf("h5: attribute info message version %d (want 0)", v)
	}
	if flags := d.u8(); flags&1 != 0 {
		d.u16() // maximum creation index
	}
	heapAddr, nameIndexAddr := d.addr(), d.addr()
	if d.err != nil {
		return d.err
	}
	if heapAddr == undefAddr {
		return nil
	}
	heap, err := fr.openFractalHeap(heapAddr)
	if err != nil {
		return err
	}
	const recordTypeAttrName = 8
	err = fr.walkBTreeV2(nameIndexAddr, recordTypeAttrName, func(rec []byte) error {
		// Record: heap ID (8), message flags (1), creation order (4), name hash (4).
		if len(rec) != 17 {
			return fmt.Errorf("h5: attribute name record of %d bytes, want 17", len(rec))
		}
		obj, err := heap.object(rec[:8])
		if err != nil {
			return err
		}
		a, err := fr.decodeAttribute(obj, rec[8])
		if err != nil {
			return err
		}
		if !fn(a) {
			return errStop
		}
		return nil
	})
	if err == errStop {
		return nil
	}
	return err
}

// decodeAttribute decodes an attribute message body (§IV.A.2.m).
func (fr *fileReader) decodeAttribute(b []byte, msgFlags uint8) (*Attribute, error) {
	if msgFlags&msgFlagShared != 0 {
		return nil, fmt.Errorf("h5: shared attribute messages are not supported")
	}
	d := fr.decoder(b, "attribute message")
	version := d.u8()
	flags := d.u8()
	nameLen, typeLen, spaceLen := int(d.u16()), int(d.u16()), int(d.u16())
	if version == 3 {
		d.u8() // name character set
	}
	if d.err != nil {
		return nil, d.err
	}
	if version < 1 || version > 3 {
		return nil, fmt.Errorf("h5: attribute message version %d (want 1–3)", version)
	}
	if flags&3 != 0 {
		return nil, fmt.Errorf("h5: attributes with shared datatype or dataspace are not supported")
	}
	// Version 1 pads name, datatype and dataspace to multiples of 8 bytes.
	field := func(n int) []byte {
		f := d.take(n)
		if version == 1 {
			d.skip((8 - n%8) % 8)
		}
		return f
	}
	name := field(nameLen)
	typeMsg := field(typeLen)
	spaceMsg := field(spaceLen)
	if d.err != nil {
		return nil, d.err
	}
	a := &Attribute{name: string(bytes.TrimRight(name, "\x00"))}
	var err error
	if a.dtype, err = fr.decodeDatatype(typeMsg); err != nil {
		return nil, fmt.Errorf("attribute %q: %w", a.name, err)
	}
	// Every element takes at least one byte of the message, which bounds the count.
	if a.space, err = fr.decodeDataspace(spaceMsg, uint64(len(b))); err != nil {
		return nil, fmt.Errorf("attribute %q: %w", a.name, err)
	}
	n := a.space.count * a.dtype.size // both bounded by len(b): no overflow
	if n > uint64(d.remaining()) {
		return nil, fmt.Errorf("h5: attribute %q: %d elements of %d bytes exceed the message", a.name, a.space.count, a.dtype.size)
	}
	a.data = d.take(int(n))
	return a, nil
}

// intDims converts dimensions to ints (they were bounded by the file size when decoded).
func intDims(dims []uint64) []int {
	out := make([]int, len(dims))
	for i, v := range dims {
		out[i] = int(v)
	}
	return out
}
