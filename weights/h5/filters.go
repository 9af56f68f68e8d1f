// Chunk filters, undone in reverse pipeline order: fletcher32 (drop the
// trailing checksum), deflate (zlib), shuffle (byte transposition).
//
// HDF5 File Format Specification v3.0, §IV.A.2.l lists the filter IDs; the
// encodings are those of libhdf5's H5Zdeflate.c, H5Zshuffle.c and
// H5Zfletcher32.c. The fletcher32 checksum is not verified.
package h5

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
)

// applyFilters decodes one stored chunk whose full decoded size is chunkBytes.
func applyFilters(data []byte, pipeline []filter, mask uint32, chunkBytes uint64) ([]byte, error) {
	for i := len(pipeline) - 1; i >= 0; i-- {
		if i < 32 && mask&(1<<i) != 0 {
			continue // this filter was skipped when the chunk was written
		}
		f := pipeline[i]
		var err error
		switch f.id {
		case filterDeflate:
			data, err = inflate(data, chunkBytes)
		case filterShuffle:
			if len(f.params) < 1 {
				return nil, fmt.Errorf("shuffle filter without element size")
			}
			data = unshuffle(data, int(f.params[0]))
		case filterFletcher32:
			if len(data) < 4 {
				return nil, fmt.Errorf("fletcher32 chunk of %d bytes", len(data))
			}
			data = data[:len(data)-4]
		default:
			return nil, fmt.Errorf("filter %d %q is not supported (only deflate, shuffle, fletcher32)", f.id, f.name)
		}
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

// inflate decompresses a zlib stream that must decode to at most limit bytes.
func inflate(data []byte, limit uint64) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("deflate: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("deflate: %w", err)
	}
	if uint64(len(out)) > limit {
		return nil, fmt.Errorf("deflate: chunk inflates beyond %d bytes", limit)
	}
	return out, nil
}

// unshuffle undoes the shuffle filter: the stored chunk holds byte 0 of
// every element, then byte 1 of every element, and so on; trailing bytes
// that do not fill an element are stored as they are.
func unshuffle(data []byte, elemSize int) []byte {
	if elemSize <= 1 || len(data) < elemSize {
		return data
	}
	n := len(data) / elemSize
	out := make([]byte, len(data))
	for b := 0; b < elemSize; b++ {
		plane := data[b*n : (b+1)*n]
		for i, v := range plane {
			out[i*elemSize+b] = v
		}
	}
	copy(out[n*elemSize:], data[n*elemSize:])
	return out
}
