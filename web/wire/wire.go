// Package wire is the message vocabulary between the page (web/app) and the Web Worker that runs
// the model (web/worker, logic in web/engine). Messages are JSON text in postMessage; a photo
// travels beside the JSON as a Blob, never through it. This package has no dependencies beyond
// encoding/json so the page's wasm does not link the model.
package wire

import (
	"encoding/json"
	"fmt"
)

// Message kinds.
const (
	KindStatus   = "status"   // worker → page: model download and engine state
	KindResult   = "result"   // worker → page: one photo classified
	KindFailed   = "failed"   // worker → page: one photo could not be classified
	KindClassify = "classify" // page → worker: classify the Blob sent beside this message
)

// Envelope is every message: Kind says which one of the pointers is set.
type Envelope struct {
	Kind     string    `json:"kind"`
	Status   *Status   `json:"status,omitempty"`
	Result   *Result   `json:"result,omitempty"`
	Failed   *Failed   `json:"failed,omitempty"`
	Classify *Classify `json:"classify,omitempty"`

	// The training flow (train.go).
	List        *List        `json:"list,omitempty"`
	Listing     *Listing     `json:"listing,omitempty"`
	Train       *Train       `json:"train,omitempty"`
	Missing     *Missing     `json:"missing,omitempty"`
	Run         *Run         `json:"run,omitempty"`
	Extract     *Extract     `json:"extract,omitempty"`
	Extracted   *Extracted   `json:"extracted,omitempty"`
	Epoch       *Epoch       `json:"epoch,omitempty"`
	Trained     *Trained     `json:"trained,omitempty"`
	TrainFailed *TrainFailed `json:"train_failed,omitempty"`
	Cancel      *Cancel      `json:"cancel,omitempty"`
	Heads       *Heads       `json:"heads,omitempty"`
	HeadOp      *HeadOp      `json:"head_op,omitempty"`
	HeadFile    *HeadFile    `json:"head_file,omitempty"`
	HeadError   *HeadError   `json:"head_error,omitempty"`
	Bench       *Bench       `json:"bench,omitempty"`
	BenchResult *BenchResult `json:"bench_result,omitempty"`
	Cache       *Cache       `json:"cache,omitempty"`
	CacheStats  *CacheStats  `json:"cache_stats,omitempty"`
	Baked       *Baked       `json:"baked,omitempty"` // baked.go
	Keep        *Keep        `json:"keep,omitempty"`  // keep.go

	// Sorting a folder (sort.go).
	SortStart *SortStart `json:"sort_start,omitempty"`
	SortReady *SortReady `json:"sort_ready,omitempty"`
	SortRun   *SortRun   `json:"sort_run,omitempty"`
	SortPhoto *SortPhoto `json:"sort_photo,omitempty"`
	Sorted    *Sorted    `json:"sorted,omitempty"`
	SortPlan  *SortPlan  `json:"sort_plan,omitempty"`
	SortNames *SortNames `json:"sort_names,omitempty"`

	// Checking labels (audit.go).
	Audit         *Audit         `json:"audit,omitempty"`
	AuditProgress *AuditProgress `json:"audit_progress,omitempty"`
	Audited       *Audited       `json:"audited,omitempty"`
}

// Phases of the model download, in the order they normally happen.
const (
	PhaseStarting    = "starting"    // the worker's Go is starting
	PhaseManifest    = "manifest"    // fetching manifest.json
	PhaseDownloading = "downloading" // chunks arriving
	PhaseReady       = "ready"       // every chunk verified; the model is built
	PhaseError       = "error"       // stopped: Error says why
)

