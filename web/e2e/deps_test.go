// What the browser downloads must not carry native-only code: the page (web/app) and the model
// worker (web/worker, with and without the purego tag) are listed with
// `GOOS=js GOARCH=wasm go list -deps` and checked against packages that have no business there.
// This test needs no browser and always runs.
package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// forbiddenInBrowser are import path prefixes that must not reach a browser build: GoMLX (the
// native reference), the HDF5/Keras reader, converter and downloader (native tools), the server,
// the test driver, and OS facilities a page cannot use.
var forbiddenInBrowser = []string{
	"github.com/gomlx/",
	"github.com/graftml/graft/core/reference",
	"github.com/graftml/graft/weights/h5",
	"github.com/graftml/graft/weights/keras",
	"github.com/graftml/graft/weights/convert",
	"github.com/graftml/graft/weights/fetch",
	"github.com/graftml/graft/server",
	"github.com/chromedp/",
	"github.com/tetratelabs/wazero",
	"github.com/syumai/workers",
	"net/http",
	"os/exec",
}

// decoders are Go's image decoders, which core/preprocess registers unless built with nodecoders.
var decoders = []string{"image/jpeg", "image/png", "image/gif", "golang.org/x/image/webp", "golang.org/x/image/bmp"}

func TestBrowserBuildDeps(t *testing.T) {
	root := repoRoot(t)
	worker := []string{"github.com/graftml/graft/core/resnet50", "github.com/graftml/graft/weights/format",
		"github.com/graftml/graft/core/head", "github.com/graftml/graft/app/dataset"}
	for _, tc := range []struct {
		pkg, tags string
		must      []string // packages the build must contain (the check is not vacuous)
		mustNot   []string // prefixes this build must not contain beyond forbiddenInBrowser
	}{
		// The page stays small and never links the model or the kernels (whose wasm imports
		// only the workers provide): training runs in the workers.
		{"./web/app", "", []string{"github.com/vugu/vugu/domrender", "github.com/graftml/graft/web/wire"}, []string{"github.com/graftml/graft/core/"}},
		// The model worker as build.sh builds it (-tags nodecoders): the browser decodes photos,
		// so Go's image decoders stay out (half a megabyte).
		{"./web/worker", "nodecoders", worker, decoders},
		{"./web/worker", "purego,nodecoders", worker, decoders},
	} {
		args := []string{"list", "-deps"}
		if tc.tags != "" {
			args = append(args, "-tags", tc.tags)
		}
		cmd := exec.Command("go", append(args, tc.pkg)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", tc.pkg, err, out)
		}
		deps := strings.Fields(string(out))
		have := map[string]bool{}
		for _, d := range deps {
			have[d] = true
			for _, bad := range append(tc.mustNot, forbiddenInBrowser...) {
				if strings.HasPrefix(d, bad) {
					t.Errorf("GOOS=js %s (tags %q) links %s, which must stay out of the browser", tc.pkg, tc.tags, d)
				}
			}
		}
		for _, m := range tc.must {
			if !have[m] {
				t.Errorf("GOOS=js %s (tags %q) does not link %s: the dependency list is not what this test expects", tc.pkg, tc.tags, m)
			}
		}
	}
}
