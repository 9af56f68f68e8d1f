// Package kernels holds Graft's generated WebAssembly kernel modules — kernels.wasm (SIMD128,
// f32x4.mul + f32x4.add) and kernels-relaxed.wasm (relaxed-SIMD f32x4.relaxed_madd) — embedded
// by kernels_gen.go together with their calling convention (Signatures, flags, MR×NR shape), and
// the pure-Go twin of every kernel (ref.go: GemmF32Ref, PackBF32Ref, PackBI8Ref, DequantI8Ref,
// BiasActF32Ref, Im2colF32Ref, MaxPoolF32Ref; Twins by export name) that the tests hold the
// modules to, in wazero and in Node. Layouts and the choice of shape: wasm/gen/README.md.
//
// The modules are written by wasm/gen; regenerate after changing it (a test in wasm/gen fails
// while the committed files are stale):
//
//	go generate ./wasm/kernels
package kernels

//go:generate go run ../gen/cmd/genkernels -root ../..
