// rss_js.go: the peak resident set of the JavaScript host (Node's process.resourceUsage().maxRSS,
// in KiB), which holds Go's linear memory; 0 where the host does not say (browsers).
package main

import "syscall/js"

func peakRSSMB() float64 {
	proc := js.Global().Get("process")
	if proc.Type() != js.TypeObject || proc.Get("resourceUsage").Type() != js.TypeFunction {
		return 0
	}
	return proc.Call("resourceUsage").Get("maxRSS").Float() / 1024
}
