// Package head trains and runs the classification head that Graft grafts onto ResNet50: a stack
// of dense layers over the global-average-pooled features of one ResNet50 layer,
// trained with Adam on softmax + categorical cross-entropy, or sigmoid + binary cross-entropy
// for two classes, with seeded shuffling, a stratified validation split and early stopping.
//
// Where the truth lives (Keras 3 sources):
//   - keras/src/layers/core/dense.py: Dense, y = x·kernel + bias; kernel [In, Out] initialised
//     glorot_uniform (keras/src/initializers/random_initializers.py), bias zeros.
//   - keras/src/layers/regularization/dropout.py: inverted dropout (kept units scaled by 1/(1−rate)).
//   - keras/src/losses/losses.py: categorical_crossentropy and binary_crossentropy with
//     from_logits=True, averaged over the batch.
//   - keras/src/optimizers/adam.py: the update in adam.go.
//   - keras/src/callbacks/early_stopping.py: monitor val_loss, patience, restore_best_weights.
//
// Training is explicit forward/backward pairs over flat row-major slices, in the manner of llm.c's
// train_gpt2.c: denseForward/denseBackward, reluForward/reluBackward,
// dropoutForward/dropoutBackward, softmaxCrossEntropy and sigmoidCrossEntropy (loss and the
// gradient of the logits together), adamStep. Matrix products go through kernels.GemmF32, the
// rest is plain loops. Every pair has a float64 twin in the tests, checked by central finite
// differences and against GoMLX's autodiff (core/reference).
//
// Axis vocabulary: N = rows of a batch (examples), In = a layer's inputs, Out = its units,
// F = pooled features of the base layer (In of the first layer), C = classes. Matrices are
// row-major: activations [N,In], kernels [In,Out] (Keras' Dense layout), biases [Out], logits [N,C]
// (N,1 for sigmoid).
//
// Determinism: a seed fixes every random draw (rng.go: PCG with our own integer and float
// draws, one stream per use), the order of examples, and the order of every sum, so one seed and
// one data set give bit-identical weights run after run on the same build. exp and log are our
// own (portable_math.go): math.Exp and math32.Exp are assembly on amd64 and Go code on wasm, and
// would differ in the last bit. What can still differ between native and wasm is the GEMM engine
// (kernels.Engine: the Go micro-kernel and the SIMD128 module sum in different orders).
//
// Nothing here uses syscall/js or starts goroutines; the browser worker calls the same code.
package head
