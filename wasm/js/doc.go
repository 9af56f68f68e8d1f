// Package wasmjs is the JavaScript side of Graft's wasm build: loader.mjs starts a GOOS=js
// program linked to the generated SIMD128 kernel module (wasm/gen/README.md). This Go package holds
// only the loader's tests (loader_test.go): its trampolines against wasm/kernels.Signatures, and
// the loader run under Node 20 against a small probe program (testdata/probe) on every engine.
package wasmjs
