//go:build !(js && wasm)

// formats.go registers the image decoders Decode uses natively. The browser build leaves them
// out (formats_js.go): its photos are decoded by the browser, and the decoders would add about
// half a megabyte to the page's model worker.
package preprocess

import (
	_ "image/gif"  // registers "gif"; image.Decode returns the first frame
	_ "image/jpeg" // registers "jpeg"
	_ "image/png"  // registers "png"

	_ "golang.org/x/image/bmp"  // registers "bmp"
	_ "golang.org/x/image/webp" // registers "webp"
)

// decodersLinked: Decode can decode here.
const decodersLinked = true
