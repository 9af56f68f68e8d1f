// Package settings is what a user chooses for a training run and the one set of defaults both
// `graft train` (its flags' defaults) and the page (its form's first values) start from. It
// imports nothing of core/, so the page can link it without the model; the app package turns a
// Settings into the engine's head.Config and finetune.Config (app/config.go). Keras' values
// where Keras has one: Adam(learning_rate=0.001), batch_size=32; the fine-tuning phase follows
// the Keras transfer-learning guide (a small learning rate, a few epochs).
package settings

// Strategies of the Keras transfer-learning guide.
const (
	StrategyConservative = "conservative" // a new head on the frozen trunk
	StrategyDynamic      = "dynamic"      // then head and top blocks together, at a small learning rate
)

// Settings are the training settings a user picks. The JSON names are the page's messages'
// (web/wire.Train carries them).
type Settings struct {
	Head         string   `json:"head"`              // preset: linear, mlp256, keras (core/head.Presets)
	Layer        string   `json:"layer,omitempty"`   // ResNet50 layer whose pooled output the head reads; "": app.BaseLayer's
	Dropout      *float64 `json:"dropout,omitempty"` // after each hidden layer; nil: the preset's
	Output       string   `json:"output"`            // softmax or sigmoid
	Epochs       int      `json:"epochs"`            //
	LearningRate float64  `json:"learning_rate"`     // Adam's
	BatchSize    int      `json:"batch_size"`        //
	ValSplit     float64  `json:"val_split"`         // fraction of each class held out
	Patience     int      `json:"patience"`          // early stopping; 0: never
	Flip         bool     `json:"flip"`              // also train on horizontal flips
	Seed         uint64   `json:"seed"`              //
	Resize       string   `json:"resize"`            // crop or nearest (core/preprocess.ResizeMode)

	// The dynamic strategy (core/finetune): after the head, fine-tune the top Unfreeze blocks
	// with it at FineTuneLR for at most FineTuneEpochs, keeping at most MemoryMB MiB of block
	// inputs in memory (the rest are reloaded from the cache or recomputed).
	Strategy       string  `json:"strategy"` // conservative or dynamic
	Unfreeze       int     `json:"unfreeze"`
	FineTuneLR     float64 `json:"fine_tune_lr"`
	FineTuneEpochs int     `json:"fine_tune_epochs"`
	MemoryMB       int     `json:"memory_mb"`
}

// DefaultSettings are the defaults of every training run, the CLI's and the page's.
func DefaultSettings() Settings {
	return Settings{Head: "mlp256", Output: "softmax", Epochs: 20, LearningRate: 1e-3, BatchSize: 32,
		ValSplit: 0.2, Patience: 5, Flip: false, Seed: 1, Resize: "crop",
		Strategy: StrategyConservative, Unfreeze: 1, FineTuneLR: 1e-5, FineTuneEpochs: 5, MemoryMB: 512}
}
