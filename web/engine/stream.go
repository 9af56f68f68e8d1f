// stream.go: a photo given while the weights still stream starts at once (layer pipelining):
// the forward pass runs the layers whose chunks have arrived, waits for the next ones, and goes
// on with a model built from the fuller loader (resnet50.Model.RunFrom continues a pass bit for
// bit), so the first result lands about when the last chunk does instead of after all of them
// plus a whole pass. Chunks arrive in payload order (layer order), so the verified layers are a
// growing prefix of the network.
package engine

import (
	"context"
	"strings"
	"time"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// chunkArrived wakes the passes waiting for more layers.
func (s *Session) chunkArrived() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// arrivals is closed when the next chunk is added.
func (s *Session) arrivals() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arrived
}

// streamedRun is the outcome of runAsLayersArrive.
type streamedRun struct {
	out     *tensor.Tensor  // the activation of the stop layer (the caller's)
	model   *resnet50.Model // the complete model, or the partial one that reached the stop layer
	early   int             // output layers computed before the model was complete
	compute time.Duration   // time spent computing layers (the rest was waiting for chunks)
}

// runAsLayersArrive runs x through the network to stopAt, observe seeing every output layer
// in order as Model.Run's does. With the model complete it is one Run; before, it runs the
// layers the verified chunks allow one output layer at a time (yielding between them, so the
// download goes on), then waits for more chunks (or the model, or ctx).
func (s *Session) runAsLayersArrive(ctx context.Context, x *tensor.Tensor, stopAt string, observe func(string, *tensor.Tensor)) (streamedRun, error) {
	var r streamedRun
	from := ""               // the layer x is the output of ("": the input)
	var part *resnet50.Model // a model of the layers in when it was built, while it reaches past from
	layers := resnet50.OutputLayers()
	for {
		arrived := s.arrivals()
		select {
		case <-s.ready:
			model, err := s.WaitModel(ctx)
			if err != nil {
				return r, err
			}
			start := time.Now()
			out, err := model.RunFrom(x, from, stopAt, observe)
			r.compute += time.Since(start)
			r.out, r.model = out, model
			return r, err
		default:
		}
		if part == nil || resnet50.LayerIndex(part.LastLayer()) <= resnet50.LayerIndex(from) {
			part = nil
			// A model is built only when the verified chunks reach past from (the loader's
			// progress says so without reading a tensor), not on every chunk's arrival.
			if resnet50.LayerIndex(s.loader.LastLayer()) > resnet50.LayerIndex(from) {
				if m, err := resnet50.New(s.loader, resnet50.Options{}); err == nil && resnet50.LayerIndex(m.LastLayer()) > resnet50.LayerIndex(from) {
					part = m
				}
			}
		}
		if part == nil {
			select {
			case <-arrived:
			case <-s.ready:
			case <-ctx.Done():
				return r, ctx.Err()
			}
			continue
		}
		next := layers[resnet50.LayerIndex(from)+1]
		start := time.Now()
		y, err := part.RunFrom(x, from, next, observe)
		r.compute += time.Since(start)
		if err != nil {
			return r, err
		}
		r.early += weightLayers(from, next)
		x, from = y, next
		if next == stopAt {
			r.out, r.model = y, part
			return r, nil
		}
		if s.yield != nil {
			s.yield()
		}
		if err := ctx.Err(); err != nil {
			return r, err
		}
	}
}

// SetYield gives the Session a function that lets other work run (in the browser's worker: a
// millisecond's sleep, which returns to the event loop, so chunk fetches go on). A pass started
// while the weights stream calls it after each output layer. Call it before the Session is
// shared.
func (s *Session) SetYield(yield func()) { s.yield = yield }

// weightLayers counts the layers with weights (the manifest's: 53 convs and the classifier)
// that the output layers after from, through to, run.
func weightLayers(from, to string) int {
	n := 0
	for _, name := range resnet50.OutputLayers()[resnet50.LayerIndex(from)+1 : resnet50.LayerIndex(to)+1] {
		switch {
		case name == "conv1_relu", name == resnet50.Logits:
			n++
		case strings.HasSuffix(name, "_block1_out"):
			n += 4
		case strings.HasSuffix(name, "_out"):
			n += 3
		}
	}
	return n
}
