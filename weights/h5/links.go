// New-style groups: link messages stored in the object header ("compact")
// or in a fractal heap indexed by a v2 B-tree ("dense").
//
// HDF5 File Format Specification v3.0: §IV.A.2.g "Link Message",
// §IV.A.2.c "Link Info Message", §III.A.2 record type 5 "Link Name for
// Indexed Group".
package h5

import (
	"fmt"
)

// readLinks calls add for every link of a new-style group.
func (fr *fileReader) readLinks(h *objectHeader, add func(string, link) error) error {
	for _, m := range h.msgs {
		if m.typ != msgLink {
			continue
		}
		name, l, err := fr.decodeLink(m.data)
		if err != nil {
			return err
		}
		if err := add(name, l); err != nil {
			return err
		}
	}
	info := h.first(msgLinkInfo)
	if info == nil {
		return nil
	}
	d := fr.decoder(info.data, "link info message")
	if v := d.u8(); v != 0 && d.err == nil {
		return fmt.Errorf("h5: link info message version %d (want 0)", v)
	}
	flags := d.u8()
	if flags&1 != 0 {
		d.u64() // maximum creation index
	}
	heapAddr, nameIndexAddr := d.addr(), d.addr()
	if d.err != nil {
		return d.err
	}
	if heapAddr == undefAddr {
		return nil // compact storage: the link messages above are all there is
	}
	heap, err := fr.openFractalHeap(heapAddr)
	if err != nil {
		return err
	}
	const recordTypeLinkName = 5
	return fr.walkBTreeV2(nameIndexAddr, recordTypeLinkName, func(rec []byte) error {
		// Record: name hash (4 bytes), heap ID (the rest).
		if len(rec) < 5 {
			return fmt.Errorf("h5: link name record of %d bytes", len(rec))
		}
		obj, err := heap.object(rec[4:])
		if err != nil {
			return err
		}
		name, l, err := fr.decodeLink(obj)
		if err != nil {
			return err
		}
		return add(name, l)
	})
}

// decodeLink decodes a link message body (§IV.A.2.g).
func (fr *fileReader) decodeLink(b []byte) (string, link, error) {
	d := fr.decoder(b, "link message")
	if v := d.u8(); v != 1 && d.err == nil {
		return "", link{}, fmt.Errorf("h5: link message version %d (want 1)", v)
	}
	flags := d.u8()
	linkType := uint8(0) // hard
	if flags&0x08 != 0 {
		linkType = d.u8()
	}
	if flags&0x04 != 0 {
		d.u64() // creation order
	}
	if flags&0x10 != 0 {
		d.u8() // name character set
	}
	nameLen := d.uint(1 << (flags & 3))
	if (nameLen == 0 || nameLen > uint64(len(b))) && d.err == nil {
		d.fail("link name length %d", nameLen)
	}
	name := string(d.take(int(nameLen)))
	var l link
	switch {
	case linkType == 0:
		l.addr = d.addr()
	case linkType == 1:
		l.kind = "soft"
	case linkType >= 64:
		l.kind = "external"
	default:
		d.fail("link type %d", linkType)
	}
	return name, l, d.err
}
