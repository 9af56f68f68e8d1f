//go:build !amd64

package main

// fmaLoops: no peak loop outside amd64 (the wasm ceiling is ./build.sh bench's bench_ceiling).
func fmaLoops() []fmaLoop { return nil }
