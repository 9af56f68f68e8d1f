// Fractal heaps: fetching an object by heap ID.
//
// HDF5 File Format Specification v3.0, §III.G "Disk Format: Level 1G -
// Fractal Heap": header "FRHP", indirect blocks "FHIB", direct blocks
// "FHDB", and heap IDs (managed, huge, tiny). The managed address space is a
// "doubling table": each row has tableWidth blocks, rows 0 and 1 of the
// starting block size, every later row twice the previous; rows past the
// largest direct block size hold indirect blocks with their own rows.
// Object offsets count from the start of their direct block, header included,
// so an object is read straight from the block's address without decoding it.
package h5

import (
	"fmt"
	"math/bits"
)

type fractalHeap struct {
	fr           *fileReader
	idLen        int
	maxHeapBits  int    // "maximum heap size": log2 of the managed address space
	tableWidth   uint64 // blocks per row
	startBlock   uint64 // starting block size
	maxDirect    uint64 // maximum direct block size
	rootAddr     uint64
	rootRows     uint64 // 0: the root is a direct block
	offBytes     int    // heap-offset field width in IDs and block headers
	lenBytes     int    // length field width in managed IDs
	maxDirectRow uint64 // rows [0, maxDirectRow) hold direct blocks
	filtered     bool
}

// openFractalHeap decodes the heap header at addr.
func (fr *fileReader) openFractalHeap(addr uint64) (*fractalHeap, error) {
	n := uint64(4 + 1 + 2 + 2 + 1 + 4 + 12*fr.lenSize + 3*fr.offSize + 2 + 2 + 2 + 2 + 4)
	b, err := fr.read(addr, n)
	if err != nil {
		return nil, fmt.Errorf("fractal heap header: %w", err)
	}
	d := fr.decoder(b, "fractal heap header")
	d.signature("FRHP")
	if v := d.u8(); v != 0 && d.err == nil {
		return nil, fmt.Errorf("h5: fractal heap version %d (want 0)", v)
	}
	h := &fractalHeap{fr: fr}
	h.idLen = int(d.u16())
	h.filtered = d.u16() != 0 // I/O filters' encoded length
	d.u8()                    // flags
	maxManaged := uint64(d.u32())
	d.length() // next huge object ID
	d.addr()   // v2 B-tree address of huge objects
	d.length() // free space in managed blocks
	d.addr()   // free-space manager address
	d.length() // managed space in heap
	d.length() // allocated managed space
	d.length() // direct block allocation iterator offset
	d.length() // managed objects
	d.length() // size of huge objects
	d.length() // huge objects
	d.length() // size of tiny objects
	d.length() // tiny objects
	h.tableWidth = uint64(d.u16())
	h.startBlock = d.length()
	h.maxDirect = d.length()
	h.maxHeapBits = int(d.u16())
	d.u16() // starting rows in root indirect block
	h.rootAddr = d.addr()
	h.rootRows = uint64(d.u16())
	if d.err != nil {
		return nil, d.err
	}
	pow2 := func(v uint64) bool { return v != 0 && v&(v-1) == 0 }
	if h.tableWidth == 0 || h.tableWidth > 1<<16 || !pow2(h.startBlock) || !pow2(h.maxDirect) ||
		h.maxDirect < h.startBlock || h.maxDirect > 1<<40 || h.maxHeapBits == 0 || h.maxHeapBits > 64 || h.rootRows > 64 {
		return nil, fmt.Errorf("h5: fractal heap header at %#x has implausible table parameters", addr)
	}
	h.offBytes = (h.maxHeapBits + 7) / 8
	h.lenBytes = min((log2(h.maxDirect)+7)/8, encSize(maxManaged))
	h.maxDirectRow = uint64(log2(h.maxDirect) - log2(h.startBlock) + 2)
	return h, nil
}

func log2(v uint64) int { return bits.Len64(v) - 1 }

// rowBlockSize is the size of each block in row r of a doubling table.
func (h *fractalHeap) rowBlockSize(r uint64) uint64 {
	if r == 0 {
		return h.startBlock
	}
	if r-1 >= 64-uint64(log2(h.startBlock)) {
		return 0 // beyond any addressable heap; callers treat 0 as corrupt
	}
	return h.startBlock << (r - 1)
}

