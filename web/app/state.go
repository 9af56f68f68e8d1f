// The page's state and what the components show, as plain Go: no browser calls here, so it is
// tested natively (state_test.go) and rendered natively by the static twin (main_other.go).
// Every change happens under Vugu's event lock: in a DOM event handler (which holds it), or in
// App.do's closures (app.go), which take it.
package main

import (
	"fmt"
	"strings"

	"github.com/graftml/graft/web/wire"
)

// Photo states.
const (
	PhotoWorking = "working" // sent to the worker
	PhotoDone    = "done"
	PhotoFailed  = "failed"
)

// Photo is the photo on screen and what became of it.
type Photo struct {
	ID      int
	Name    string
	URL     string // object URL of the Blob, for the preview
	HeatURL string // object URL of the heat map image shown ("Show why"), once made
	// WhyImageNet shows the ImageNet top-1's map although a head answered (both came).
	WhyImageNet bool
	Resize      string // mode asked for
	State       string
	Result      *wire.Result
	Error       string
	TotalMs     float64 // from sending to the worker to the answer, measured by the page
}

// State is everything the page shows.
type State struct {
	Model      wire.Status // the worker's latest status
	Photo      *Photo      // nil until the first photo
	Resize     string      // selected resize mode for the next photo
	Error      string      // the banner; "" hides it
	Camera     bool        // the camera preview is on
	Why        bool        // "Show why": the head's heat map over the photo
	WhyOpacity int         // its opacity, 0–100 %
	nextID     int
	sentAt     map[int]float64 // photo ID → page clock (ms) when sent
	Results    int             // photos classified this visit
	Train      Train           // training a head (train_state.go)
	Sort       *Sort           // sorting a folder (sort_state.go); nil before the first
	Baked      *wire.Baked     // the build's head (baked.go); nil: none
	ByClass    ByClass         // a folder made class by class (by_class.go)
}

// NewState is the state before the worker has said anything.
func NewState() *State {
	return &State{Model: wire.Status{Phase: wire.PhaseStarting}, Resize: "crop", WhyOpacity: 100, sentAt: map[int]float64{}, Train: NewTrain()}
}

// NewPhoto records a photo sent for classification at page time nowMs and returns its ID.
func (s *State) NewPhoto(name, url string, nowMs float64) *Photo {
	s.nextID++
	s.Photo = &Photo{ID: s.nextID, Name: name, URL: url, Resize: s.Resize, State: PhotoWorking}
	s.sentAt[s.nextID] = nowMs
	s.Error = ""
	return s.Photo
}

// Apply folds one worker message into the state, at page time nowMs. Answers about a photo
// that is no longer on screen are dropped.
func (s *State) Apply(e wire.Envelope, nowMs float64) {
	switch e.Kind {
	case wire.KindStatus:
		s.Model = *e.Status
		if e.Status.Phase == wire.PhaseError {
			s.Error = "The model could not be loaded: " + e.Status.Error
		}
	case wire.KindResult:
		if p := s.current(e.Result.ID); p != nil {
			p.State, p.Result = PhotoDone, e.Result
			p.TotalMs = nowMs - s.sentAt[p.ID]
			s.Results++
		}
		delete(s.sentAt, e.Result.ID)
	case wire.KindBaked:
		s.Baked = e.Baked
	case wire.KindFailed:
		if p := s.current(e.Failed.ID); p != nil {
			p.State, p.Error = PhotoFailed, e.Failed.Message
			s.Error = e.Failed.Message
		}
		delete(s.sentAt, e.Failed.ID)
	}
}

func (s *State) current(id int) *Photo {
	if s.Photo != nil && s.Photo.ID == id {
		return s.Photo
	}
	return nil
}

// ---- What the components show (kept here so the .vugu files stay dumb) ----

