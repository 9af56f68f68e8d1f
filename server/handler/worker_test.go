// The Cloudflare Worker, run locally by wrangler dev (workerd) over the testdist fixture, must pass
// the same site checks as the native server. ./build.sh test builds the Worker from the fixture,
// starts wrangler dev on loopback and sets GRAFT_WORKER_URL; plain go test skips this.
package handler

import (
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/graftml/graft/server/internal/testdist"
)

func workerURL(t *testing.T) string {
	u := os.Getenv("GRAFT_WORKER_URL")
	if u == "" {
		t.Skip("GRAFT_WORKER_URL is not set: ./build.sh test starts the Worker under wrangler dev and sets it")
	}
	return u
}

func TestWorkerSiteChecks(t *testing.T) {
	runSiteChecks(t, workerURL(t), testdist.New(testdist.Options{}))
}

// What differs in how the Worker is put together: the _headers file must not be served, and HEAD
// of a Go-built response must work (workerd rejects a declared length without the bytes).
func TestWorkerSpecifics(t *testing.T) {
	base := workerURL(t)
	resp, body := get(t, base+"/_headers", nil)
	wantStatus(t, resp, http.StatusNotFound)
	wantNoLeak(t, "/_headers", body, []string{"Cache-Control:"})

	for _, path := range []string{"/api/health", "/api/version", "/no-such-file"} {
		req, _ := http.NewRequest(http.MethodHead, base+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 || len(b) != 0 {
			t.Errorf("HEAD %s: status %d, %d body bytes", path, resp.StatusCode, len(b))
		}
		wantSecurityHeaders(t, resp)
	}
}

// TestWorkerClassify: POST /api/classify in the Worker, over the classify fixture
// (server/cmd/builddist classify-fixture, in GRAFT_WORKER_CLASSIFY_DIR), must give what
// graft classify gives on the same tree, and refuse what the native server refuses.
func TestWorkerClassify(t *testing.T) {
	base, dir := os.Getenv("GRAFT_WORKER_CLASSIFY_URL"), os.Getenv("GRAFT_WORKER_CLASSIFY_DIR")
	if base == "" || dir == "" {
		t.Skip("GRAFT_WORKER_CLASSIFY_URL/DIR are not set: ./build.sh worker-test sets them")
	}
	runClassifyChecks(t, base, dir, 1e-4)
}
