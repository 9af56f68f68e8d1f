// cache_fuzz_test.go: the feature cache's file reader (decodeCacheFile, cache.go) against
// arbitrary bytes: it never panics, never allocates beyond the file's size, and accepts only
// what the writer would write again byte for byte, every value finite.
package dataset

import (
	"bytes"
	"math"
	"testing"
)

func FuzzDecodeCacheFile(f *testing.F) {
	const key = "graft-features-v1|model|conv4_block6_out|crop|id|0123"
	good := encodeCacheFile(key, []float32{0, 1.5, -2, 3e-7})
	f.Add(good, key)
	f.Add(good[:len(good)-1], key)
	f.Add(encodeCacheFile(key, nil), key)
	f.Add(encodeCacheFile("other", []float32{1}), key)
	f.Add([]byte(cacheMagic), key)
	f.Add(encodeCacheFile(key, []float32{1, float32(math.NaN())}), key) // intact, but not features
	f.Add(encodeCacheFile(key, []float32{float32(math.Inf(-1))}), key)
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		v, err := decodeCacheFile(data, key)
		if err != nil {
			return
		}
		if again := encodeCacheFile(key, v); !bytes.Equal(again, data) {
			t.Fatalf("accepted %d bytes that the writer writes as %d", len(data), len(again))
		}
		for i, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("value %d is %g", i, x)
			}
		}
	})
}
