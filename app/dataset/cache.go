// cache.go: the feature cache. A Key names one feature vector — image content, base model,
// layer, view and resize mode — and a Cache maps keys to vectors. The browser keeps them in
// IndexedDB behind the same Key.String(); natively DirCache keeps one small file per vector,
// so retraining with new settings reads features instead of running ResNet50 again.
package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Key says which features a vector is.
type Key struct {
	Content string // lowercase hex SHA-256 of the image file's bytes
	Model   string // base model id
	Layer   string // ResNet50 output layer, pooled
	View    View
	Resize  string // preprocess.ResizeMode
}

// String is the key's canonical text; it changes whenever the features would.
func (k Key) String() string {
	return strings.Join([]string{cacheKeyVersion, "sha256:" + k.Content, "model:" + k.Model, "layer:" + k.Layer,
		"view:" + string(k.View), "resize:" + k.Resize}, "|")
}

// cacheKeyVersion starts every key; bump it when features of the same key could change
// (pooling, view definitions).
const cacheKeyVersion = "graft-features-v1"

// Cache stores feature vectors. Get reports a miss for anything it cannot read back intact.
type Cache interface {
	Get(k Key) ([]float32, bool)
	Put(k Key, features []float32) error
}

// DirCache is a Cache in a folder: Dir/<2 hex>/<SHA-256 of Key.String()>.f32, each file
//
//	magic "GRFTFEAT" | uint32 version 1 | uint32 key length | key | uint32 count | count float32 | uint32 CRC-32 (IEEE) of all before
//
// little-endian. Files are written to a temporary name and renamed, so readers never see half
// a file; a damaged or foreign file is a miss and is overwritten by the next Put.
type DirCache struct{ Dir string }

const (
	cacheMagic    = "GRFTFEAT"
	cacheVersion  = 1
	maxCacheFloat = 1 << 16 // more features than any layer has (2048): not ours
	maxCacheKey   = 4096
)

func (c DirCache) path(k Key) string {
	sum := sha256.Sum256([]byte(k.String()))
	name := hex.EncodeToString(sum[:])
	return filepath.Join(c.Dir, name[:2], name+".f32")
}

// Get reads k's vector, or reports a miss.
func (c DirCache) Get(k Key) ([]float32, bool) {
	data, err := os.ReadFile(c.path(k))
	if err != nil {
		return nil, false
	}
	v, err := decodeCacheFile(data, k.String())
	return v, err == nil
}

// Put stores k's vector.
func (c DirCache) Put(k Key, features []float32) error {
	if err := WriteFileAtomic(c.path(k), encodeCacheFile(k.String(), features)); err != nil {
		return fmt.Errorf("feature cache: %w", err)
	}
	return nil
}

// WriteFileAtomic writes data to path (making its folder) under a temporary name in the same
// folder, then renames it, so that a reader sees the old file or the whole new one, never a part.
// The caches here and core/finetune's InputDir write their entries so.
func WriteFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

func encodeCacheFile(key string, v []float32) []byte {
	b := append([]byte(cacheMagic), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[8:], cacheVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(key)))
	b = append(b, key...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

var errCacheFile = errors.New("not a feature cache file for this key")

func decodeCacheFile(b []byte, key string) ([]float32, error) {
	if len(b) < 16 || string(b[:8]) != cacheMagic || binary.LittleEndian.Uint32(b[8:]) != cacheVersion {
		return nil, errCacheFile
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, errCacheFile
	}
	kl := int(binary.LittleEndian.Uint32(b[12:]))
	if kl > maxCacheKey || 16+kl+4 > len(body) || string(body[16:16+kl]) != key {
		return nil, errCacheFile
	}
	rest := body[16+kl:]
	n := int(binary.LittleEndian.Uint32(rest))
	if n > maxCacheFloat || len(rest) != 4+4*n {
		return nil, errCacheFile
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(rest[4+4*i:]))
		if math.IsNaN(float64(v[i])) || math.IsInf(float64(v[i]), 0) { // features are finite: not ours
			return nil, errCacheFile
		}
	}
	return v, nil
}
