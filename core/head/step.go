// step.go: one training step on one mini-batch — the forward pass through every layer, the loss
// and its gradient, the backward pass in reverse, and an Adam update of every kernel and bias
// (llm.c's gpt2_forward, gpt2_backward, gpt2_update). Buffers are sized once for the largest
// batch; a short last batch uses their first rows.
package head

// trainer holds the net being trained, its gradients, Adam's moments and the batch buffers.
type trainer struct {
	cfg            Config
	features       int
	classes        int
	net            *Net
	grad, m, v     []Dense // same shapes as net.Layers: gradients, Adam's first and second moments
	beta1t, beta2t float64 // β1^t, β2^t after t steps
	dropout        *rng
	ws             workspace
}

// workspace: per layer l, with B = the batch size.
type workspace struct {
	in     [][]float32 // [B,In_l]: in[0] the batch's features; in[l+1] = dropout(h[l]), or h[l] itself
	h      [][]float32 // [B,Out_l]: the layer's output, after ReLU for hidden layers (logits for the last)
	mask   [][]float32 // [B,Out_l]: dropout mask of a hidden layer; nil without dropout
	gh     [][]float32 // [B,Out_l]: ∂L/∂h[l], then ∂L/∂(pre-activation) after reluBackward
	gin    [][]float32 // [B,In_l]: ∂L/∂in[l] for l ≥ 1 (gin[l] aliases gh[l−1] without dropout)
	labels []int       // [B]
	s      denseScratch
}

func newTrainer(cfg Config, features, classes int) *trainer {
	t := &trainer{cfg: cfg, features: features, classes: classes, beta1t: 1, beta2t: 1,
		net: newNet(features, cfg.Hidden, classes, cfg.Output, newRNG(cfg.Seed, streamInit)), dropout: newRNG(cfg.Seed, streamDropout)}
	zeros := func() []Dense {
		out := make([]Dense, len(t.net.Layers))
		for i, d := range t.net.Layers {
			out[i] = Dense{In: d.In, Out: d.Out, Kernel: make([]float32, len(d.Kernel)), Bias: make([]float32, len(d.Bias))}
		}
		return out
	}
	t.grad, t.m, t.v = zeros(), zeros(), zeros()
	b := cfg.BatchSize
	layers := len(t.net.Layers)
	ws := &t.ws
	ws.in, ws.h, ws.mask, ws.gh, ws.gin = make([][]float32, layers), make([][]float32, layers),
		make([][]float32, layers), make([][]float32, layers), make([][]float32, layers)
	ws.labels = make([]int, b)
	ws.in[0] = make([]float32, b*features)
	for l, d := range t.net.Layers {
		ws.h[l] = make([]float32, b*d.Out)
		ws.gh[l] = make([]float32, b*d.Out)
		if l == layers-1 {
			break
		}
		if cfg.Dropout > 0 {
			ws.mask[l] = make([]float32, b*d.Out)
			ws.in[l+1] = make([]float32, b*d.Out)
			ws.gin[l+1] = make([]float32, b*d.Out)
		} else {
			ws.in[l+1], ws.gin[l+1] = ws.h[l], ws.gh[l]
		}
	}
	return t
}

// step trains on the first n rows of ws.in[0] and ws.labels and returns their summed loss and
// how many it classified right (before the update).
func (t *trainer) step(n int) (lossSum float64, correct int) {
	lossSum, correct = t.forwardBackward(n)
	t.update()
	return lossSum, correct
}

// forwardBackward runs the batch forward (drawing dropout masks) and backward, leaving the
// gradients of the mean loss in t.grad.
func (t *trainer) forwardBackward(n int) (lossSum float64, correct int) {
	ws, layers := &t.ws, t.net.Layers
	last := len(layers) - 1
	for l, d := range layers { // forward
		h := ws.h[l][:n*d.Out]
		denseForward(h, ws.in[l][:n*d.In], d.Kernel, d.Bias, n, d.In, d.Out)
		if l == last {
			break
		}
		reluForward(h)
		if ws.mask[l] != nil {
			dropoutForward(ws.in[l+1][:n*d.Out], h, ws.mask[l][:n*d.Out], t.cfg.Dropout, t.dropout)
		}
	}
	z, gz := ws.h[last][:n*layers[last].Out], ws.gh[last][:n*layers[last].Out]
	if t.net.Output == Sigmoid {
		lossSum, correct = sigmoidCrossEntropy(gz, z, ws.labels[:n], n)
	} else {
		lossSum, correct = softmaxCrossEntropy(gz, z, ws.labels[:n], n, t.classes)
	}
	for l := last; l >= 0; l-- { // backward
		d := layers[l]
		gh := ws.gh[l][:n*d.Out]
		if l < last {
			if ws.mask[l] != nil {
				dropoutBackward(gh, ws.gin[l+1][:n*d.Out], ws.mask[l][:n*d.Out])
			}
			reluBackward(gh, ws.h[l][:n*d.Out])
		}
		var gin []float32 // ∂L/∂in[l]; for the features (l = 0) only when a Stepper asks
		if l > 0 || ws.gin[0] != nil {
			gin = ws.gin[l][:n*d.In]
		}
		denseBackward(gin, t.grad[l].Kernel, t.grad[l].Bias, gh, ws.in[l][:n*d.In], d.Kernel, n, d.In, d.Out, &ws.s)
	}
	return lossSum, correct
}

// update applies one Adam step to every kernel and bias from t.grad.
func (t *trainer) update() {
	layers := t.net.Layers
	t.beta1t *= t.cfg.Beta1
	t.beta2t *= t.cfg.Beta2
	alpha := adamAlpha(t.cfg.LearningRate, t.beta1t, t.beta2t)
	c1, c2, eps := float32(1-t.cfg.Beta1), float32(1-t.cfg.Beta2), float32(t.cfg.Epsilon)
	for l := range layers {
		adamStep(layers[l].Kernel, t.grad[l].Kernel, t.m[l].Kernel, t.v[l].Kernel, alpha, c1, c2, eps)
		adamStep(layers[l].Bias, t.grad[l].Bias, t.m[l].Bias, t.v[l].Bias, alpha, c1, c2, eps)
	}
}
