//go:build !nodecoders

// formats.go registers the image decoders Decode uses: natively, and in the Cloudflare Worker
// (js/wasm, which decodes uploads with Go). The page's model worker is built with the nodecoders
// tag (build.sh build_web) and leaves them out (formats_nodecoders.go): the browser decodes its
// photos, and the decoders would add half a megabyte to it.
package preprocess

import (
	_ "image/gif"  // registers "gif"; image.Decode returns the first frame
	_ "image/jpeg" // registers "jpeg"
	_ "image/png"  // registers "png"

	_ "golang.org/x/image/bmp"  // registers "bmp"
	_ "golang.org/x/image/webp" // registers "webp"
)

// decodersLinked: Decode can decode in this build.
const decodersLinked = true
