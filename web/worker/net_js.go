//go:build js && wasm

// The worker's network and store for engine.Downloader: fetch() with the HTTP cache bypassed
// (the Cache API is the cache), its body read as it arrives so that a cut body can be continued
// with a Range request and a silent server noticed (engine.RangeFetcher), and the Cache API
// itself (caches.open(cacheName)).
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path"
	"strings"
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
	data, _, err := f.FetchFrom(ctx, file, 0, nil)
	return data, err
}

// FetchFrom fetches file from byte from on (a Range request when from > 0), reading the body
// piece by piece; ctx's end aborts the request. A body cut short returns what arrived.
func (f netFetcher) FetchFrom(ctx context.Context, file string, from int64, got func(int)) ([]byte, bool, error) {
	ctl := js.Global().Get("AbortController").New()
	stop := context.AfterFunc(ctx, func() { ctl.Call("abort") })
	defer stop()
	opts := js.Global().Get("Object").New()
	opts.Set("cache", "no-store")
	opts.Set("signal", ctl.Get("signal"))
	if from > 0 {
		headers := js.Global().Get("Object").New()
		headers.Set("Range", fmt.Sprintf("bytes=%d-", from))
		opts.Set("headers", headers)
	}
	resp, err := await(js.Global().Call("fetch", f.base+file, opts))
	if err != nil {
		return nil, false, err
	}
	code := resp.Get("status").Int()
	if !resp.Get("ok").Bool() {
		return nil, false, &engine.StatusError{File: file, Code: code}
	}
	whole := code != 206
	if from > 0 && !whole && !strings.HasPrefix(resp.Get("headers").Call("get", "Content-Range").String(), fmt.Sprintf("bytes %d-", from)) {
		return nil, false, fmt.Errorf("%s: the server answered a range other than the one asked for", file)
	}
	reader := resp.Get("body").Call("getReader")
	var data []byte
	for {
		piece, err := await(reader.Call("read"))
		if err != nil {
			return data, whole, err
		}
		if piece.Get("done").Bool() {
			return data, whole, nil
		}
		v := piece.Get("value")
		n := v.Get("byteLength").Int()
		start := len(data)
		data = append(data, make([]byte, n)...)
		js.CopyBytesToGo(data[start:], v)
		if got != nil {
			got(n)
		}
	}
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
