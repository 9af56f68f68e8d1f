// Variable-length strings: elements that point into global heap collections.
//
// HDF5 File Format Specification v3.0: §III.E "Disk Format: Level 1E -
// Global Heap" ("GCOL" collections of numbered objects) and §IV.A.2.d class 9
// (a variable-length element is a 4-byte length, then a global heap ID:
// collection address and 4-byte object index).
package h5

import (
	"fmt"
)

// readVarLenStrings decodes n variable-length string elements from data.
func (fr *fileReader) readVarLenStrings(data []byte, n int) ([]string, error) {
	d := fr.decoder(data, "variable-length string")
	collections := map[uint64]map[uint32][]byte{}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		length, addr, index := uint64(d.u32()), d.addr(), d.u32()
		if d.err != nil {
			return nil, d.err
		}
		if length == 0 {
			out = append(out, "")
			continue
		}
		objs, ok := collections[addr]
		if !ok {
			var err error
			if objs, err = fr.readGlobalHeap(addr); err != nil {
				return nil, err
			}
			collections[addr] = objs
		}
		obj, ok := objs[index]
		if !ok {
			return nil, fmt.Errorf("h5: global heap %#x has no object %d", addr, index)
		}
		if length > uint64(len(obj)) {
			return nil, fmt.Errorf("h5: string of %d bytes in a %d-byte global heap object", length, len(obj))
		}
		out = append(out, string(obj[:length]))
	}
	return out, nil
}

// readGlobalHeap reads the collection at addr and returns its objects by index.
func (fr *fileReader) readGlobalHeap(addr uint64) (map[uint32][]byte, error) {
	head, err := fr.read(addr, uint64(8+fr.lenSize))
	if err != nil {
		return nil, fmt.Errorf("global heap: %w", err)
	}
	d := fr.decoder(head, "global heap")
	d.signature("GCOL")
	if v := d.u8(); v != 1 && d.err == nil {
		return nil, fmt.Errorf("h5: global heap version %d (want 1)", v)
	}
	d.skip(3)
	size := d.length()
	if d.err != nil {
		return nil, d.err
	}
	b, err := fr.read(addr, size)
	if err != nil {
		return nil, fmt.Errorf("global heap: %w", err)
	}
	d = fr.decoder(b, "global heap object")
	d.skip(8 + fr.lenSize)
	objs := map[uint32][]byte{}
	for d.remaining() >= 8+fr.lenSize {
		index, _ := d.u16(), d.u16() // index, reference count
		d.skip(4)
		n := d.length()
		if d.err != nil || index == 0 { // index 0 is the free space at the end
			break
		}
		if n > uint64(d.remaining()) {
			return nil, fmt.Errorf("h5: global heap object %d of %d bytes overruns its collection", index, n)
		}
		objs[uint32(index)] = d.take(int(n))
		d.skip(min(int((8-n%8)%8), d.remaining()))
	}
	return objs, d.err
}
