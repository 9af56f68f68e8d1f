// The limits of a head, which the head file format (app/headfile/FORMAT.md) and the training
// settings share; a change to one is a change to that specification.
package head

// Limits of a head, checked before anything is allocated. They are far above
// the presets (the largest, "keras", has 3.7 M parameters) and bound what a file can make a
// reader allocate to 256 MiB.
const (
	MaxLayers    = 16      // dense layers, the output layer included
	MaxUnits     = 8192    // units of one hidden layer
	MaxFeatures  = 8192    // inputs of the first layer (ResNet50's widest layer has 2048)
	MaxClasses   = 1000    // classes
	MaxParams    = 1 << 26 // kernel and bias floats in all
	MaxNameBytes = 256     // a class name, model id or preset name
	MaxBatch     = 1 << 16
	MaxEpochs    = 100000
	MaxValSplit  = 0.9
)
