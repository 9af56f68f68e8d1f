// loss.go: the output layers with their losses, each one function giving the loss and the
// gradient of the logits together (llm.c's crossentropy_softmax_backward). Keras equivalents:
// categorical_crossentropy(from_logits=True) after a Dense(C) and binary_crossentropy
// (from_logits=True) after a Dense(1) (keras/src/losses/losses.py; the numerics are
// keras/src/backend/*/nn.py's stable forms below). Sums and exponentials are in float64.
package head

import "math"

// softmaxCrossEntropy takes logits z [N,C] and labels [N] and returns the summed loss
// Σ_i (ln Σ_j e^z_ij − z_i,y_i) and how many rows have their largest logit at the label (ties
// go to the lower class). When gz is not nil it receives the gradient of the mean loss,
// gz = (softmax(z) − onehot(y))/N.
func softmaxCrossEntropy(gz, z []float32, labels []int, n, c int) (lossSum float64, correct int) {
	for i := range n {
		row := z[i*c : (i+1)*c]
		best := argmax(row)
		if best == labels[i] {
			correct++
		}
		zmax := float64(row[best])
		sum := 0.0
		for _, v := range row {
			sum += expPortable(float64(v) - zmax)
		}
		lse := zmax + logPortable(sum)
		lossSum += lse - float64(row[labels[i]])
		if gz == nil {
			continue
		}
		g := gz[i*c : (i+1)*c]
		for j, v := range row {
			p := expPortable(float64(v) - lse)
			if j == labels[i] {
				p--
			}
			g[j] = float32(p / float64(n))
		}
	}
	return lossSum, correct
}

// sigmoidCrossEntropy takes one logit per row, z [N] (σ(z) = P(class 1)), and labels [N] in
// {0, 1}, and returns the summed loss Σ_i max(z,0) − z·y + ln(1 + e^−|z|) and how many rows are
// right (class 1 when z > 0, Keras' binary_accuracy threshold σ > 0.5). When gz is not nil it
// receives the gradient of the mean loss, gz = (σ(z) − y)/N.
func sigmoidCrossEntropy(gz, z []float32, labels []int, n int) (lossSum float64, correct int) {
	for i := range n {
		zi, y := float64(z[i]), float64(labels[i])
		if (zi > 0) == (labels[i] == 1) {
			correct++
		}
		lossSum += math.Max(zi, 0) - zi*y + softplusNegAbs(zi)
		if gz != nil {
			gz[i] = float32((sigmoid(zi) - y) / float64(n))
		}
	}
	return lossSum, correct
}

// softmaxRows writes p [N,C] = softmax(z) row by row.
func softmaxRows(p, z []float32, n, c int) {
	for i := range n {
		row := z[i*c : (i+1)*c]
		zmax := float64(row[argmax(row)])
		sum := 0.0
		for _, v := range row {
			sum += expPortable(float64(v) - zmax)
		}
		for j, v := range row {
			p[i*c+j] = float32(expPortable(float64(v)-zmax) / sum)
		}
	}
}

// sigmoidRows writes p [N,2] = (1 − σ(z), σ(z)) for z [N].
func sigmoidRows(p, z []float32, n int) {
	for i := range n {
		s := sigmoid(float64(z[i]))
		p[2*i], p[2*i+1] = float32(1-s), float32(s)
	}
}

// argmax returns the index of the largest value, the first one on ties.
func argmax(row []float32) int {
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}