// object returns the bytes of the heap object with the given ID.
func (h *fractalHeap) object(id []byte) ([]byte, error) {
	if len(id) == 0 {
		return nil, fmt.Errorf("h5: empty fractal heap ID")
	}
	switch kind := id[0] >> 4 & 3; kind {
	case 0: // managed: offset, length
		d := h.fr.decoder(id[1:], "managed heap ID")
		off, n := d.uint(h.offBytes), d.uint(h.lenBytes)
		if d.err != nil {
			return nil, d.err
		}
		return h.managed(off, n)
	case 2: // tiny: the object is in the ID itself
		n := int(id[0]&0x0f) + 1
		data := id[1:]
		if h.idLen > 18 { // extended tiny: 12-bit length
			if len(id) < 2 {
				return nil, fmt.Errorf("h5: short tiny heap ID")
			}
			n = (int(id[0]&0x0f)<<8 | int(id[1])) + 1
			data = id[2:]
		}
		if n > len(data) {
			return nil, fmt.Errorf("h5: tiny heap object of %d bytes in a %d-byte ID", n, len(id))
		}
		return data[:n], nil
	default:
		return nil, fmt.Errorf("h5: fractal heap ID type %d (huge objects) is not supported", kind)
	}
}

// managed reads n bytes at heap offset off.
func (h *fractalHeap) managed(off, n uint64) ([]byte, error) {
	if h.filtered {
		return nil, fmt.Errorf("h5: filtered fractal heap blocks are not supported")
	}
	if h.rootRows == 0 { // the root is a single direct block
		if off > h.startBlock || n > h.startBlock-off {
			return nil, fmt.Errorf("h5: heap object [%d,+%d) outside root block of %d bytes", off, n, h.startBlock)
		}
		return h.fr.read(h.rootAddr+off, n)
	}
	return h.fromIndirect(h.rootAddr, h.rootRows, 0, off, n, 0)
}

// fromIndirect finds heap offset off below the indirect block at addr, which
// has nrows rows and starts at heap offset base.
func (h *fractalHeap) fromIndirect(addr, nrows, base, off, n uint64, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("h5: fractal heap deeper than %d", maxDepth)
	}
	if err := h.checkIndirect(addr); err != nil {
		return nil, err
	}
	// Locate row r and column c of the block holding off.
	rel := off - base
	if off < base {
		return nil, fmt.Errorf("h5: heap offset %d below block base %d", off, base)
	}
	var r uint64
	for ; r < nrows; r++ {
		size := h.rowBlockSize(r)
		if size == 0 {
			break
		}
		hi, rowSpan := bits.Mul64(size, h.tableWidth)
		if hi != 0 || rel < rowSpan {
			break
		}
		rel -= rowSpan
	}
	size := h.rowBlockSize(r)
	if r >= nrows || size == 0 {
		return nil, fmt.Errorf("h5: heap offset %d beyond indirect block at %#x", off, addr)
	}
	c := rel / size
	within := rel % size
	// Entry (r, c) address: every entry before it is one address wide
	// (unfiltered heaps have no per-entry size or mask).
	entryAddrAt := addr + uint64(4+1+h.fr.offSize+h.offBytes) + (r*h.tableWidth+c)*uint64(h.fr.offSize)
	b, err := h.fr.read(entryAddrAt, uint64(h.fr.offSize))
	if err != nil {
		return nil, fmt.Errorf("fractal heap indirect block: %w", err)
	}
	child := h.fr.decoder(b, "fractal heap entry").addr()
	if child == undefAddr {
		return nil, fmt.Errorf("h5: heap offset %d lies in an unallocated block", off)
	}
	if r < h.maxDirectRow {
		if n > size-within {
			return nil, fmt.Errorf("h5: heap object [%d,+%d) crosses its direct block", off, n)
		}
		return h.fr.read(child+within, n)
	}
	childRows := uint64(log2(size) - log2(h.startBlock*h.tableWidth) + 1)
	if childRows >= nrows {
		return nil, fmt.Errorf("h5: fractal heap indirect block does not shrink")
	}
	return h.fromIndirect(child, childRows, off-within, off, n, depth+1)
}

// checkIndirect verifies the "FHIB" signature of the indirect block at addr.
func (h *fractalHeap) checkIndirect(addr uint64) error {
	b, err := h.fr.read(addr, 4)
	if err != nil {
		return err
	}
	if string(b) != "FHIB" {
		return fmt.Errorf("h5: fractal heap indirect block signature %q, want \"FHIB\"", b)
	}
	return nil
}
