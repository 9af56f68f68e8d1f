// Constants of the head file format and the limits of a head. The specification is FORMAT.md
// beside this file; every number here is defined there, and a change to one is a change to it.
package head

// FileMagic opens every head file.
const FileMagic = "GRFTHEAD"

// FileVersion is the container version stored after the magic. Bump it for any change of the
// layout or of the header's fields (readers refuse unknown fields and other versions).
//
//	1: magic, version, header length, JSON header, padding to 16, float32 payload (FORMAT.md)
//	2: the same, with a "trunk" section (fine-tuned base layers, whose weights follow the
//	   head's in the payload); written only for a model that has one, so conservative heads
//	   stay version 1 files
const (
	FileVersion1 = 1
	FileVersion  = 2
)

// Layout of the fixed prefix.
const (
	prefixBytes    = 16 // magic (8) + version (4) + header length (4)
	payloadAlign   = 16 // the payload starts at a file offset divisible by this
	MaxHeaderBytes = 1 << 20
)

// Limits of a head, checked before anything is allocated. They are far above
// the presets (the largest, "keras", has 3.7 M parameters) and bound what a file can make a
// reader allocate to 256 MiB.
const (
	MaxLayers    = 16      // dense layers, the output layer included
	MaxUnits     = 8192    // units of one hidden layer
	MaxFeatures  = 8192    // inputs of the first layer (ResNet50's widest layer has 2048)
	MaxClasses   = 1000    // classes
	MaxParams    = 1 << 26 // kernel and bias floats in all
	MaxNameBytes = 256     // a class name, model id or preset name
	MaxBatch     = 1 << 16
	MaxEpochs    = 100000
	MaxValSplit  = 0.9
)
