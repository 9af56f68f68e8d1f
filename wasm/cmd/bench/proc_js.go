// proc_js.go: process figures from the JavaScript host (Node's process object), which holds Go's
// linear memory: the peak resident set (resourceUsage().maxRSS, KiB) and the CPU time used
// (cpuUsage(), µs, all of Node's threads). 0 where the host does not say (browsers).
package main

import "syscall/js"

func peakRSSMB() float64 {
	proc := js.Global().Get("process")
	if proc.Type() != js.TypeObject || proc.Get("resourceUsage").Type() != js.TypeFunction {
		return 0
	}
	return proc.Call("resourceUsage").Get("maxRSS").Float() / 1024
}

func cpuTimeMs() float64 {
	proc := js.Global().Get("process")
	if proc.Type() != js.TypeObject || proc.Get("cpuUsage").Type() != js.TypeFunction {
		return 0
	}
	u := proc.Call("cpuUsage")
	return (u.Get("user").Float() + u.Get("system").Float()) / 1000
}
