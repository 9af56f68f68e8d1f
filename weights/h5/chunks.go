// Chunked storage: enumerate a dataset's chunks through its chunk index and
// assemble them into one row-major array.
//
// HDF5 File Format Specification v3.0: §IV.A.2.i (chunk indexing types),
// §III.A.1 v1 B-tree node type 1 (raw data chunks; layout version 3),
// §III.A.2 record types 10 and 11 and §VII.E (chunks in a v2 B-tree), and
// §VII.C "The Fixed Array Index" ("FAHD" header, "FADB" data block, optionally
// paged). Single-chunk (§VII.A) and implicit (§VII.B) indexes need no
// structure beyond the layout message. Extensible-array indexes (§VII.D) are
// not supported.
package h5

import (
	"fmt"
	"math/bits"
)

// storedChunk locates one stored chunk.
type storedChunk struct {
	index uint64 // row-major position in the grid of chunks
	addr  uint64
	size  uint64 // bytes stored (after filters)
	mask  uint32 // filter mask: bit i set = filter i was not applied
}

// chunkGrid describes how a dataset is cut into chunks.
type chunkGrid struct {
	dims       []uint64 // dataset shape
	chunk      []uint64 // chunk shape
	counts     []uint64 // chunks along each axis
	total      uint64   // number of chunks
	chunkBytes uint64   // bytes in one full chunk
	elemSize   uint64
}

func (ds *Dataset) grid() (*chunkGrid, error) {
	g := &chunkGrid{dims: ds.space.dims, chunk: ds.layout.chunkDims, total: 1, elemSize: ds.dtype.size}
	limit := ds.maxBytes()
	g.chunkBytes = g.elemSize
	for i, c := range g.chunk {
		if c > limit || g.chunkBytes > limit/c {
			return nil, fmt.Errorf("chunk shape %v is larger than the file allows", g.chunk)
		}
		g.chunkBytes *= c
		count := (g.dims[i] + c - 1) / c
		g.counts = append(g.counts, count)
		if count != 0 && g.total > limit/count {
			return nil, fmt.Errorf("too many chunks")
		}
		g.total *= count
	}
	return g, nil
}

// origin returns the element coordinates of chunk number index.
func (g *chunkGrid) origin(index uint64) []uint64 {
	o := make([]uint64, len(g.dims))
	for i := len(g.dims) - 1; i >= 0; i-- {
		o[i] = index % g.counts[i] * g.chunk[i]
		index /= g.counts[i]
	}
	return o
}

// indexOf returns the grid position of the chunk starting at element
// coordinates origin, or false if origin is not a chunk boundary in range.
func (g *chunkGrid) indexOf(origin []uint64) (uint64, bool) {
	if len(origin) != len(g.dims) {
		return 0, false
	}
	var index uint64
	for i, o := range origin {
		if o%g.chunk[i] != 0 || o/g.chunk[i] >= g.counts[i] {
			return 0, false
		}
		index = index*g.counts[i] + o/g.chunk[i]
	}
	return index, true
}

// readChunked assembles the n-byte dataset from its chunks.
func (ds *Dataset) readChunked(n uint64) ([]byte, error) {
	g, err := ds.grid()
	if err != nil {
		return nil, err
	}
	out := make([]byte, n)
	if n == 0 {
		return out, nil
	}
	seen := map[uint64]bool{}
	err = ds.eachChunk(g, func(c storedChunk) error {
		if c.index >= g.total || seen[c.index] {
			return fmt.Errorf("chunk %d listed twice or out of range", c.index)
		}
		seen[c.index] = true
		stored, err := ds.f.fr.read(c.addr, c.size)
		if err != nil {
			return fmt.Errorf("chunk %d: %w", c.index, err)
		}
		data, err := applyFilters(stored, ds.filters, c.mask, g.chunkBytes)
		if err != nil {
			return fmt.Errorf("chunk %d: %w", c.index, err)
		}
		if uint64(len(data)) != g.chunkBytes {
			return fmt.Errorf("chunk %d holds %d bytes, want %d", c.index, len(data), g.chunkBytes)
		}
		copyChunk(out, g, data, g.origin(c.index))
		return nil
	})
	return out, err
}

