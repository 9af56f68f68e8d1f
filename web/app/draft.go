// draft.go: the draft head as the page offers it — the head last trained, kept automatically
// by the model worker (web/engine/draft.go) until the user saves or discards it, offered back
// after a reload: "Draft from 02:14, not saved: cats / dogs" with Save and Discard.
package main

import (
	"github.com/vugu/vugu/js"

	"github.com/graftml/graft/web/wire"
)

// DraftLine describes draft d, trained at clock (the local time, "02:14").
func DraftLine(d *wire.HeadInfo, clock string) string {
	if d == nil {
		return ""
	}
	return "Draft from " + clock + ", not saved: " + d.Name
}

// localClock is Unix milliseconds ms as the browser's local hours and minutes.
func localClock(ms float64) string {
	opts := js.Global().Get("Object").New()
	opts.Set("hour", "2-digit")
	opts.Set("minute", "2-digit")
	v := js.Global().Get("Date").New(ms).Call("toLocaleTimeString", js.Global().Get("Array").New(), opts)
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}
