// keep.go: features the browser would not keep. When IndexedDB refuses a write (quota
// exceeded, a private window without it), the worker that extracted the photo holds its
// vectors in memory; a pool worker other than the model worker sends them back in its
// Extracted (Kept), and the page passes them on to the model worker (KindKeep), which trains
// on them. Nothing of them survives the page: the next run extracts them again.
package wire

// KindKeep: page → model worker: hold these features in memory for this page's runs.
const KindKeep = "keep"

// Keep is feature vectors under their cache keys (app/dataset Key.String()).
type Keep struct {
	Keys     []string    `json:"keys"`
	Features [][]float32 `json:"features"`
}
