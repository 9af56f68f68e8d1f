// train.go: the messages of "train a head on your own photos" between
// the page (web/app) and the workers (web/worker, logic in web/engine). The flow:
//
//	page → model worker   list      the picked folder's files (a JS array "files" beside)
//	model worker → page   listing   progress, then the classes, images and skipped files
//	page → model worker   train     settings; the worker answers missing (features to extract)
//	page → pool worker    run       the run's id and settings, once, before its first extract
//	page → any worker     extract   one image of run Run (its File as "blob" beside) → extracted
//	model worker → page   epoch …   then trained (the worker keeps the head file) or train_failed
//	page → model worker   heads, head_op (save, use, delete, export, import with "blob" beside)
//	model worker → page   heads, head_file ("file" beside), head_error
//
// Images never travel inside the JSON: Files go beside it as handles, read where they are used.
// The page never handles the layer: every worker derives what a run extracts (which layer, views
// and block input) from its own copy of the model's manifest and the run's settings
// (web/engine.RunSpecOf); the model worker from the train message, a pool worker from run.
package wire

import "github.com/graftml/graft/app/settings"

// Message kinds of the training flow.
const (
	KindList        = "list"         // page → model worker
	KindListing     = "listing"      // model worker → page
	KindTrain       = "train"        // page → model worker
	KindMissing     = "missing"      // model worker → page: extract these first
	KindRun         = "run"          // page → pool worker: the run's settings, before its extracts
	KindExtract     = "extract"      // page → any worker
	KindExtracted   = "extracted"    // worker → page
	KindEpoch       = "epoch"        // model worker → page
	KindTrained     = "trained"      // model worker → page
	KindTrainFailed = "train_failed" // model worker → page
	KindCancel      = "cancel"       // page → workers: stop run Run
	KindHeads       = "heads"        // page → model worker (asks); model worker → page (answers)
	KindHeadOp      = "head_op"      // page → model worker
	KindHeadFile    = "head_file"    // model worker → page: an exported head file
	KindHeadError   = "head_error"   // model worker → page
	KindBench       = "bench"        // page → model worker: time training on synthetic features
	KindBenchResult = "bench_result" // model worker → page
)

// List asks the model worker to list a folder. Paths[i] is the i-th File's slash-separated path
// below the picked root ("cats/a.jpg"); Dirs are folders seen by a drop (empty ones included).
type List struct {
	ID    int      `json:"id"`
	Paths []string `json:"paths"`
	Dirs  []string `json:"dirs,omitempty"`
}

// Listing is a folder of classes (app/dataset.Listing): first progress (Final false: only
// Done and Total), then the whole listing.
type Listing struct {
	ID      int          `json:"id"`
	Done    int          `json:"done"`
	Total   int          `json:"total"`
	Final   bool         `json:"final"`
	Classes []ClassCount `json:"classes,omitempty"`
	Entries []Entry      `json:"entries,omitempty"`
	Skipped []Skip       `json:"skipped,omitempty"`
	Ms      float64      `json:"ms"` // reading and hashing the files
}

// ClassCount is one class folder and how many images it keeps.
type ClassCount struct {
	Name   string `json:"name"`
	Images int    `json:"images"`
}

// Entry is one image a listing keeps.
type Entry struct {
	Path  string `json:"path"`
	Hash  string `json:"hash"` // SHA-256 of the file, lowercase hex
	Class int    `json:"class"`
	Bytes int64  `json:"bytes"`
}

