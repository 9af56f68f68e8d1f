//go:build !unix && !js

// proc_other.go: no process figures on this platform; the JSON says 0.
package main

func peakRSSMB() float64 { return 0 }

func cpuTimeMs() float64 { return 0 }
