// Datasets: shape and float values.
//
// A dataset is an object header with dataspace (§IV.A.2.b), datatype
// (§IV.A.2.d), data layout (§IV.A.2.i) and optional filter pipeline
// (§IV.A.2.l) messages. Values come back in row-major (C) order of Shape.
// Storage never written (undefined address, missing chunks) reads as zeros;
// fill value messages (§IV.A.2.f) are not consulted.
package h5

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Dataset is an HDF5 dataset.
type Dataset struct {
	f       *File
	path    string
	dtype   *datatype
	space   *dataspace
	layout  *layout
	filters []filter
}

// openDataset reads the object header at addr and its dataset messages.
func (f *File) openDataset(addr uint64, path string) (*Dataset, error) {
	hdr, err := f.fr.readObjectHeader(addr)
	if err != nil {
		return nil, err
	}
	ds := &Dataset{f: f, path: path}
	if err := ds.decode(hdr); err != nil {
		return nil, fmt.Errorf("h5: dataset %s: %w", path, err)
	}
	return ds, nil
}

func (ds *Dataset) decode(hdr *objectHeader) error {
	fr := &ds.f.fr
	need := func(typ uint16, what string) ([]byte, error) {
		m := hdr.first(typ)
		if m == nil {
			if isGroup(hdr) {
				return nil, fmt.Errorf("is a group, not a dataset")
			}
			return nil, fmt.Errorf("no %s message", what)
		}
		if m.flags&msgFlagShared != 0 {
			return nil, fmt.Errorf("shared (committed) %s messages are not supported", what)
		}
		return m.data, nil
	}
	b, err := need(msgLayout, "data layout")
	if err != nil {
		return err
	}
	if ds.layout, err = fr.decodeLayout(b); err != nil {
		return err
	}
	if b, err = need(msgDatatype, "datatype"); err != nil {
		return err
	}
	if ds.dtype, err = fr.decodeDatatype(b); err != nil {
		return err
	}
	if b, err = need(msgDataspace, "dataspace"); err != nil {
		return err
	}
	if m := hdr.first(msgFilters); m != nil {
		if ds.filters, err = fr.decodeFilters(m.data); err != nil {
			return err
		}
	}
	if ds.space, err = fr.decodeDataspace(b, ds.maxBytes()/ds.dtype.size); err != nil {
		return err
	}
	if ds.layout.class == layoutChunked && len(ds.layout.chunkDims) != len(ds.space.dims) {
		return fmt.Errorf("chunk rank %d differs from dataset rank %d", len(ds.layout.chunkDims), len(ds.space.dims))
	}
	return nil
}

// maxBytes bounds the dataset's decoded size (see maxDecodedBytes).
func (ds *Dataset) maxBytes() uint64 {
	for _, f := range ds.filters {
		if f.id == filterDeflate {
			return ds.f.maxDecodedBytes(true)
		}
	}
	return ds.f.maxDecodedBytes(false)
}

// Shape returns the dataset's dimensions (empty for a scalar).
func (ds *Dataset) Shape() []int { return intDims(ds.space.dims) }

// Float32s returns every element as float32, in row-major order; float64 is rounded.
func (ds *Dataset) Float32s() ([]float32, error) {
	if ds.dtype.class != classFloat {
		return nil, fmt.Errorf("h5: dataset %s holds %s, not floats", ds.path, ds.dtype.describe())
	}
	raw, err := ds.rawBytes()
	if err != nil {
		return nil, fmt.Errorf("h5: dataset %s: %w", ds.path, err)
	}
	return decodeFloats(raw, ds.dtype), nil
}

// decodeFloats converts IEEE floats of the given size and byte order to float32.
func decodeFloats(raw []byte, t *datatype) []float32 {
	var order binary.ByteOrder = binary.LittleEndian
	if t.bigEndian {
		order = binary.BigEndian
	}
	out := make([]float32, len(raw)/int(t.size))
	if t.size == 4 {
		for i := range out {
			out[i] = math.Float32frombits(order.Uint32(raw[4*i:]))
		}
	} else {
		for i := range out {
			out[i] = float32(math.Float64frombits(order.Uint64(raw[8*i:])))
		}
	}
	return out
}

// rawBytes returns the dataset's elements as stored, in row-major order.
func (ds *Dataset) rawBytes() ([]byte, error) {
	n := ds.space.count * ds.dtype.size // bounded by maxBytes when decoded
	l := ds.layout
	switch l.class {
	case layoutCompact:
		if uint64(len(l.compact)) < n {
			return nil, fmt.Errorf("compact data of %d bytes, want %d", len(l.compact), n)
		}
		return l.compact[:n], nil
	case layoutContiguous:
		if l.addr == undefAddr || n == 0 {
			return make([]byte, n), nil // never written
		}
		if l.size < n {
			return nil, fmt.Errorf("contiguous storage of %d bytes, want %d", l.size, n)
		}
		return ds.f.fr.read(l.addr, n)
	case layoutChunked:
		return ds.readChunked(n)
	}
	return nil, fmt.Errorf("layout class %d", l.class)
}
