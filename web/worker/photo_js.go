//go:build js && wasm

// checkBlob: a photo's Blob is judged by its size, first and last bytes (engine.CheckHeader)
// before the browser is asked to decode it, so a decompression bomb, a 500 MB file, an SVG or
// a cut-off PNG is refused in milliseconds and never reaches createImageBitmap.
package main

import (
	"syscall/js"

	"github.com/graftml/graft/web/engine"
)

// checkBlob returns why blob (name, MIME type, size in bytes) is refused, or "".
func checkBlob(blob js.Value, name, mime string, size int64) string {
	if size == 0 || size > engine.MaxFileBytes {
		return engine.CheckHeader(name, mime, size, nil, nil) // nothing is read
	}
	head, err := await(blob.Call("slice", 0, engine.HeaderBytes).Call("arrayBuffer"))
	if err != nil {
		return "“" + name + "” could not be read: " + err.Error()
	}
	tail, err := await(blob.Call("slice", max(0, size-engine.TailBytes)).Call("arrayBuffer"))
	if err != nil {
		return "“" + name + "” could not be read: " + err.Error()
	}
	return engine.CheckHeader(name, mime, size, bytesFromJS(head), bytesFromJS(tail))
}
