// Object headers: the list of messages that describes a group or dataset.
//
// HDF5 File Format Specification v3.0, §IV.A.1.a "Version 1 Data Object
// Header Prefix", §IV.A.1.b "Version 2 Data Object Header Prefix" ("OHDR"),
// and §IV.A.2.q "Object Header Continuation Message" (continuation blocks
// are raw messages in v1 and "OCHK" blocks in v2).
package h5

import (
	"fmt"
)

// Header message types used by this reader (§IV.A.2).
const (
	msgNil           = 0x0000
	msgDataspace     = 0x0001
	msgLinkInfo      = 0x0002
	msgDatatype      = 0x0003
	msgLink          = 0x0006
	msgLayout        = 0x0008
	msgFilters       = 0x000B
	msgAttribute     = 0x000C
	msgContinuation  = 0x0010
	msgSymbolTable   = 0x0011
	msgAttributeInfo = 0x0015
)

// msgFlagShared marks a message whose body lives elsewhere (§IV.A.2 message flags, bit 1).
const msgFlagShared = 0x02

type message struct {
	typ   uint16
	flags uint8
	data  []byte
}

type objectHeader struct {
	addr uint64
	msgs []message
}

// first returns the first message of type typ, or nil.
func (h *objectHeader) first(typ uint16) *message {
	for i := range h.msgs {
		if h.msgs[i].typ == typ {
			return &h.msgs[i]
		}
	}
	return nil
}

// readObjectHeader decodes the object header at addr, following continuation blocks.
func (fr *fileReader) readObjectHeader(addr uint64) (*objectHeader, error) {
	if err := fr.check(addr, 4); err != nil {
		return nil, fmt.Errorf("object header: %w", err)
	}
	sig, err := fr.read(addr, 4)
	if err != nil {
		return nil, err
	}
	h := &objectHeader{addr: addr}
	if string(sig) == "OHDR" {
		err = fr.readHeaderV2(h)
	} else {
		err = fr.readHeaderV1(h)
	}
	if err != nil {
		return nil, fmt.Errorf("object header at %#x: %w", addr, err)
	}
	return h, nil
}

// headerChunk is one stretch of header messages still to be decoded.
type headerChunk struct{ addr, size uint64 }

// readHeaderV1 decodes §IV.A.1.a: version 1, 12-byte prefix padded to 16,
// then messages of type(2) size(2) flags(1) reserved(3) body, 8-byte aligned.
func (fr *fileReader) readHeaderV1(h *objectHeader) error {
	prefix, err := fr.read(h.addr, 16)
	if err != nil {
		return err
	}
	d := fr.decoder(prefix, "v1 object header")
	if v := d.u8(); v != 1 {
		return fmt.Errorf("h5: object header version %d (want 1, or an OHDR signature)", v)
	}
	d.skip(1)
	d.u16() // number of messages: we trust the chunks instead
	d.u32() // reference count
	size := uint64(d.u32())
	return fr.readHeaderChunks(h, headerChunk{h.addr + 16, size}, false, false)
}

// readHeaderV2 decodes §IV.A.1.b: "OHDR", version 2, flags, optional times
// and attribute-storage thresholds, chunk-0 size, messages, checksum.
func (fr *fileReader) readHeaderV2(h *objectHeader) error {
	n := min(4+1+1+16+4+8, uint64(fr.size)-h.addr)
	prefix, err := fr.read(h.addr, n)
	if err != nil {
		return err
	}
	d := fr.decoder(prefix, "v2 object header")
	d.signature("OHDR")
	if v := d.u8(); v != 2 && d.err == nil {
		return fmt.Errorf("h5: OHDR version %d (want 2)", v)
	}
	flags := d.u8()
	if flags&0x20 != 0 {
		d.skip(16) // access, modification, change, birth times
	}
	if flags&0x10 != 0 {
		d.skip(4) // max compact / min dense attribute counts
	}
	size := d.uint(1 << (flags & 3))
	if d.err != nil {
		return d.err
	}
	return fr.readHeaderChunks(h, headerChunk{h.addr + uint64(d.pos), size}, true, flags&0x04 != 0)
}

// readHeaderChunks decodes chunk 0 and every continuation block it leads to.
// v2 chunks end with a 4-byte checksum and continuation blocks start with "OCHK".
// tracksOrder (v2 flag bit 2) adds a 2-byte creation order to each message header.
func (fr *fileReader) readHeaderChunks(h *objectHeader, first headerChunk, v2, tracksOrder bool) error {
	queue := []headerChunk{first}
	seen := map[uint64]bool{}
	total := uint64(0)
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if seen[c.addr] {
			return fmt.Errorf("h5: object header continuation loops back to %#x", c.addr)
		}
		seen[c.addr] = true
		if c.size > maxHeaderSize-total {
			return fmt.Errorf("h5: object header larger than %d bytes", maxHeaderSize)
		}
		total += c.size
		buf, err := fr.read(c.addr, c.size)
		if err != nil {
			return err
		}
		d := fr.decoder(buf, "object header chunk")
		end := len(buf)
		if v2 && c != first {
			// A continuation block is "OCHK", messages, checksum; chunk 0's
			// size excludes its checksum, which follows it.
			d.signature("OCHK")
			end -= 4
			if end < d.pos {
				return fmt.Errorf("h5: object header continuation block of %d bytes is too small", c.size)
			}
		}
		d.b = d.b[:end]
		for d.err == nil {
			var m message
			if v2 {
				hdrLen := 4
				if tracksOrder {
					hdrLen = 6
				}
				if d.remaining() < hdrLen {
					break // gap at the end of the chunk
				}
				m.typ = uint16(d.u8())
				size := int(d.u16())
				m.flags = d.u8()
				if tracksOrder {
					d.u16() // creation order
				}
				m.data = d.take(size)
			} else {
				if d.remaining() < 8 {
					break
				}
				m.typ = d.u16()
				size := int(d.u16())
				m.flags = d.u8()
				d.skip(3)
				m.data = d.take(size)
			}
			if d.err != nil {
				return d.err
			}
			switch m.typ {
			case msgNil:
				continue
			case msgContinuation:
				md := fr.decoder(m.data, "continuation message")
				next := headerChunk{md.addr(), md.length()}
				if md.err != nil {
					return md.err
				}
				queue = append(queue, next)
				continue
			}
			if len(h.msgs) >= maxMessages {
				return fmt.Errorf("h5: more than %d header messages", maxMessages)
			}
			h.msgs = append(h.msgs, m)
		}
		if d.err != nil {
			return d.err
		}
	}
	return nil
}
