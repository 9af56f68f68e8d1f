//go:build !(js && wasm)

// Native twin of the Worker entry (main_js.go): the Worker only builds for GOOS=js GOARCH=wasm, so
// natively this says where to go instead. The same handler runs natively as go run ./server.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "server/worker is the Cloudflare Worker (GOOS=js GOARCH=wasm): build it with ./build.sh worker.\n"+
		"The same handler runs natively as: go run ./server -addr 127.0.0.1:8080 -dir dist")
	os.Exit(2)
}
