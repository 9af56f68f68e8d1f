// load_strip.go: the line at the top of the page while the model loads, so that a phone's first
// screen says what is happening (the Model panel with its bars is further down) and that a photo
// can be given already. Gone once the model is ready; an error says so in the banner instead.
package main

import (
	"fmt"

	"github.com/graftml/graft/web/wire"
)

// LoadStrip is the strip's text, or "" when there is nothing to load (ready, failed).
func LoadStrip(m wire.Status) string {
	switch m.Phase {
	case wire.PhaseReady, wire.PhaseError:
		return ""
	case wire.PhaseDownloading:
		if m.BytesTotal > 0 {
			return fmt.Sprintf("Loading the model: %s of %s, %d of %d layers. You can give it a photo now: it starts on the layers already in.",
				MB(m.BytesDone), MB(m.BytesTotal), m.LayersDone, m.LayersTotal)
		}
	}
	return "Loading the model… You can give it a photo now."
}
