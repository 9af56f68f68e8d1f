// Old-style groups: symbol table message → v1 B-tree → symbol table nodes,
// with member names in a local heap.
//
// HDF5 File Format Specification v3.0: §IV.A.2.r "Symbol Table Message",
// §III.A.1 "Version 1 B-trees" (node type 0, group nodes), §III.B "Group
// Symbol Table Nodes" ("SNOD"), §III.C "Symbol Table Entry" and §III.D
// "Local Heaps" ("HEAP").
package h5

import (
	"bytes"
	"fmt"
)

// readSymbolTable calls add for every entry of the group whose symbol table message is msg.
func (fr *fileReader) readSymbolTable(msg []byte, add func(string, link) error) error {
	d := fr.decoder(msg, "symbol table message")
	btreeAddr, heapAddr := d.addr(), d.addr()
	if d.err != nil {
		return d.err
	}
	heap, err := fr.readLocalHeap(heapAddr)
	if err != nil {
		return err
	}
	seen := map[uint64]bool{}
	return fr.walkGroupBTree(btreeAddr, -1, seen, func(snodAddr uint64) error {
		return fr.readSymbolNode(snodAddr, heap, add)
	})
}

// readLocalHeap returns the data segment of the local heap at addr (§III.D).
func (fr *fileReader) readLocalHeap(addr uint64) ([]byte, error) {
	hdrLen := uint64(8 + 2*fr.lenSize + fr.offSize)
	b, err := fr.read(addr, hdrLen)
	if err != nil {
		return nil, fmt.Errorf("local heap: %w", err)
	}
	d := fr.decoder(b, "local heap")
	d.signature("HEAP")
	if v := d.u8(); v != 0 && d.err == nil {
		return nil, fmt.Errorf("h5: local heap version %d (want 0)", v)
	}
	d.skip(3)
	size := d.length()
	d.length() // offset to head of free list
	dataAddr := d.addr()
	if d.err != nil {
		return nil, d.err
	}
	return fr.read(dataAddr, size)
}

// heapString returns the NUL-terminated string at off in a local heap's data segment.
func heapString(heap []byte, off uint64) (string, error) {
	if off >= uint64(len(heap)) {
		return "", fmt.Errorf("h5: name offset %d beyond local heap of %d bytes", off, len(heap))
	}
	s := heap[off:]
	end := bytes.IndexByte(s, 0)
	if end < 0 {
		return "", fmt.Errorf("h5: unterminated name in local heap at offset %d", off)
	}
	return string(s[:end]), nil
}

// walkGroupBTree visits the symbol table nodes below the v1 B-tree node at
// addr in key order. wantLevel is the level the node must have (-1 for the
// root); levels strictly decrease, and seen rejects a node visited twice.
func (fr *fileReader) walkGroupBTree(addr uint64, wantLevel int, seen map[uint64]bool, visit func(uint64) error) error {
	node, err := fr.readBTreeV1Node(addr, 0, fr.lenSize, wantLevel, seen) // group key: a heap offset
	if err != nil {
		return err
	}
	for _, child := range node.children {
		if node.level == 0 {
			err = visit(child)
		} else {
			err = fr.walkGroupBTree(child, node.level-1, seen, visit)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// btreeV1Node is a decoded "TREE" node (§III.A.1): keys[i] bounds children[i]
// on the left and keys[i+1] on the right.
type btreeV1Node struct {
	level    int
	keys     [][]byte
	children []uint64
}

// readBTreeV1Node reads the v1 B-tree node at addr whose type must be nodeType
// (0 group, 1 raw data chunks) and whose keys have keySize bytes.
func (fr *fileReader) readBTreeV1Node(addr uint64, nodeType, keySize, wantLevel int, seen map[uint64]bool) (*btreeV1Node, error) {
	if seen[addr] {
		return nil, fmt.Errorf("h5: v1 B-tree node %#x reached twice (cycle)", addr)
	}
	seen[addr] = true
	ks := keySize
	prefixLen := uint64(8 + 2*fr.offSize)
	b, err := fr.read(addr, prefixLen)
	if err != nil {
		return nil, fmt.Errorf("v1 B-tree node: %w", err)
	}
	d := fr.decoder(b, "v1 B-tree node")
	d.signature("TREE")
	typ, level, used := int(d.u8()), int(d.u8()), int(d.u16())
	if d.err != nil {
		return nil, d.err
	}
	if typ != nodeType {
		return nil, fmt.Errorf("h5: v1 B-tree node type %d, want %d", typ, nodeType)
	}
	if wantLevel >= 0 && level != wantLevel {
		return nil, fmt.Errorf("h5: v1 B-tree node at level %d, want %d", level, wantLevel)
	}
	if level > maxDepth {
		return nil, fmt.Errorf("h5: v1 B-tree deeper than %d", maxDepth)
	}
	bodyLen := uint64(used)*uint64(ks+fr.offSize) + uint64(ks)
	body, err := fr.read(addr+prefixLen, bodyLen)
	if err != nil {
		return nil, fmt.Errorf("v1 B-tree node: %w", err)
	}
	d = fr.decoder(body, "v1 B-tree node")
	n := &btreeV1Node{level: level}
	for i := 0; i < used; i++ {
		n.keys = append(n.keys, d.take(ks))
		n.children = append(n.children, d.addr())
	}
	n.keys = append(n.keys, d.take(ks))
	return n, d.err
}

// readSymbolNode reads a "SNOD" (§III.B) and its symbol table entries (§III.C).
func (fr *fileReader) readSymbolNode(addr uint64, heap []byte, add func(string, link) error) error {
	b, err := fr.read(addr, 8)
	if err != nil {
		return fmt.Errorf("symbol table node: %w", err)
	}
	d := fr.decoder(b, "symbol table node")
	d.signature("SNOD")
	if v := d.u8(); v != 1 && d.err == nil {
		return fmt.Errorf("h5: symbol table node version %d (want 1)", v)
	}
	d.skip(1)
	count := uint64(d.u16())
	if d.err != nil {
		return d.err
	}
	entryLen := uint64(2*fr.offSize + 24)
	body, err := fr.read(addr+8, count*entryLen)
	if err != nil {
		return fmt.Errorf("symbol table node: %w", err)
	}
	d = fr.decoder(body, "symbol table entry")
	for i := uint64(0); i < count; i++ {
		nameOff := d.uint(fr.offSize)
		objAddr := d.addr()
		cacheType := d.u32()
		d.skip(4 + 16) // reserved, scratch pad
		if d.err != nil {
			return d.err
		}
		name, err := heapString(heap, nameOff)
		if err != nil {
			return err
		}
		l := link{addr: objAddr}
		if cacheType == 2 {
			l.kind = "soft"
		}
		if err := add(name, l); err != nil {
			return err
		}
	}
	return nil
}
