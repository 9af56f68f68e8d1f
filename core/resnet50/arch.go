// Package resnet50 is Keras' ResNet50 (tf.keras.applications.resnet.ResNet50, "caffe" weights)
// written out by hand: one stage table, one bottleneck block, Keras' layer names.
//
// The definition is keras/src/applications/resnet.py: ResNet(stack_fn) with
//
//	conv1_pad (ZeroPadding2D 3) → conv1_conv (7x7/2, 64) → conv1_bn → conv1_relu
//	pool1_pad (ZeroPadding2D 1) → pool1_pool (MaxPooling2D 3, stride 2, valid)
//	stack1(64, 3 blocks, stride 1, "conv2"), stack1(128, 4, "conv3"), stack1(256, 6, "conv4"), stack1(512, 3, "conv5")
//	avg_pool (GlobalAveragePooling2D) → predictions (Dense 1000, softmax)
//
// and block1(filters, stride, conv_shortcut, name):
//
//	shortcut = name_0_conv (1x1/stride, 4·filters) → name_0_bn      (first block of a stack only)
//	x = name_1_conv (1x1/stride, filters) → name_1_bn → relu
//	x = name_2_conv (3x3 same, filters)   → name_2_bn → relu
//	x = name_3_conv (1x1, 4·filters)      → name_3_bn
//	name_out = relu(shortcut + x)
//
// Every conv has a bias; batch norms use epsilon 1.001e-5. Axis vocabulary: N, H, W, C (NHWC);
// conv kernels are [KH, KW, Cin, Cout] as Keras stores them.
package resnet50

import "fmt"

// InputSize is the side of the square input image.
const InputSize = 224

// NumClasses is the size of the ImageNet-1k classifier.
const NumClasses = 1000

// Stage is one stack1 call of the Keras source.
type Stage struct {
	Name    string // "conv2" … "conv5"
	Filters int    // bottleneck width; the block output has 4·Filters channels
	Blocks  int
	Stride  int // stride of the first block (on its 1x1 convs)
}

// Stages is ResNet50's stage table {3, 4, 6, 3}.
var Stages = []Stage{
	{"conv2", 64, 3, 1},
	{"conv3", 128, 4, 2},
	{"conv4", 256, 6, 2},
	{"conv5", 512, 3, 2},
}

// ConvSpec describes one Conv2D layer (and the BatchNormalization that follows it).
type ConvSpec struct {
	Name   string // Keras layer name, e.g. "conv3_block1_0_conv"
	BN     string // the BatchNormalization after it, e.g. "conv3_block1_0_bn"
	Kernel int    // KH = KW
	Stride int
	Cin    int
	Cout   int
}

// blockName is Keras' name for block b (1-based) of a stage: "conv4_block6".
func blockName(stage string, b int) string { return fmt.Sprintf("%s_block%d", stage, b) }

// Convs lists every conv layer of ResNet50 in execution order, with its shape.
func Convs() []ConvSpec {
	convs := []ConvSpec{{Name: "conv1_conv", BN: "conv1_bn", Kernel: 7, Stride: 2, Cin: 3, Cout: 64}}
	cin := 64
	for _, s := range Stages {
		for b := 1; b <= s.Blocks; b++ {
			name, stride := blockName(s.Name, b), 1
			if b == 1 {
				stride = s.Stride
				convs = append(convs, ConvSpec{name + "_0_conv", name + "_0_bn", 1, stride, cin, 4 * s.Filters})
			}
			convs = append(convs,
				ConvSpec{name + "_1_conv", name + "_1_bn", 1, stride, cin, s.Filters},
				ConvSpec{name + "_2_conv", name + "_2_bn", 3, 1, s.Filters, s.Filters},
				ConvSpec{name + "_3_conv", name + "_3_bn", 1, 1, s.Filters, 4 * s.Filters})
			cin = 4 * s.Filters
		}
	}
	return convs
}

// Logits names the predictions layer's output before its softmax. It is not a Keras layer name
// (Keras fuses the softmax into the Dense layer); the references compare it because
// probabilities saturate.
const Logits = "logits"

// OutputLayers lists, in order, the named activations a forward pass produces and can stop at:
// conv1_relu, pool1_pool, every convS_blockN_out, avg_pool, logits, predictions.
func OutputLayers() []string {
	names := []string{"conv1_relu", "pool1_pool"}
	for _, s := range Stages {
		for b := 1; b <= s.Blocks; b++ {
			names = append(names, blockName(s.Name, b)+"_out")
		}
	}
	return append(names, "avg_pool", Logits, "predictions")
}

// LayerIndex is the position of a named output layer in OutputLayers, or -1.
func LayerIndex(name string) int {
	for i, n := range OutputLayers() {
		if n == name {
			return i
		}
	}
	return -1
}

// DenseLayer is the Keras name of the classifier (Dense 1000 with its softmax).
const DenseLayer = "predictions"

// LastLayer is the last output layer (OutputLayers) that the layers with weights for which
// has(name) holds can compute: walk the blocks in order and stop before the first block with a
// conv missing; past conv5 the model reaches avg_pool, and predictions when has(DenseLayer).
// It is "" when conv1_conv itself is missing. has is asked about Keras layer names (Convs'
// Name, DenseLayer).
func LastLayer(has func(layer string) bool) string {
	if !has("conv1_conv") {
		return ""
	}
	last := "pool1_pool"
	for _, s := range Stages {
		for b := 1; b <= s.Blocks; b++ {
			block := blockName(s.Name, b)
			if b == 1 && !has(block+"_0_conv") || !has(block+"_1_conv") || !has(block+"_2_conv") || !has(block+"_3_conv") {
				return last
			}
			last = block + "_out"
		}
	}
	if has(DenseLayer) {
		return DenseLayer
	}
	return "avg_pool"
}

// OutputChannels is the channel count of a named output layer (avg_pool: 2048, predictions: 1000).
func OutputChannels(name string) int {
	switch name {
	case "conv1_relu", "pool1_pool":
		return 64
	case "avg_pool":
		return 2048
	case Logits, "predictions":
		return NumClasses
	}
	for _, s := range Stages {
		for b := 1; b <= s.Blocks; b++ {
			if blockName(s.Name, b)+"_out" == name {
				return 4 * s.Filters
			}
		}
	}
	return 0
}
