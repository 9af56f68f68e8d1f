// classify_fuzz_test.go: the /api/classify body parser (readPhoto, classify.go) against arbitrary
// bodies and content types: it never panics, a raw body comes back as it is, a multipart one
// gives the "photo" part that the standard reader finds first, and every refusal is a 400.
package handler

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
)

func FuzzReadPhoto(f *testing.F) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("note", "x")
	p, _ := mw.CreateFormFile("photo", "cat.jpg")
	p.Write([]byte("\xff\xd8\xff\xe0 not really a jpeg"))
	mw.Close()
	f.Add(mw.FormDataContentType(), b.Bytes())
	f.Add("image/jpeg", []byte("\xff\xd8\xff"))
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nabc\r\n--x--\r\n"))
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nabc\r\n--x--\r\n"))
	f.Add("multipart/form-data", []byte("--\r\n"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, classifyPath, bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		photo, status, code, err := readPhoto(httptest.NewRecorder(), r)
		mt, params, _ := mime.ParseMediaType(contentType)
		switch {
		case err != nil:
			if status != http.StatusBadRequest || code != "bad_request" || photo != nil {
				t.Fatalf("refused with status %d code %q (%v): want 400 bad_request", status, code, err)
			}
		case mt != "multipart/form-data":
			if !bytes.Equal(photo, body) {
				t.Fatalf("a raw body of %d bytes came back as %d", len(body), len(photo))
			}
		default:
			want := firstPhotoPart(multipart.NewReader(bytes.NewReader(body), params["boundary"]))
			if want == nil || !bytes.Equal(photo, want) {
				t.Fatalf("multipart photo of %d bytes; the standard reader's first photo part: %v", len(photo), want != nil)
			}
		}
	})
}

func firstPhotoPart(mr *multipart.Reader) []byte {
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil
		}
		if p.FormName() == "photo" {
			b, err := io.ReadAll(p)
			if err != nil {
				return nil
			}
			return b
		}
	}
}
