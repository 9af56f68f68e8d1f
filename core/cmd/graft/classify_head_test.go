// classify_head_test.go: graft classify --head gives, photo by photo, the class graft eval
// scored (eval extracts features through the model with the head's trunk in place; classify
// runs app.Classifier, the page's path, on the block input), and refuses a head of another model.
package main

import (
	"encoding/json"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// checkClassifyAgreesWithEval classifies every image under valDir with head and checks each
// best class against rep (eval's report on valDir): its wrong list, else the image's folder.
func checkClassifyAgreesWithEval(t *testing.T, h5, head, valDir string, rep evalReport) {
	t.Helper()
	var paths []string
	filepath.WalkDir(valDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return nil
	})
	if len(paths) != rep.Images {
		t.Fatalf("%d files in %s, eval scored %d", len(paths), valDir, rep.Images)
	}
	stdout, stderr, status := runCLI(append([]string{"classify", "--h5", h5, "--head", head, "--json"}, paths...)...)
	if status != 0 {
		t.Fatalf("classify --head: status %d: %s", status, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != len(paths) {
		t.Fatalf("classify --head printed %d lines for %d images:\n%s", len(lines), len(paths), stdout)
	}
	for _, line := range lines {
		var r headClassification
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v in %q", err, line)
		}
		rel, _ := filepath.Rel(valDir, r.Path)
		rel = filepath.ToSlash(rel)
		want := strings.Split(rel, "/")[0]
		if i := slices.IndexFunc(rep.Wrong, func(w evalWrong) bool { return w.Path == rel }); i >= 0 {
			want = rep.Wrong[i].Predicted
		}
		if r.Best != want || len(r.Classes) != len(rep.Classes) || r.Classes[0].Class != r.Best {
			t.Errorf("%s: classify says %s (%v), eval %s", rel, r.Best, r.Classes, want)
		}
		var sum float32
		for i, c := range r.Classes {
			sum += c.Prob
			if i > 0 && c.Prob > r.Classes[i-1].Prob {
				t.Errorf("%s: classes not most probable first: %v", rel, r.Classes)
			}
		}
		if sum < 0.999 || sum > 1.001 {
			t.Errorf("%s: probabilities sum to %g", rel, sum)
		}
	}
	_, stderr, status = runCLI("classify", "--h5", h5, "--fill", "synthetic", "--head", head, paths[0])
	if status == 0 || !strings.Contains(stderr, "trained on") {
		t.Errorf("classify --head accepted another base model: status %d, %s", status, stderr)
	}
	_, stderr, status = runCLI("classify", "--h5", h5, "--resize", "nearest", "--head", head, paths[0])
	if status == 0 || !strings.Contains(stderr, "crop-resized") {
		t.Errorf("classify --head accepted another resize mode: status %d, %s", status, stderr)
	}
}
