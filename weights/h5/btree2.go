// Version 2 B-trees: iterate every record.
//
// HDF5 File Format Specification v3.0, §III.A.2 "Version 2 B-trees": header
// "BTHD", internal nodes "BTIN", leaf nodes "BTLF". Internal nodes store, per
// child, its address, its record count and (below depth 1) the total records
// in its subtree; those counts use the fewest bytes that hold their maxima,
// which follow from the node size and record size (as libhdf5's
// H5B2__hdr_init computes them).
package h5

import (
	"fmt"
	"math/bits"
)

// btreeV2 holds a v2 B-tree header and the derived per-depth field widths.
type btreeV2 struct {
	fr         *fileReader
	recordType int
	nodeSize   uint64
	recordSize int
	depth      int
	// nrecSize is the width of "number of records in child"; cumNrecSize[d] the
	// width of "total records in child" for a child at depth d.
	nrecSize    int
	cumNrecSize []int
	seen        map[uint64]bool
}

const btreeV2Overhead = 4 + 1 + 1 + 4 // signature, version, type, checksum

// encSize is the number of bytes needed to encode n (libhdf5 H5VM_limit_enc_size).
func encSize(n uint64) int { return (bits.Len64(n)-1)/8 + 1 }

// walkBTreeV2 calls visit for every record of the v2 B-tree at addr, which must hold records of recordType.
func (fr *fileReader) walkBTreeV2(addr uint64, recordType int, visit func([]byte) error) error {
	b, err := fr.read(addr, uint64(4+1+1+4+2+2+1+1+fr.offSize+2+fr.lenSize+4))
	if err != nil {
		return fmt.Errorf("v2 B-tree header: %w", err)
	}
	d := fr.decoder(b, "v2 B-tree header")
	d.signature("BTHD")
	if v := d.u8(); v != 0 && d.err == nil {
		return fmt.Errorf("h5: v2 B-tree version %d (want 0)", v)
	}
	t := &btreeV2{fr: fr, recordType: int(d.u8()), seen: map[uint64]bool{}}
	t.nodeSize = uint64(d.u32())
	t.recordSize = int(d.u16())
	t.depth = int(d.u16())
	d.skip(2) // split and merge percents
	rootAddr := d.addr()
	rootRecords := int(d.u16())
	if d.err != nil {
		return d.err
	}
	if t.recordType != recordType {
		return fmt.Errorf("h5: v2 B-tree holds record type %d, want %d", t.recordType, recordType)
	}
	if t.recordSize == 0 || t.nodeSize <= btreeV2Overhead || t.nodeSize > uint64(fr.size) || t.depth > maxDepth {
		return fmt.Errorf("h5: v2 B-tree with node size %d, record size %d, depth %d is implausible", t.nodeSize, t.recordSize, t.depth)
	}
	if err := t.initFieldSizes(); err != nil {
		return err
	}
	if rootAddr == undefAddr {
		return nil // empty tree
	}
	return t.walk(rootAddr, rootRecords, t.depth, visit)
}

// initFieldSizes derives the child-pointer field widths for every depth.
func (t *btreeV2) initFieldSizes() error {
	leafMax := (t.nodeSize - btreeV2Overhead) / uint64(t.recordSize)
	if leafMax == 0 {
		return fmt.Errorf("h5: v2 B-tree node of %d bytes holds no %d-byte record", t.nodeSize, t.recordSize)
	}
	t.nrecSize = encSize(leafMax)
	t.cumNrecSize = make([]int, t.depth+1)
	cumMax := leafMax // most records in a subtree rooted at the previous depth
	for dep := 1; dep <= t.depth; dep++ {
		ptrSize := uint64(t.fr.offSize + t.nrecSize)
		if dep > 1 {
			ptrSize += uint64(t.cumNrecSize[dep-1])
		}
		if t.nodeSize < btreeV2Overhead+ptrSize {
			return fmt.Errorf("h5: v2 B-tree node of %d bytes too small for depth %d", t.nodeSize, dep)
		}
		intMax := (t.nodeSize - btreeV2Overhead - ptrSize) / (uint64(t.recordSize) + ptrSize)
		hi, lo := bits.Mul64(intMax+1, cumMax)
		if hi != 0 || lo+intMax < lo {
			return fmt.Errorf("h5: v2 B-tree record count overflows at depth %d", dep)
		}
		cumMax = lo + intMax
		t.cumNrecSize[dep] = encSize(cumMax)
	}
	return nil
}

// walk visits the node at addr, which has nrec records and sits at depth dep (0 = leaf).
func (t *btreeV2) walk(addr uint64, nrec, dep int, visit func([]byte) error) error {
	if t.seen[addr] {
		return fmt.Errorf("h5: v2 B-tree node %#x reached twice (cycle)", addr)
	}
	t.seen[addr] = true
	b, err := t.fr.read(addr, t.nodeSize)
	if err != nil {
		return fmt.Errorf("v2 B-tree node: %w", err)
	}
	d := t.fr.decoder(b, "v2 B-tree node")
	if dep == 0 {
		d.signature("BTLF")
	} else {
		d.signature("BTIN")
	}
	d.u8() // version
	if typ := int(d.u8()); typ != t.recordType && d.err == nil {
		return fmt.Errorf("h5: v2 B-tree node record type %d, want %d", typ, t.recordType)
	}
	records := make([][]byte, nrec)
	for i := range records {
		records[i] = d.take(t.recordSize)
	}
	if d.err != nil {
		return d.err
	}
	if dep == 0 {
		for _, r := range records {
			if err := visit(r); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i <= nrec; i++ {
		child := d.addr()
		childRecords := int(d.uint(t.nrecSize))
		if dep > 1 {
			d.uint(t.cumNrecSize[dep-1])
		}
		if d.err != nil {
			return d.err
		}
		if err := t.walk(child, childRecords, dep-1, visit); err != nil {
			return err
		}
		if i < nrec {
			if err := visit(records[i]); err != nil {
				return err
			}
		}
	}
	return nil
}
