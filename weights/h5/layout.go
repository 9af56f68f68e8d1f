// Data layout and filter pipeline messages: where a dataset's bytes are and
// how they were encoded.
//
// HDF5 File Format Specification v3.0: §IV.A.2.i "Data Layout Message"
// (versions 3 and 4; classes compact, contiguous, chunked) and §IV.A.2.l
// "Data Storage - Filter Pipeline Message" (versions 1 and 2).
package h5

import (
	"fmt"
)

// Layout classes (§IV.A.2.i "Layout Class").
const (
	layoutCompact    = 0
	layoutContiguous = 1
	layoutChunked    = 2
)

// Chunk index types of layout version 4 ("Chunk Indexing Type"); version 3
// always uses a v1 B-tree, recorded here as indexBTreeV1.
const (
	indexBTreeV1     = 0
	indexSingleChunk = 1
	indexImplicit    = 2
	indexFixedArray  = 3
	indexExtensible  = 4
	indexBTreeV2     = 5
)

type layout struct {
	class   int
	compact []byte // compact: the raw data
	addr    uint64 // contiguous: data address; chunked: index address
	size    uint64 // contiguous: data size
	// chunked only:
	chunkDims    []uint64 // chunk shape in elements (the trailing element-size dimension dropped)
	index        int
	singleSize   uint64 // single chunk, filtered: stored size
	singleMask   uint32 // single chunk, filtered: filter mask
	singleFilter bool
	pageBits     int // fixed array: log2 of elements per data block page
}

// decodeLayout decodes a data layout message body.
func (fr *fileReader) decodeLayout(b []byte) (*layout, error) {
	d := fr.decoder(b, "data layout message")
	version := int(d.u8())
	if d.err == nil && (version < 3 || version > 4) {
		return nil, fmt.Errorf("h5: data layout message version %d is not supported (want 3 or 4)", version)
	}
	l := &layout{class: int(d.u8())}
	switch l.class {
	case layoutCompact:
		n := int(d.u16())
		l.compact = d.take(n)
	case layoutContiguous:
		l.addr, l.size = d.addr(), d.length()
	case layoutChunked:
		var ndims, dimBytes int
		if version == 3 {
			ndims, dimBytes = int(d.u8()), 4
			l.addr = d.addr()
		} else {
			flags := d.u8()
			l.singleFilter = flags&2 != 0
			ndims, dimBytes = int(d.u8()), int(d.u8())
			if dimBytes < 1 || dimBytes > 8 {
				d.fail("chunk dimension size of %d bytes", dimBytes)
			}
		}
		if ndims < 2 || ndims > maxRank+1 {
			d.fail("chunk dimensionality %d", ndims)
		}
		for i := 0; i < ndims && d.err == nil; i++ {
			v := d.uint(dimBytes)
			if i < ndims-1 { // the last "dimension" is the element size
				if v == 0 {
					d.fail("chunk dimension of 0")
				}
				l.chunkDims = append(l.chunkDims, v)
			}
		}
		if version == 3 {
			l.index = indexBTreeV1
			break
		}
		l.index = int(d.u8())
		switch l.index {
		case indexSingleChunk:
			if l.singleFilter {
				l.singleSize, l.singleMask = d.length(), d.u32()
			}
		case indexImplicit:
		case indexFixedArray:
			l.pageBits = int(d.u8())
		case indexExtensible:
			d.skip(5)
		case indexBTreeV2:
			d.skip(6)
		default:
			d.fail("chunk index type %d", l.index)
		}
		l.addr = d.addr()
	default:
		if d.err == nil {
			return nil, fmt.Errorf("h5: data layout class %d is not supported (virtual datasets are not)", l.class)
		}
	}
	return l, d.err
}

// Filter identifiers (§IV.A.2.l "Filter Identification Value").
const (
	filterDeflate    = 1
	filterShuffle    = 2
	filterFletcher32 = 3
)

type filter struct {
	id     int
	name   string
	params []uint32
}

// decodeFilters decodes a filter pipeline message body.
func (fr *fileReader) decodeFilters(b []byte) ([]filter, error) {
	d := fr.decoder(b, "filter pipeline message")
	version, n := d.u8(), int(d.u8())
	if version == 1 {
		d.skip(6)
	} else if version != 2 && d.err == nil {
		return nil, fmt.Errorf("h5: filter pipeline version %d (want 1 or 2)", version)
	}
	var out []filter
	for i := 0; i < n && d.err == nil; i++ {
		f := filter{id: int(d.u16())}
		nameLen := 0
		if version == 1 || f.id >= 256 {
			nameLen = int(d.u16())
		}
		d.u16() // flags: bit 0 "optional"; a skipped optional filter shows in the chunk's mask
		nParams := int(d.u16())
		if nameLen > 0 {
			name := d.take(nameLen)
			if version == 1 {
				d.skip((8 - nameLen%8) % 8)
			}
			for j, c := range name {
				if c == 0 {
					name = name[:j]
					break
				}
			}
			f.name = string(name)
		}
		if nParams > d.remaining()/4 {
			d.fail("filter with %d parameters", nParams)
		}
		for j := 0; j < nParams && d.err == nil; j++ {
			f.params = append(f.params, d.u32())
		}
		if version == 1 && nParams%2 == 1 {
			d.skip(4)
		}
		out = append(out, f)
	}
	return out, d.err
}
