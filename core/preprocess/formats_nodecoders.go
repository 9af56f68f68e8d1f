//go:build nodecoders

// formats_nodecoders.go: the page's model worker (built with -tags nodecoders) registers no
// image decoders (formats.go has them elsewhere): the page decodes photos with
// createImageBitmap, and ReadHeader checks headers without them.
package preprocess

// decodersLinked: Decode refuses with ErrNoDecoders here.
const decodersLinked = false