// Skip is a file a listing leaves out, and why (app/dataset's reasons).
type Skip struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Settings are the training settings the page offers (app/settings, the CLI's too); the worker
// turns them into a core/head.Config exactly as `graft train` turns its flags into one.
type Settings = settings.Settings

// Strategies of the Keras transfer-learning guide (app/settings).
const (
	StrategyConservative = settings.StrategyConservative
	StrategyDynamic      = settings.StrategyDynamic
)

// Presets are the head presets as the page lists them (core/head.Presets; a test keeps them equal).
var Presets = []Preset{
	{"linear", "Linear: logistic regression on the features"},
	{"mlp256", "One hidden layer of 256 with dropout 0.5"},
	{"keras", "Keras tutorial: 1024-1024-1024-512"},
}

// Preset is a head preset's name and description.
type Preset struct {
	Name  string `json:"name"`
	About string `json:"about"`
}

// DefaultSettings are the defaults of app/settings, `graft train`'s flags' too.
func DefaultSettings() Settings { return settings.DefaultSettings() }

// Train asks the model worker to train on listing Listing. Failed are images extraction found
// undecodable; the worker drops them from the listing first.
type Train struct {
	Run      int      `json:"run"`
	Listing  int      `json:"listing"`
	Settings Settings `json:"settings"`
	Failed   []Skip   `json:"failed,omitempty"`
	Changes  []Change `json:"changes,omitempty"` // the label check's decisions (audit.go), applied first
}

// Missing answers Train when some features are not in the cache yet: the page has them
// extracted (Extract per image) and sends Train again.
type Missing struct {
	Run     int   `json:"run"`
	Entries []int `json:"entries"` // indices into the listing's entries
	Cached  int   `json:"cached"`  // entries whose features are all cached
	// InputBytes is, for the dynamic strategy, what one view of the cached block input (the
	// first unfrozen block's input) takes; 0 otherwise.
	InputBytes int64    `json:"input_bytes,omitempty"`
	Listing    *Listing `json:"listing"` // after dropping Train.Failed
}

// Run tells a pool worker, before its first Extract of run Run, the settings of that run (the
// Train message's), from which it derives what to extract exactly as the model worker does.
type Run struct {
	Run      int      `json:"run"`
	Settings Settings `json:"settings"`
}

// Extract asks a worker for the features of one image of run Run (its File is the "blob"
// beside), into the feature cache (and, for a dynamic run, the block-input cache).
type Extract struct {
	ID    int    `json:"id"`
	Run   int    `json:"run"`
	Path  string `json:"path"`
	Hash  string `json:"hash"`
	Type  string `json:"type"`
	Bytes int64  `json:"bytes"`
}

// Extracted is one image done: from the cache (Hit), computed, or not (Undecodable or Error).
type Extracted struct {
	ID          int     `json:"id"`
	Run         int     `json:"run"`
	Hit         bool    `json:"hit"`
	Computed    int     `json:"computed"`              // views computed
	Undecodable string  `json:"undecodable,omitempty"` // the skip reason
	Error       string  `json:"error,omitempty"`
	DecodeMs    float64 `json:"decode_ms"`
	ModelMs     float64 `json:"model_ms"`
	// NotKept: the browser refused to keep the features (why, in words: keep.go); a pool
	// worker other than the model worker sends them along for the model worker (Keep).
	NotKept string `json:"not_kept,omitempty"`
	Kept    *Keep  `json:"kept,omitempty"`
}

// Epoch is one line of the training history (core/head.Epoch). Diverged: a loss was not a
// finite number (and is sent as 0). Epoch counts across both phases of a dynamic run (the
// chart's x axis); PhaseEpoch within Phase.
type Epoch struct {
	Run         int     `json:"run"`
	Epoch       int     `json:"epoch"`
	Epochs      int     `json:"epochs"`      // planned, both phases
	Phase       string  `json:"phase"`       // "head" or "fine-tune" (core/finetune's phases)
	PhaseEpoch  int     `json:"phase_epoch"` // 1-based within the phase
	Loss        float64 `json:"loss"`
	Accuracy    float64 `json:"accuracy"`
	ValLoss     float64 `json:"val_loss"`
	ValAccuracy float64 `json:"val_accuracy"`
	Diverged    bool    `json:"diverged,omitempty"`
	Ms          float64 `json:"ms"` // since training started
}

// Trained is a finished run. The worker keeps the head file (Head describes it, ID 0: not saved
// yet; head_op save or export asks for it); it is the worker's active head from now on.
type Trained struct {
	Run          int      `json:"run"`
	Classes      []string `json:"classes"`
	History      []Epoch  `json:"history"`
	BestEpoch    int      `json:"best_epoch"`
	StoppedEarly bool     `json:"stopped_early"`
	TrainImages  int      `json:"train_images"`
	ValImages    int      `json:"val_images"`
	Validation   *Metrics `json:"validation,omitempty"` // nil without a validation set
	Head         HeadInfo `json:"head"`
	LoadMs       float64  `json:"load_ms"`  // reading the cached features (and block inputs)
	TrainMs      float64  `json:"train_ms"` // head.Train or finetune.Train
	Engine       string   `json:"engine"`

	Strategy string `json:"strategy"` // the settings' strategy
	Describe string `json:"describe"` // which strategy produced the model, in words (head.Model.Describe)
	// A dynamic run: the conservative phase's result (the fallback, kept beside the model),
	// the fine-tuning epoch whose weights the model has (0: none beat the conservative head,
	// which is the model), and the block inputs held in memory or reloaded from the cache.
	Conservative      *Phase      `json:"conservative,omitempty"`
	BestFineTuneEpoch int         `json:"best_fine_tune_epoch"`
	HeadEpochs        int         `json:"head_epochs"` // epochs of the head phase: where the chart's phase boundary is
	Inputs            *InputStats `json:"inputs,omitempty"`
}

// Phase is the conservative phase of a dynamic run.
type Phase struct {
	ValAccuracy float64  `json:"val_accuracy"` // -1 without validation
	ValLoss     float64  `json:"val_loss"`
	BestEpoch   int      `json:"best_epoch"`
	Head        HeadInfo `json:"head"` // the fallback head file (kept by the worker; saved with the model)
}

// InputStats says where a dynamic run's block inputs were while it trained.
type InputStats struct {
	Layer      string `json:"layer"`       // "conv4_block5_out"
	EntryBytes int64  `json:"entry_bytes"` // one view, uint8 codes + scales
	BudgetMB   int    `json:"budget_mb"`
	Held       int    `json:"held"`     // views kept in memory
	Reloaded   int    `json:"reloaded"` // views read again from the on-disk cache at each use
	HeldBytes  int64  `json:"held_bytes"`
	Reloads    int    `json:"reloads"` // reads from the cache during training
}

// Metrics are a head's validation metrics (core/head.Metrics) with the wrong images by path.
type Metrics struct {
	Examples  int       `json:"examples"`
	Loss      float64   `json:"loss"`
	Accuracy  float64   `json:"accuracy"`
	PerClass  []float64 `json:"per_class"`
	Counts    []int     `json:"counts"`
	Confusion [][]int   `json:"confusion"` // row = true class, column = predicted
	Wrong     []Wrong   `json:"wrong"`
}

// Wrong is one misclassified validation image.
type Wrong struct {
	Path      string    `json:"path"`
	Label     int       `json:"label"`
	Predicted int       `json:"predicted"`
	Probs     []float32 `json:"probs"`
}

// TrainFailed: the run stopped (Cancelled) or could not start.
type TrainFailed struct {
	Run       int    `json:"run"`
	Message   string `json:"message"`
	Cancelled bool   `json:"cancelled"`
}

// Cancel stops run Run: queued extractions are dropped, training stops at the next epoch.
type Cancel struct {
	Run int `json:"run"`
}

// HeadInfo describes a head: a saved one (ID > 0) or the one just trained (ID 0).
type HeadInfo struct {
	ID         int      `json:"id"`
	Name       string   `json:"name"`
	CreatedMs  float64  `json:"created_ms"` // Unix milliseconds
	Classes    []string `json:"classes"`
	Preset     string   `json:"preset"`
	ModelID    string   `json:"model_id"`
	Layer      string   `json:"layer"`
	Resize     string   `json:"resize"`
	Accuracy   float64  `json:"accuracy"` // validation accuracy; -1 when trained without validation
	Examples   int      `json:"examples"` // validation images
	Bytes      int      `json:"bytes"`    // head file size
	Describe   string   `json:"describe"` // head.Model.Describe: conservative, or dynamic with its blocks
	Compatible bool     `json:"compatible"`
	Problem    string   `json:"problem,omitempty"` // why it cannot run here
}

// Heads is the saved heads and which head classifies photos (Active: a saved ID, 0 for the
// one just trained, -1 for none).
type Heads struct {
	Heads  []HeadInfo `json:"heads"`
	Active int        `json:"active"`
	Error  string     `json:"error,omitempty"` // the store could not be read
	// Unsaved: a head trained on this page is not among the saved ones (the page warns before
	// it is left).
	Unsaved bool `json:"unsaved,omitempty"`
	// Notice is what a save did, in words ("Saved as “pets”.", "Already saved as “pets”.").
	Notice string `json:"notice,omitempty"`
	// Draft is the head last trained, kept automatically and not saved (nil: none); DraftError
	// why it could not be kept.
	Draft      *HeadInfo `json:"draft,omitempty"`
	DraftError string    `json:"draft_error,omitempty"`
}

// Head operations.
const (
	HeadSave    = "save"    // keep the head just trained under Name
	HeadUse     = "use"     // classify photos with head ID
	HeadDelete  = "delete"  // forget head ID
	HeadExport  = "export"  // send head ID's file (head_file)
	HeadImport  = "import"  // check and keep the file sent as "blob" (FileName)
	HeadDiscard = "discard" // delete draft ID (Save with a draft's ID saves it)
)

// HeadOp is one operation on the saved heads.
type HeadOp struct {
	Op       string `json:"op"`
	ID       int    `json:"id"`
	Name     string `json:"name,omitempty"`
	FileName string `json:"file_name,omitempty"`
}

// HeadFile is an exported head file (the "file" beside).
type HeadFile struct {
	ID       int    `json:"id"`
	FileName string `json:"file_name"`
	Bytes    int    `json:"bytes"`
}

// HeadError says why a head operation failed, in words.
type HeadError struct {
	Op      string `json:"op"`
	Message string `json:"message"`
}

// HeadPrediction is the active head's answer for a photo, beside the ImageNet top-5.
type HeadPrediction struct {
	ID      int             `json:"id"`
	Name    string          `json:"name"`
	Classes []ClassProb     `json:"classes"` // in the head's class order
	Best    int             `json:"best"`    // index of the predicted class
	Note    string          `json:"note,omitempty"`
	OpenSet *OpenSetVerdict `json:"open_set,omitempty"` // nil: the head has no open set
	Heat    *HeatMap        `json:"heat,omitempty"`     // why: the best class's Grad-CAM, when asked for (Classify.Explain)
}

// HeatMap is a class's Grad-CAM map for one photo (app.Explanation): H×W cells over the photo
// as the head saw it (Resize's 224×224 view), row-major, each in [0, 1] (divided by Peak).
type HeatMap struct {
	Class  int       `json:"class"`
	H      int       `json:"h"`
	W      int       `json:"w"`
	Map    []float32 `json:"map"`
	Peak   float32   `json:"peak"`   // 0: nothing in the photo speaks for the class (the map is all 0)
	Resize string    `json:"resize"` // the resize mode of the view the map covers
}

// OpenSetVerdict says whether the photo is one of the head's classes at all (app.Prediction).
type OpenSetVerdict struct {
	Unknown   bool    `json:"unknown"`   // "not one of" the classes
	Score     float64 `json:"score"`     // distance to the nearest class (about 1 for a typical photo of it)
	Threshold float64 `json:"threshold"` // scores above it are unknown
	Nearest   int     `json:"nearest"`   // index of the nearest class
}

// ClassProb is one class's probability.
type ClassProb struct {
	Name string  `json:"name"`
	Prob float32 `json:"prob"`
}

// Bench asks for a timing of head training on synthetic features of the model's feature width.
type Bench struct {
	Images int    `json:"images"`
	Epochs int    `json:"epochs"`
	Head   string `json:"head"`
	Flip   bool   `json:"flip"` // two views per image, both trained on
}

// BenchResult is that timing.
type BenchResult struct {
	Bench
	Features int     `json:"features"`
	Ms       float64 `json:"ms"`
	Engine   string  `json:"engine"`
}

// Message kinds of the on-disk caches (IndexedDB's feature and block-input stores).
const (
	KindCache      = "cache"       // page → model worker: an operation on the caches
	KindCacheStats = "cache_stats" // model worker → page: what they hold (and what an operation freed)
)

// Cache operations.
const (
	CacheStatsOp      = "stats"          // say what the caches hold
	CacheClearInputs  = "clear_inputs"   // delete every cached block input
	CacheClearFeature = "clear_features" // delete every cached feature vector
	CachePrune        = "prune"          // delete entries of other models (the worker does it on load)
)

// Cache asks the model worker for an operation on the caches.
type Cache struct {
	Op string `json:"op"`
}

// CacheCount is a number of cache entries and the bytes their values take.
type CacheCount struct {
	Entries int   `json:"entries"`
	Bytes   int64 `json:"bytes"`
}

// CacheStats says what the caches hold after Op, what Op removed (Freed), and what the
// browser reports for the whole origin (navigator.storage.estimate(); 0 when unknown).
type CacheStats struct {
	Op         string     `json:"op"`
	Features   CacheCount `json:"features"`
	Inputs     CacheCount `json:"inputs"`
	Freed      CacheCount `json:"freed"`
	UsageBytes int64      `json:"usage_bytes,omitempty"`
	QuotaBytes int64      `json:"quota_bytes,omitempty"`
	Error      string     `json:"error,omitempty"`
}
