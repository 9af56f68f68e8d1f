//go:build js && wasm

// The worker's stores over IndexedDB (web/static/idb.mjs, self.graftIDB): the feature cache
// (engine.FeatureStore), the dynamic strategy's block inputs (engine.BlockInputStore) and the
// saved heads (engine.HeadStore). Their native twins are
// engine.MemFeatures and engine.MemHeads.
package main

import (
	"context"
	"errors"
	"math"
	"syscall/js"
	"unsafe"

	"github.com/graftml/graft/web/engine"
)

// idb is self.graftIDB, or an error saying why there is none.
func idb() (js.Value, error) {
	g := js.Global().Get("graftIDB")
	if !g.Truthy() || !js.Global().Get("indexedDB").Truthy() {
		return js.Value{}, errors.New("IndexedDB is not available here (a private window may block it)")
	}
	return g, nil
}

type idbFeatures struct{}

func (idbFeatures) GetFeatures(ctx context.Context, keys []string) ([][]float32, error) {
	g, err := idb()
	if err != nil {
		return nil, err
	}
	arr, err := await(g.Call("getFeatures", jsArray(keys, stringToJS)))
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(keys))
	u8 := js.Global().Get("Uint8Array")
	for i := range out {
		rec := arr.Index(i)
		if !rec.Truthy() {
			continue
		}
		v, sum := rec.Get("f"), rec.Get("sum")
		f := make([]float32, v.Get("length").Int())
		if len(f) > 0 {
			js.CopyBytesToGo(floatBytes(f), u8.New(v.Get("buffer"), v.Get("byteOffset"), v.Get("byteLength")))
		}
		sealed := sum.Type() == js.TypeNumber && sum.Float() >= 0 && sum.Float() <= math.MaxUint32
		var s uint32
		if sealed {
			s = uint32(sum.Float())
		}
		out[i] = engine.OpenFeatures(keys[i], f, s, sealed) // nil: not a complete entry, a miss
	}
	return out, nil
}

// PutFeatures stores each vector with its checksum (engine.SealFeatures), in one transaction.
func (idbFeatures) PutFeatures(ctx context.Context, keys []string, vecs [][]float32) error {
	g, err := idb()
	if err != nil {
		return err
	}
	sums := make([]any, len(keys))
	for i, k := range keys {
		sums[i] = float64(engine.SealFeatures(k, vecs[i]))
	}
	_, err = await(g.Call("putFeatures", jsArray(keys, stringToJS), jsArray(vecs, float32sToJS), js.ValueOf(sums)))
	return err
}

// jsArray is a JS array of conv(x) for each x of xs (the key and value lists the idb.mjs calls take).
func jsArray[T any](xs []T, conv func(T) js.Value) js.Value {
	a := make([]any, len(xs))
	for i, x := range xs {
		a[i] = conv(x)
	}
	return js.ValueOf(a)
}

func stringToJS(s string) js.Value { return js.ValueOf(s) }

// floatBytes is f's memory as bytes (wasm and typed arrays are little-endian alike).
func floatBytes(f []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f))), 4*len(f))
}

// float32sToJS copies f into a new Float32Array.
func float32sToJS(f []float32) js.Value {
	a := js.Global().Get("Float32Array").New(len(f))
	if len(f) > 0 {
		js.CopyBytesToJS(js.Global().Get("Uint8Array").New(a.Get("buffer")), floatBytes(f))
	}
	return a
}

func (idbFeatures) GetBlockInputs(ctx context.Context, keys []string) ([][]byte, error) {
	g, err := idb()
	if err != nil {
		return nil, err
	}
	arr, err := await(g.Call("getInputs", jsArray(keys, stringToJS)))
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(keys))
	for i := range out {
		if v := arr.Index(i); v.Truthy() {
			out[i] = bytesFromJS(v)
		}
	}
	return out, nil
}

func (idbFeatures) PutBlockInputs(ctx context.Context, keys []string, vals [][]byte) error {
	g, err := idb()
	if err != nil {
		return err
	}
	_, err = await(g.Call("putInputs", jsArray(keys, stringToJS), jsArray(vals, bytesToJS)))
	return err
}

// CacheKeys lists a cache's keys (engine.CacheAdmin).
func (idbFeatures) CacheKeys(ctx context.Context, cache string) ([]string, error) {
	g, err := idb()
	if err != nil {
		return nil, err
	}
	arr, err := await(g.Call("keys", cache))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, arr.Length())
	for i := range arr.Length() {
		if k := arr.Index(i); k.Type() == js.TypeString {
			out = append(out, k.String())
		}
	}
	return out, nil
}

// DeleteCacheKeys deletes keys from a cache, in one transaction (engine.CacheAdmin).
func (idbFeatures) DeleteCacheKeys(ctx context.Context, cache string, keys []string) error {
	g, err := idb()
	if err != nil {
		return err
	}
	_, err = await(g.Call("deleteKeys", cache, jsArray(keys, stringToJS)))
	return err
}

// storageEstimate is navigator.storage.estimate()'s usage and quota (0 when unknown).
func storageEstimate() (usage, quota int64) {
	g, err := idb()
	if err != nil {
		return 0, 0
	}
	v, err := await(g.Call("estimate"))
	if err != nil || !v.Truthy() {
		return 0, 0
	}
	num := func(name string) int64 {
		if x := v.Get(name); x.Type() == js.TypeNumber {
			return int64(x.Float())
		}
		return 0
	}
	return num("usage"), num("quota")
}

type idbHeads struct{}

func (idbHeads) ListHeads(ctx context.Context) ([]engine.StoredHead, error) {
	g, err := idb()
	if err != nil {
		return nil, err
	}
	arr, err := await(g.Call("listHeads"))
	if err != nil {
		return nil, err
	}
	var out []engine.StoredHead
	for i := range arr.Length() {
		r := arr.Index(i)
		if r.Get("file").Type() != js.TypeObject {
			continue
		}
		out = append(out, engine.StoredHead{ID: r.Get("id").Int(), Name: r.Get("name").String(),
			CreatedMs: r.Get("created").Float(), File: bytesFromJS(r.Get("file")), Draft: r.Get("draft").Truthy()})
	}
	return out, nil
}

func (idbHeads) AddHead(ctx context.Context, h engine.StoredHead) (int, error) {
	g, err := idb()
	if err != nil {
		return 0, err
	}
	rec := js.Global().Get("Object").New()
	rec.Set("name", h.Name)
	rec.Set("created", h.CreatedMs)
	rec.Set("file", bytesToJS(h.File))
	if h.Draft {
		rec.Set("draft", true)
	}
	id, err := await(g.Call("addHead", rec))
	if err != nil {
		return 0, err
	}
	return id.Int(), nil
}

func (idbHeads) DeleteHead(ctx context.Context, id int) error {
	g, err := idb()
	if err != nil {
		return err
	}
	_, err = await(g.Call("deleteHead", id))
	return err
}
