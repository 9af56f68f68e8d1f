// POST /api/classify: a photo in, app.Service's answer out as JSON, the same code in
// the native server and the Worker. The photo is the multipart/form-data field "photo" or the
// raw request body (JPEG, PNG, WebP, GIF; BMP too, as core/preprocess reads it); ?top=K
// (0..1000, default 5) ImageNet classes, ?head=0|1 (default: the baked-in head when there is
// one). The service is loaded from the served tree on first use and kept (once per process, or
// per Worker isolate). Errors are JSON {"error": reason, "code": …} with the status:
//
//	405 method        anything but POST (Allow: POST)
//	413 too_large     a body over MaxClassifyBody
//	415 not_image     not a supported image (the reason says what the bytes look like)
//	422 undecodable   a supported format that does not decode (truncated, corrupt)
//	422 decompression_bomb  the header declares more pixels than the decode budget
//	400 bad_request   no "photo" field, a bad ?top or ?head, ?head=1 without a head
//	503 unavailable   the tree has no usable model (the reason is logged and answered)
//
// The photo is held only for the request: never written, logged or kept.
package handler

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"sync"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/core/preprocess"
)

// MaxClassifyBody is the largest request body /api/classify reads: 10 MB.
const MaxClassifyBody = 10 << 20

// classifyPath is the route.
const classifyPath = "/api/classify"

// lazyService loads an app.Service from the tree on first use; a failure is answered and
// retried on the next request (in a Worker a fetch from the binding can fail once).
type lazyService struct {
	mu  sync.Mutex
	svc *app.Service
	cfg app.ServeConfig
}

func (l *lazyService) get(h *siteHandler) (*app.Service, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.svc != nil {
		return l.svc, nil
	}
	svc, err := app.LoadService(h.fsys, l.cfg)
	if err != nil {
		return nil, err
	}
	l.svc = svc
	return svc, nil
}

// classifyError is one error answer.
type classifyError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func (h *siteHandler) serveClassify(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		answerError(w, http.StatusMethodNotAllowed, "method", fmt.Sprintf("%s %s: only POST (a photo as multipart field \"photo\" or as the body)", r.Method, classifyPath))
		return
	}
	opts, err := classifyOptions(r)
	if err != nil {
		answerError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	if r.ContentLength > MaxClassifyBody {
		answerTooLarge(w)
		return
	}
	photo, status, code, err := readPhoto(w, r)
	if err != nil {
		answerError(w, status, code, err.Error())
		return
	}
	svc, err := h.classify.get(h)
	if err != nil {
		h.logf("%s: loading the model: %v", classifyPath, err)
		answerError(w, http.StatusServiceUnavailable, "unavailable", "the classifier could not be loaded: "+err.Error())
		return
	}
	res, err := svc.Classify(photo, opts)
	if err != nil {
		status, code := classifyStatus(err)
		if status == http.StatusInternalServerError {
			h.logf("%s: %v", classifyPath, err)
		}
		answerError(w, status, code, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// classifyOptions reads ?top and ?head.
func classifyOptions(r *http.Request) (app.ClassifyOptions, error) {
	q := r.URL.Query()
	opts := app.ClassifyOptions{Top: app.DefaultTopK}
	if v := q.Get("top"); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil || k < 0 || k > app.MaxTopK {
			return opts, fmt.Errorf("?top=%q: want an integer 0..%d", v, app.MaxTopK)
		}
		opts.Top = k
	}
	switch v := q.Get("head"); v {
	case "":
	case "0", "1":
		on := v == "1"
		opts.Head = &on
	default:
		return opts, fmt.Errorf("?head=%q: want 0 or 1", v)
	}
	return opts, nil
}

// readPhoto reads the multipart field "photo" or the raw body, at most MaxClassifyBody bytes.
func readPhoto(w http.ResponseWriter, r *http.Request) (photo []byte, status int, code string, err error) {
	body := http.MaxBytesReader(w, r.Body, MaxClassifyBody)
	defer body.Close()
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		photo, err = readMultipartPhoto(multipart.NewReader(body, params["boundary"]))
	} else {
		photo, err = io.ReadAll(body)
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge, "too_large", tooLargeError()
	case err != nil:
		return nil, http.StatusBadRequest, "bad_request", err
	}
	return photo, 0, "", nil
}

// readMultipartPhoto returns the first part named "photo".
func readMultipartPhoto(mr *multipart.Reader) ([]byte, error) {
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, errors.New(`multipart body without a "photo" field`)
		}
		if err != nil {
			return nil, fmt.Errorf("reading the multipart body: %w", err)
		}
		if p.FormName() == "photo" {
			b, err := io.ReadAll(p)
			p.Close()
			return b, err
		}
		p.Close()
	}
}

// classifyStatus maps app.Service's errors onto statuses and codes.
func classifyStatus(err error) (int, string) {
	switch {
	case errors.Is(err, preprocess.ErrNotImage):
		return http.StatusUnsupportedMediaType, "not_image"
	case errors.Is(err, app.ErrBomb):
		return http.StatusUnprocessableEntity, "decompression_bomb"
	case errors.Is(err, app.ErrUndecodable):
		return http.StatusUnprocessableEntity, "undecodable"
	case errors.Is(err, app.ErrNoHead), errors.Is(err, app.ErrBadRequest):
		return http.StatusBadRequest, "bad_request"
	}
	return http.StatusInternalServerError, "internal"
}

func tooLargeError() error {
	return fmt.Errorf("the request body is over %d MB, the most /api/classify reads", MaxClassifyBody>>20)
}

func answerTooLarge(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	answerError(w, http.StatusRequestEntityTooLarge, "too_large", tooLargeError().Error())
}

func answerError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, classifyError{Error: msg, Code: code})
}
