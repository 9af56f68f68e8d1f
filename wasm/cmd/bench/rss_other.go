//go:build !unix && !js

// rss_other.go: no peak-RSS source on this platform; the JSON says 0.
package main

func peakRSSMB() float64 { return 0 }