// Status is where the model stands. The worker sends a fresh one after every change.
type Status struct {
	Phase  string `json:"phase"`
	Engine string `json:"engine"` // "wasm-relaxed-simd", "wasm-simd128" or "wasm-scalar"

	ModelID     string `json:"model_id,omitempty"`
	DType       string `json:"dtype,omitempty"`
	Synthetic   bool   `json:"synthetic"`              // some layers hold a seeded synthetic fill
	SyntheticOf string `json:"synthetic_of,omitempty"` // e.g. "stage 5 and the classifier (10 of 54 layers)"

	BytesDone   int64  `json:"bytes_done"`
	BytesTotal  int64  `json:"bytes_total"`
	ChunksDone  int    `json:"chunks_done"` // verified (SHA-256) chunks
	ChunksTotal int    `json:"chunks_total"`
	LayersDone  int    `json:"layers_done"` // layers whose weights are all verified
	LayersTotal int    `json:"layers_total"`
	LastLayer   string `json:"last_layer,omitempty"` // last output layer computable now

	// What a head trained here reads (app.HeadBase's layer), once the manifest is read:
	// MaxUnfreeze blocks can be fine-tuned below it (those of its stage up to it,
	// resnet50.TopBlocks' limit), and UnfreezeInputBytes[n-1] is what one view of the first
	// block's input takes, compact, when n are (the dynamic strategy's memory estimate).
	HeadLayer          string  `json:"head_layer,omitempty"`
	MaxUnfreeze        int     `json:"max_unfreeze,omitempty"`
	UnfreezeInputBytes []int64 `json:"unfreeze_input_bytes,omitempty"`

	FromCache         int    `json:"from_cache"`            // chunks read from the Cache API this visit
	FromNetwork       int    `json:"from_network"`          // chunks downloaded this visit
	Retries           int    `json:"retries"`               // failed fetches retried so far
	Refetched         int    `json:"refetched"`             // corrupt chunks fetched again
	Cached            bool   `json:"cached"`                // every chunk is in the Cache API: works offline
	CacheError        string `json:"cache_error,omitempty"` // the Cache API refused to keep a file
	ManifestFromCache bool   `json:"manifest_from_cache"`   // the network was unreachable; the cached manifest was used

	Notice  string  `json:"notice,omitempty"`   // a transient problem, e.g. "connection lost, retrying in 4 s"
	Error   string  `json:"error,omitempty"`    // set with PhaseError
	LoadMs  float64 `json:"load_ms,omitempty"`  // manifest to ready, once ready
	StoreMs float64 `json:"store_ms,omitempty"` // of which reading and verifying the stored chunks
	BuildMs float64 `json:"build_ms,omitempty"` // of which building the model (int8 → float32)
	// What computed the chunks' SHA-256: "WebCrypto" (crypto.subtle.digest) or "Go" (crypto/sha256,
	// where WebCrypto is missing or failed for any chunk), once ready.
	Digest string `json:"digest,omitempty"`
}

// Classify asks for one photo's top-5. The photo is the Blob sent with the message.
type Classify struct {
	ID     int    `json:"id"`
	Resize string `json:"resize"` // preprocess.ResizeMode: "nearest" or "crop"
	Name   string `json:"name"`   // file name, for messages
	Type   string `json:"type"`   // MIME type the browser gave, may be empty
	Bytes  int64  `json:"bytes"`
	// Explain asks for the Grad-CAM maps: the ImageNet top-1's (Result.Heat) and the active
	// head's best class's (HeadPrediction.Heat).
	Explain bool `json:"explain,omitempty"`
}

// Prediction is one of the top-5 labels.
type Prediction struct {
	Index  int     `json:"index"`
	Synset string  `json:"synset"`
	Name   string  `json:"name"`
	Prob   float32 `json:"prob"`
}

