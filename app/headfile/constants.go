// Constants of the head file format. The specification is FORMAT.md beside this file; every
// number here is defined there, and a change to one is a change to it. The limits of a head
// itself (layers, units, classes, weights) are the head's: core/head/constants.go.
package headfile

import "github.com/graftml/graft/core/head"

// FileMagic opens every head file.
const FileMagic = "GRFTHEAD"

// FileVersion is the container version stored after the magic. Bump it for any change of the
// layout or of the header's fields (readers refuse unknown fields and other versions).
//
//	1: magic, version, header length, JSON header, padding to 16, float32 payload (FORMAT.md)
//	2: the same, with a "trunk" section (fine-tuned base layers, whose weights follow the
//	   head's in the payload); written only for a model that has one, so conservative heads
//	   stay version 1 files
//	3: "calibration" (the temperature) and "open_set" ("none of these": its class means and
//	   components follow in the payload), the trunk optional; written for a model that has
//	   either, so a model without them is written as before
//
// Readers read all three.
const (
	FileVersion1     = 1
	FileVersionTrunk = 2
	FileVersion      = 3
)

// Layout of the fixed prefix.
const (
	prefixBytes    = 16 // magic (8) + version (4) + header length (4)
	payloadAlign   = 16 // the payload starts at a file offset divisible by this
	MaxHeaderBytes = 1 << 20
)

// MaxFileBytes is the largest head file the format allows: prefix, header, padding and every
// weight a head and a trunk may have. A reader can refuse a longer file before reading it.
const MaxFileBytes = prefixBytes + MaxHeaderBytes + payloadAlign +
	4*(head.MaxParams+head.MaxTrunkParams+(head.MaxClasses+head.OpenSetComponents)*head.MaxFeatures)
