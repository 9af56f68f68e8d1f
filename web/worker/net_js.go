//go:build js && wasm

// The worker's network and store for engine.Downloader: fetch() with the HTTP cache bypassed
// (the Cache API is the cache), and the Cache API itself (caches.open(cacheName)).
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path"
	"syscall/js"

	"github.com/graftml/graft/web/engine"
	"github.com/graftml/graft/weights/format"
)

// cacheName is the Cache API cache holding manifest.json and the verified chunks. Entries are
// keyed by URL, so models served from different folders never mix; chunk names are content
// hashes, so a cached chunk can never be stale.
const cacheName = "graft-model-v1"

// netFetcher fetches files of the model folder at base (an absolute URL ending in "/").
type netFetcher struct{ base string }

func (f netFetcher) Fetch(ctx context.Context, file string) ([]byte, error) {
	opts := js.Global().Get("Object").New()
	opts.Set("cache", "no-store")
	resp, err := await(js.Global().Call("fetch", f.base+file, opts))
	if err != nil {
		return nil, err
	}
	if !resp.Get("ok").Bool() {
		return nil, &engine.StatusError{File: file, Code: resp.Get("status").Int()}
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	return bytesFromJS(buf), nil
}

// cacheStore is the Cache API.
type cacheStore struct {
	cache js.Value
	base  string
}

// openCacheStore opens the cache, or returns nil when the Cache API is unavailable (an
// insecure context, some private modes).
func openCacheStore(base string) (*cacheStore, error) {
	caches := js.Global().Get("caches")
	if caches.IsUndefined() || caches.IsNull() {
		return nil, errors.New("the Cache API is not available here")
	}
	c, err := await(caches.Call("open", cacheName))
	if err != nil {
		return nil, err
	}
	return &cacheStore{cache: c, base: base}, nil
}

func (s *cacheStore) Get(ctx context.Context, file string) ([]byte, bool, error) {
	resp, err := await(s.cache.Call("match", s.base+file))
	if err != nil || resp.IsUndefined() {
		return nil, false, err
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, false, err
	}
	return bytesFromJS(buf), true, nil
}

func (s *cacheStore) Put(ctx context.Context, file string, data []byte) error {
	headers := js.Global().Get("Object").New()
	headers.Set("Content-Type", "application/octet-stream")
	init := js.Global().Get("Object").New()
	init.Set("headers", headers)
	resp := js.Global().Get("Response").New(bytesToJS(data), init)
	_, err := await(s.cache.Call("put", s.base+file, resp))
	return err
}

func (s *cacheStore) Delete(ctx context.Context, file string) error {
	_, err := await(s.cache.Call("delete", s.base+file))
	return err
}

// Files lists the stored files of this model folder (base).
func (s *cacheStore) Files(ctx context.Context) ([]string, error) {
	reqs, err := await(s.cache.Call("keys"))
	if err != nil {
		return nil, err
	}
	var files []string
	for i := range reqs.Length() {
		url := reqs.Index(i).Get("url").String()
		if len(url) > len(s.base) && url[:len(s.base)] == s.base {
			files = append(files, path.Base(url))
		}
	}
	return files, nil
}

// webCryptoHash is crypto.subtle.digest("SHA-256", …) for engine.Downloader.Hash (native code:
// ~20× faster than crypto/sha256 compiled to wasm), or nil where WebCrypto is missing (an
// insecure context). An error from it makes the Loader use crypto/sha256 for that chunk.
func webCryptoHash() format.Hasher {
	crypto := js.Global().Get("crypto")
	if crypto.Type() != js.TypeObject || crypto.Get("subtle").Type() != js.TypeObject {
		return nil
	}
	subtle := crypto.Get("subtle")
	return func(data []byte) (sum [sha256.Size]byte, err error) {
		defer func() {
			if r := recover(); r != nil { // digest threw instead of rejecting
				err = fmt.Errorf("crypto.subtle.digest: %v", r)
			}
		}()
		buf, err := await(subtle.Call("digest", "SHA-256", bytesToJS(data)))
		if err != nil {
			return sum, err
		}
		if buf.Get("byteLength").Int() != sha256.Size {
			return sum, errors.New("crypto.subtle.digest: not a SHA-256")
		}
		js.CopyBytesToGo(sum[:], js.Global().Get("Uint8Array").New(buf))
		return sum, nil
	}
}
