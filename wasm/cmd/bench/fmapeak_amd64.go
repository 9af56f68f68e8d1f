//go:build amd64

package main

import "golang.org/x/sys/cpu"

func fmaPeakYMM(iters int)
func fmaPeakZMM(iters int)

// fmaLoops are the peak loops this CPU can run, with the FLOP one iteration does.
func fmaLoops() []fmaLoop {
	var l []fmaLoop
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		l = append(l, fmaLoop{"avx2-fma-ymm", 12 * 8 * 2, fmaPeakYMM})
	}
	if cpu.X86.HasAVX512F {
		l = append(l, fmaLoop{"avx512f-fma-zmm", 12 * 16 * 2, fmaPeakZMM})
	}
	return l
}