// Result is one classified photo.
type Result struct {
	ID           int          `json:"id"`
	Top5         []Prediction `json:"top5"`
	Resize       string       `json:"resize"`
	ResizeText   string       `json:"resize_text"` // preprocess.ResizeMode.Description()
	Engine       string       `json:"engine"`
	Synthetic    bool         `json:"synthetic"`
	Width        int          `json:"width"`              // pixels that reached Go (after any downscale)
	Height       int          `json:"height"`             //
	Original     string       `json:"original,omitempty"` // "6000×4000" when the browser downscaled it first
	DecodeMs     float64      `json:"decode_ms"`          // browser decode (+ downscale) and copy into Go
	PreprocessMs float64      `json:"preprocess_ms"`      // resize + caffe in Go
	ModelMs      float64      `json:"model_ms"`           // ResNet50 forward
	WaitMs       float64      `json:"wait_ms"`            // waiting for the model's layers to arrive
	// StreamedLayers counts the layers with weights (of the model's 54: 53 convs and the
	// classifier) that ran before the model's last chunk arrived: the pass started while the
	// weights streamed.
	StreamedLayers int `json:"streamed_layers,omitempty"`
	// Head is the active trained head's answer (nil when no head is active).
	Head *HeadPrediction `json:"head,omitempty"`
	// Heat is the ImageNet top-1's Grad-CAM map (app.ImageNetExplainer), when asked for
	// (Classify.Explain) and the model has its classifier; Class is an ImageNet index.
	Heat *HeatMap `json:"heat,omitempty"`
}

// Failed says why one photo could not be classified, in words for the page.
type Failed struct {
	ID      int    `json:"id"`
	Message string `json:"message"`
}

// Encode marshals an envelope.
func Encode(e Envelope) string {
	b, err := json.Marshal(e)
	if err != nil { // only unsupported values (NaN) fail; the types above hold none by construction
		b, _ = json.Marshal(Envelope{Kind: KindStatus, Status: &Status{Phase: PhaseError, Error: "encoding a message: " + err.Error()}})
	}
	return string(b)
}

// Decode parses an envelope and checks that its kind matches its payload.
func Decode(text string) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal([]byte(text), &e); err != nil {
		return e, fmt.Errorf("wire: %w", err)
	}
	ok := false
	switch e.Kind {
	case KindStatus:
		ok = e.Status != nil
	case KindResult:
		ok = e.Result != nil
	case KindFailed:
		ok = e.Failed != nil
	case KindClassify:
		ok = e.Classify != nil
	case KindList:
		ok = e.List != nil
	case KindListing:
		ok = e.Listing != nil
	case KindTrain:
		ok = e.Train != nil
	case KindMissing:
		ok = e.Missing != nil
	case KindRun:
		ok = e.Run != nil
	case KindExtract:
		ok = e.Extract != nil
	case KindExtracted:
		ok = e.Extracted != nil
	case KindEpoch:
		ok = e.Epoch != nil
	case KindTrained:
		ok = e.Trained != nil
	case KindTrainFailed:
		ok = e.TrainFailed != nil
	case KindCancel:
		ok = e.Cancel != nil
	case KindHeads:
		ok = e.Heads != nil
	case KindHeadOp:
		ok = e.HeadOp != nil
	case KindHeadFile:
		ok = e.HeadFile != nil
	case KindHeadError:
		ok = e.HeadError != nil
	case KindBench:
		ok = e.Bench != nil
	case KindBenchResult:
		ok = e.BenchResult != nil
	case KindCache:
		ok = e.Cache != nil
	case KindCacheStats:
		ok = e.CacheStats != nil
	case KindBaked:
		ok = e.Baked != nil
	case KindKeep:
		ok = e.Keep != nil
	case KindSortStart:
		ok = e.SortStart != nil
	case KindSortReady:
		ok = e.SortReady != nil
	case KindSortRun:
		ok = e.SortRun != nil
	case KindSortPhoto:
		ok = e.SortPhoto != nil
	case KindSorted:
		ok = e.Sorted != nil
	case KindSortPlan:
		ok = e.SortPlan != nil
	case KindSortNames:
		ok = e.SortNames != nil
	case KindAudit:
		ok = e.Audit != nil
	case KindAuditProgress:
		ok = e.AuditProgress != nil
	case KindAudited:
		ok = e.Audited != nil
	}
	if !ok {
		return e, fmt.Errorf("wire: message of kind %q without its payload", e.Kind)
	}
	return e, nil
}
