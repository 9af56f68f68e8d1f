//go:build unix

// rss_unix.go: the peak resident set of this process (getrusage ru_maxrss: KiB on Linux).
package main

import "syscall"

func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}
