// Package blockinput is what a dynamic run (core/finetune) needs from the photos: one trunk pass
// per image for the head's features and the first unfrozen block's input (extract.go), the
// cache of both between runs (cache.go) and the block input's file format (compact_codec.go).
package blockinput
