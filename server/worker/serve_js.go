//go:build js && wasm

// serve_js.go: the bridge between the Workers runtime and http.Handler, for one Go instance per
// isolate: the model is loaded once per isolate and kept. syumai/workers' own
// Serve runs a new Go instance for every request (its worker.mjs instantiates app.wasm per
// fetch, and its handler ends the program after the first response), which would load the
// 25 MB model for every photo; so worker.mjs here (copied over the generated one by build.sh)
// instantiates once, and this file gives it context.binding.handleRequest(request) → Promise
// of a Response, then calls context.ready() and never returns. The request body is read from
// its ReadableStream as the handler asks (so http.MaxBytesReader stops a large upload early);
// the response is buffered (API answers are small; files are at most 25 MiB) and handed over as
// one Uint8Array. The runtime context (env with the ASSETS binding) is the object worker.mjs
// passes to go.run, which syumai/workers' cloudflare and fetch packages read.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"syscall/js"
)

// serve hands h to worker.mjs and blocks for the life of the isolate.
func serve(h http.Handler) {
	ctx := js.Global().Get("context")
	handle := js.FuncOf(func(_ js.Value, args []js.Value) any {
		req := args[0]
		return js.Global().Get("Promise").New(js.FuncOf(func(_ js.Value, p []js.Value) any {
			resolve, reject := p[0], p[1]
			go func() {
				resp, err := handleRequest(h, req)
				if err != nil {
					reject.Invoke(js.Global().Get("Error").New(err.Error()))
					return
				}
				resolve.Invoke(resp)
			}()
			return nil
		}))
	})
	ctx.Get("binding").Set("handleRequest", handle)
	ctx.Call("ready")
	select {}
}

// handleRequest runs h on one JS Request and builds the JS Response.
func handleRequest(h http.Handler, jsReq js.Value) (js.Value, error) {
	var body io.ReadCloser = http.NoBody
	if b := jsReq.Get("body"); !b.IsNull() && !b.IsUndefined() {
		body = &streamReader{stream: b}
	}
	req, err := http.NewRequest(jsReq.Get("method").String(), jsReq.Get("url").String(), body)
	if err != nil {
		return js.Value{}, err
	}
	entries := js.Global().Get("Array").Call("from", jsReq.Get("headers").Call("entries"))
	for i := range entries.Length() {
		kv := entries.Index(i)
		req.Header.Add(kv.Index(0).String(), kv.Index(1).String())
	}
	if n, err := fmt.Sscan(req.Header.Get("Content-Length"), &req.ContentLength); n != 1 || err != nil {
		req.ContentLength = -1
	}
	if req.ContentLength == 0 && body != http.NoBody {
		req.ContentLength = -1
	}
	req.RemoteAddr = req.Header.Get("CF-Connecting-IP")
	w := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
	h.ServeHTTP(w, req)
	body.Close()
	return w.toJS(), nil
}

// bufferedResponse collects the handler's answer.
type bufferedResponse struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (w *bufferedResponse) Header() http.Header { return w.header }

func (w *bufferedResponse) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
}

func (w *bufferedResponse) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

func (w *bufferedResponse) toJS() js.Value {
	headers := js.Global().Get("Headers").New()
	for k, vs := range w.header {
		for _, v := range vs {
			headers.Call("append", k, v)
		}
	}
	init := js.Global().Get("Object").New()
	init.Set("status", w.status)
	init.Set("headers", headers)
	var body any // null for statuses that have none
	if w.status != http.StatusNoContent && w.status != http.StatusNotModified && w.status >= 200 {
		a := js.Global().Get("Uint8Array").New(w.body.Len())
		js.CopyBytesToJS(a, w.body.Bytes())
		body = a
	}
	return js.Global().Get("Response").New(body, init)
}

// streamReader reads a JS ReadableStream chunk by chunk.
type streamReader struct {
	stream js.Value
	reader js.Value
	buf    []byte
	err    error
}

func (s *streamReader) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		if s.reader.IsUndefined() {
			s.reader = s.stream.Call("getReader")
		}
		v, err := await(s.reader.Call("read"))
		switch {
		case err != nil:
			s.err = err
		case v.Get("done").Bool():
			s.err = io.EOF
		default:
			chunk := v.Get("value")
			s.buf = make([]byte, chunk.Get("byteLength").Int())
			js.CopyBytesToGo(s.buf, chunk)
		}
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// Close cancels what is left of the stream (a refused upload is not read to its end).
func (s *streamReader) Close() error {
	if !s.reader.IsUndefined() && s.err == nil {
		s.reader.Call("cancel")
		s.err = errors.New("body closed")
	}
	return nil
}

// await waits for a JS promise from a goroutine (never from a JS callback itself).
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	then := js.FuncOf(func(_ js.Value, a []js.Value) any { ch <- result{v: a[0]}; return nil })
	catch := js.FuncOf(func(_ js.Value, a []js.Value) any {
		ch <- result{err: errors.New("JavaScript error: " + a[0].Call("toString").String())}
		return nil
	})
	defer then.Release()
	defer catch.Release()
	p.Call("then", then, catch)
	r := <-ch
	return r.v, r.err
}
