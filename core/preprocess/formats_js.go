//go:build js && wasm

// formats_js.go: the browser build registers no image decoders (formats.go has them natively);
// the page decodes photos with createImageBitmap, and ReadHeader checks headers without them.
package preprocess

// decodersLinked: Decode refuses with ErrNoDecoders here.
const decodersLinked = false
