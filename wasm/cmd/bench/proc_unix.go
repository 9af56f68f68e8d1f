//go:build unix

// proc_unix.go: process figures from getrusage: the peak resident set (ru_maxrss: KiB on Linux)
// and the CPU time used (user + system, all threads).
package main

import "syscall"

func rusage() (syscall.Rusage, bool) {
	var ru syscall.Rusage
	err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru, err == nil
}

func peakRSSMB() float64 {
	ru, ok := rusage()
	if !ok {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}

func cpuTimeMs() float64 {
	ru, ok := rusage()
	if !ok {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}