// copyChunk copies a full chunk into the row-major dataset buffer dst,
// clipping the parts of edge chunks that lie beyond the dataset. It visits
// only rows inside the dataset, so its work is bounded by the output size.
func copyChunk(dst []byte, g *chunkGrid, chunk []byte, origin []uint64) {
	rank := len(g.dims)
	extent := make([]uint64, rank) // chunk extent inside the dataset, per axis
	for i := range extent {
		extent[i] = min(g.chunk[i], g.dims[i]-origin[i])
	}
	rowBytes := extent[rank-1] * g.elemSize
	pos := make([]uint64, rank) // position inside the chunk; the last axis stays 0
	for {
		var src, dstOff uint64
		for i := 0; i < rank; i++ {
			src = src*g.chunk[i] + pos[i]
			dstOff = dstOff*g.dims[i] + origin[i] + pos[i]
		}
		src *= g.elemSize
		dstOff *= g.elemSize
		copy(dst[dstOff:dstOff+rowBytes], chunk[src:src+rowBytes])
		// Advance the odometer over all axes but the last.
		i := rank - 2
		for ; i >= 0; i-- {
			pos[i]++
			if pos[i] < extent[i] {
				break
			}
			pos[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

// eachChunk calls fn for every chunk the dataset's index lists.
func (ds *Dataset) eachChunk(g *chunkGrid, fn func(storedChunk) error) error {
	l := ds.layout
	fr := &ds.f.fr
	if l.addr == undefAddr {
		return nil // no chunk written yet
	}
	switch l.index {
	case indexBTreeV1:
		return fr.walkChunkBTreeV1(l.addr, -1, len(g.dims), map[uint64]bool{}, g, fn)
	case indexSingleChunk:
		c := storedChunk{addr: l.addr, size: g.chunkBytes}
		if l.singleFilter {
			c.size, c.mask = l.singleSize, l.singleMask
		}
		return fn(c)
	case indexImplicit:
		if hi, _ := bits.Mul64(g.total, g.chunkBytes); hi != 0 {
			return fmt.Errorf("implicit chunk index overflows")
		}
		for i := uint64(0); i < g.total; i++ {
			if err := fn(storedChunk{index: i, addr: l.addr + i*g.chunkBytes, size: g.chunkBytes}); err != nil {
				return err
			}
		}
		return nil
	case indexFixedArray:
		return fr.walkFixedArray(l.addr, g, fn)
	case indexBTreeV2:
		return fr.walkChunkBTreeV2(l.addr, g, len(ds.filters) > 0, fn)
	case indexExtensible:
		return fmt.Errorf("extensible-array chunk indexes (a dataset with an unlimited dimension, libver latest) are not supported")
	}
	return fmt.Errorf("chunk index type %d", l.index)
}

// walkChunkBTreeV1 walks a v1 B-tree of node type 1. Key i (chunk size,
// filter mask, rank+1 element offsets) describes child i.
func (fr *fileReader) walkChunkBTreeV1(addr uint64, wantLevel, rank int, seen map[uint64]bool, g *chunkGrid, fn func(storedChunk) error) error {
	keySize := 4 + 4 + 8*(rank+1)
	node, err := fr.readBTreeV1Node(addr, 1, keySize, wantLevel, seen)
	if err != nil {
		return err
	}
	for i, child := range node.children {
		if node.level > 0 {
			if err := fr.walkChunkBTreeV1(child, node.level-1, rank, seen, g, fn); err != nil {
				return err
			}
			continue
		}
		d := fr.decoder(node.keys[i], "chunk B-tree key")
		c := storedChunk{size: uint64(d.u32()), mask: d.u32(), addr: child}
		origin := make([]uint64, rank)
		for j := range origin {
			origin[j] = d.u64()
		}
		if d.err != nil {
			return d.err
		}
		index, ok := g.indexOf(origin)
		if !ok {
			return fmt.Errorf("chunk at %v is not on the chunk grid", origin)
		}
		c.index = index
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// walkChunkBTreeV2 walks a v2 B-tree of record type 10 (address, scaled
// offsets) or 11 (address, stored size, filter mask, scaled offsets).
func (fr *fileReader) walkChunkBTreeV2(addr uint64, g *chunkGrid, filtered bool, fn func(storedChunk) error) error {
	recordType := 10
	if filtered {
		recordType = 11
	}
	rank := len(g.dims)
	return fr.walkBTreeV2(addr, recordType, func(rec []byte) error {
		d := fr.decoder(rec, "chunk record")
		c := storedChunk{addr: d.addr(), size: g.chunkBytes}
		if filtered {
			sizeLen := len(rec) - fr.offSize - 4 - 8*rank
			if sizeLen < 1 || sizeLen > 8 {
				return fmt.Errorf("h5: filtered chunk record of %d bytes", len(rec))
			}
			c.size, c.mask = d.uint(sizeLen), d.u32()
		}
		origin := make([]uint64, rank)
		for j := range origin {
			scaled := d.u64()
			if scaled >= g.counts[j] {
				return fmt.Errorf("h5: chunk record offset %d beyond %d chunks", scaled, g.counts[j])
			}
			origin[j] = scaled * g.chunk[j]
		}
		if d.err != nil {
			return d.err
		}
		c.index, _ = g.indexOf(origin)
		return fn(c)
	})
}

// walkFixedArray reads a fixed array chunk index (§VII.C): element i is chunk i.
func (fr *fileReader) walkFixedArray(addr uint64, g *chunkGrid, fn func(storedChunk) error) error {
	b, err := fr.read(addr, uint64(4+1+1+1+1+fr.lenSize+fr.offSize))
	if err != nil {
		return fmt.Errorf("fixed array header: %w", err)
	}
	d := fr.decoder(b, "fixed array header")
	d.signature("FAHD")
	d.u8() // version
	client, elemSize, pageBits := d.u8(), uint64(d.u8()), d.u8()
	count, blockAddr := d.length(), d.addr()
	if d.err != nil {
		return d.err
	}
	filtered := client == 1
	minSize := uint64(fr.offSize)
	if filtered {
		minSize += 1 + 4
	}
	if elemSize < minSize || elemSize > minSize+7 || count != g.total || pageBits == 0 || pageBits > 32 {
		return fmt.Errorf("h5: fixed array of %d %d-byte elements (page bits %d) does not fit %d chunks", count, elemSize, pageBits, g.total)
	}
	perPage := uint64(1) << pageBits
	pages := uint64(0)
	bitmapLen := uint64(0)
	if count > perPage {
		pages = (count + perPage - 1) / perPage
		bitmapLen = (pages + 7) / 8
	}
	prefixLen := uint64(4+1+1+fr.offSize) + bitmapLen
	prefix, err := fr.read(blockAddr, prefixLen)
	if err != nil {
		return fmt.Errorf("fixed array data block: %w", err)
	}
	d = fr.decoder(prefix, "fixed array data block")
	d.signature("FADB")
	d.skip(2 + fr.offSize) // version, client, header address
	bitmap := d.take(int(bitmapLen))
	if d.err != nil {
		return d.err
	}
	decode := func(e []byte, index uint64) error {
		ed := fr.decoder(e, "fixed array element")
		c := storedChunk{index: index, addr: ed.addr(), size: g.chunkBytes}
		if filtered {
			c.size = ed.uint(int(elemSize) - fr.offSize - 4)
			c.mask = ed.u32()
		}
		if ed.err != nil || c.addr == undefAddr {
			return ed.err // an unwritten chunk reads as zeros
		}
		return fn(c)
	}
	readRun := func(at, first, n uint64) error {
		elems, err := fr.read(at, n*elemSize) // count ≤ total chunks, elemSize ≤ 20
		if err != nil {
			return fmt.Errorf("fixed array elements: %w", err)
		}
		for i := uint64(0); i < n; i++ {
			if err := decode(elems[i*elemSize:(i+1)*elemSize], first+i); err != nil {
				return err
			}
		}
		return nil
	}
	if pages == 0 {
		return readRun(blockAddr+prefixLen, 0, count)
	}
	// Paged: the prefix has its own checksum, then each page is elements + checksum.
	at := blockAddr + prefixLen + 4
	for p := uint64(0); p < pages; p++ {
		n := min(perPage, count-p*perPage)
		if bitmap[p/8]&(0x80>>(p%8)) != 0 {
			if err := readRun(at, p*perPage, n); err != nil {
				return err
			}
		}
		at += n*elemSize + 4
	}
	return nil
}
