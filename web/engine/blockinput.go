// blockinput.go: the dynamic strategy's block inputs in the browser's on-disk cache.
// One trunk pass per image gives the pooled features (the feature cache, as for the
// conservative strategy) and the first unfrozen block's input, a finetune.Compact (uint8 codes
// and per-channel scales, core/finetune/compact.go), kept in IndexedDB under
// blockinput.BlockInputKey as the bytes blockinput.EncodeCompact writes (app/blockinput/compact_codec.go,
// which graft train's cache folder uses too). A damaged or implausible entry decodes to an
// error, which every reader treats as a miss: the image is extracted again.
package engine

import "context"

// BlockInputStore keeps encoded block inputs under blockinput.BlockInputKey strings.
type BlockInputStore interface {
	// GetBlockInputs returns one entry per key, nil for a miss.
	GetBlockInputs(ctx context.Context, keys []string) ([][]byte, error)
	// PutBlockInputs stores vals[i] under keys[i].
	PutBlockInputs(ctx context.Context, keys []string, vals [][]byte) error
}