// MB formats bytes as megabytes with one decimal.
func MB(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

// BarMax and BarValue are a <progress>'s attributes: both absent (an indeterminate bar) while
// the total is unknown, since max must be positive.
func BarMax(total int64) any {
	if total <= 0 {
		return nil
	}
	return total
}

// BarValue: see BarMax.
func BarValue(done, total int64) any {
	if total <= 0 {
		return nil
	}
	return min(done, total)
}

// Percent formats a probability.
func Percent(p float32) string {
	switch {
	case p >= 0.9995:
		return "100%"
	case p < 0.0005:
		return "<0.1%"
	case p < 0.1:
		return fmt.Sprintf("%.1f%%", 100*p)
	}
	return fmt.Sprintf("%.0f%%", 100*p)
}

// Seconds formats milliseconds for people: "0.42 s", "12 ms".
func Seconds(ms float64) string {
	if ms < 100 {
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.2f s", ms/1000)
}

// EngineName names the compute path in words.
func EngineName(engine string) string {
	switch engine {
	case "wasm-relaxed-simd":
		return "relaxed SIMD (WebAssembly FMA)"
	case "wasm-simd128":
		return "SIMD128 (WebAssembly)"
	case "wasm-scalar":
		return "scalar (WebAssembly without SIMD)"
	case "":
		return "starting…"
	}
	return engine
}

// ModelHeadline is the one-line state of the model panel.
func ModelHeadline(m wire.Status) string {
	switch m.Phase {
	case wire.PhaseStarting:
		return "Starting the model worker…"
	case wire.PhaseManifest:
		return "Fetching the model’s manifest…"
	case wire.PhaseDownloading:
		if m.FromCache > 0 && m.FromNetwork == 0 {
			return "Loading the model from this browser’s cache…"
		}
		return "Downloading the model…"
	case wire.PhaseReady:
		if m.FromNetwork == 0 && m.FromCache > 0 {
			return fmt.Sprintf("Model ready: loaded from this browser’s cache in %s, nothing downloaded", Seconds(m.LoadMs))
		}
		return fmt.Sprintf("Model ready: %s downloaded and verified in %s", MB(m.BytesTotal), Seconds(m.LoadMs))
	case wire.PhaseError:
		return "The model could not be loaded"
	}
	return m.Phase
}

// CacheLine says where the model lives between visits.
func CacheLine(m wire.Status) string {
	switch {
	case m.CacheError != "":
		return m.CacheError
	case m.ManifestFromCache:
		return "offline — the server cannot be reached; using the copy kept in this browser"
	case m.Cached:
		return "cached — works offline"
	}
	return ""
}

// SyntheticLine warns that some layers are not ImageNet's; "" when all are.
func SyntheticLine(m wire.Status) string {
	if !m.Synthetic {
		return ""
	}
	return "Demo model: " + m.SyntheticOf + " hold a seeded synthetic fill, because the ResNet50 weights file " +
		"available to this build is partial. The labels below are therefore not real ImageNet predictions; " +
		"the layers before them use the real weights." + headLayerWhy(m)
}

// headLayerWhy says which layer trained heads read when the model is a demo, and why.
func headLayerWhy(m wire.Status) string {
	if m.HeadLayer == "" {
		return ""
	}
	return " Heads you train read " + m.HeadLayer + ", the last layer with real weights (with the full weights file they read conv5_block3_out)."
}

// PhotoStatus is the line under the preview while a photo is in the works.
func PhotoStatus(p *Photo, m wire.Status) string {
	if p == nil || p.State != PhotoWorking {
		return ""
	}
	if m.Phase != wire.PhaseReady {
		return fmt.Sprintf("Running the layers that are in as they arrive (%d of %d in)…", m.LayersDone, m.LayersTotal)
	}
	return "Classifying…"
}

// ResultLine is the summary under the top-5: time, engine, resize mode.
func ResultLine(p *Photo) string {
	r := p.Result
	var b strings.Builder
	fmt.Fprintf(&b, "%s in total (ResNet50 %s, resize and preprocessing %s, decoding %s", Seconds(p.TotalMs),
		Seconds(r.ModelMs), Seconds(r.PreprocessMs), Seconds(r.DecodeMs))
	if r.WaitMs >= 1 {
		fmt.Fprintf(&b, ", waiting for layers %s", Seconds(r.WaitMs))
	}
	b.WriteString(")")
	if r.StreamedLayers > 0 {
		fmt.Fprintf(&b, "; started while the weights streamed: %d of its layers ran before the last chunk arrived", r.StreamedLayers)
	}
	return b.String()
}

// SizeLine says how big the photo was as it reached the model.
func SizeLine(r *wire.Result) string {
	if r.Original != "" {
		return fmt.Sprintf("%d×%d pixels (downscaled by the browser from %s)", r.Width, r.Height, r.Original)
	}
	return fmt.Sprintf("%d×%d pixels", r.Width, r.Height)
}
