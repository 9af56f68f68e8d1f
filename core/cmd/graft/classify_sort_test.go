// classify_sort_test.go: graft classify --head over a folder — the open set's verdict in
// every JSON line, a photo unlike the classes said to be none of them, --csv's table, and
// --sort-into's copies (byte for byte, never over a file, never inside the photos' folder).
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/internal/shared"
)

func TestClassifyFolderSortsAndFlagsUnknown(t *testing.T) {
	h5 := shared.Path(t, shared.PartialH5)
	dir := t.TempDir()
	trainDir, photos, sorted := filepath.Join(dir, "train"), filepath.Join(dir, "photos"), filepath.Join(dir, "sorted")
	// 15 photos a class of one kind; 12 to train on, 3 to sort (photos/red/…, photos/blue/…)
	colourFolder(t, trainDir, 15, 1)
	for _, c := range []string{"red", "blue"} {
		os.MkdirAll(filepath.Join(photos, c), 0o755)
		for _, i := range []string{"12", "13", "14"} {
			name := c + "-1-" + i + ".png"
			if err := os.Rename(filepath.Join(trainDir, c, name), filepath.Join(photos, c, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	cat, err := os.ReadFile(shared.Path(t, tabby))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(photos, "cat.jpg"), cat, 0o644)
	os.WriteFile(filepath.Join(photos, "notes.txt"), []byte("not a photo"), 0o644)
	os.WriteFile(filepath.Join(photos, ".hidden.png"), []byte("x"), 0o644)
	headFile := filepath.Join(dir, "h.head")
	if _, stderr, status := runCLI("train", "--h5", h5, "--data", trainDir, "--layer", "pool1_pool", "--head", "linear", "--lr", "0.01",
		"--epochs", "20", "--cache", "off", "--out", headFile); status != 0 {
		t.Fatalf("train: %d %s", status, stderr)
	}
	table := filepath.Join(dir, "answers.csv")
	classify := func() (map[string]headClassification, string) {
		t.Helper()
		stdout, stderr, status := runCLI("classify", "--h5", h5, "--head", headFile, "--json", "--csv", table, "--sort-into", sorted, photos)
		if status != 0 {
			t.Fatalf("classify: status %d: %s", status, stderr)
		}
		got := map[string]headClassification{}
		for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
			var r headClassification
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("%v in %q", err, line)
			}
			rel, _ := filepath.Rel(photos, r.Path)
			got[filepath.ToSlash(rel)] = r
		}
		return got, stderr
	}
	got, stderr := classify()
	if len(got) != 7 || !strings.Contains(stderr, "skipped "+filepath.Join(photos, "notes.txt")) || strings.Contains(stderr, "hidden") {
		t.Fatalf("%d answers (want 6 colours and the cat), stderr %s", len(got), stderr)
	}
	accepted := 0
	for rel, r := range got {
		if r.Head.Score == nil || r.Head.Threshold == nil || r.Head.Nearest == "" || r.Head.Class != r.Best ||
			r.Head.Unknown != (*r.Head.Score > *r.Head.Threshold) {
			t.Fatalf("%s: head verdict %+v: want the open set's numbers, unknown exactly when the score is above the threshold", rel, r.Head)
		}
		want := strings.Split(rel, "/")[0]
		switch {
		case rel == "cat.jpg" && !r.Head.Unknown:
			t.Errorf("a cat photo on a red/blue head: %+v, want not one of them", r.Head)
		case rel != "cat.jpg" && r.Best != want:
			t.Errorf("%s: %s (unknown %v, score %g of %g)", rel, r.Best, r.Head.Unknown, *r.Head.Score, *r.Head.Threshold)
		case rel != "cat.jpg" && !r.Head.Unknown:
			accepted++
		}
		if r.Head.Unknown {
			want = app.UnknownFolder
		}
		copied, err := os.ReadFile(r.SortedTo)
		orig, _ := os.ReadFile(r.Path)
		if err != nil || !bytes.Equal(copied, orig) || filepath.Base(filepath.Dir(r.SortedTo)) != want {
			t.Errorf("%s: copied to %s (%v), want a copy in %s/", rel, r.SortedTo, err, want)
		}
	}
	// 95% of photos like the training ones are accepted: all 6 but by bad luck one.
	if accepted < 5 {
		t.Errorf("%d of 6 photos of the classes accepted", accepted)
	}
	f, _ := os.Open(table)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 8 || strings.Join(rows[0][:4], ",") != "path,class,prob,unknown" || rows[0][len(rows[0])-1] != "p(red)" {
		t.Fatalf("csv: %v, %d rows, header %v", err, len(rows), rows[0])
	}
	// Again: the first copies stay, the new ones are named beside them.
	again, _ := classify()
	for rel, r := range again {
		if r.SortedTo == got[rel].SortedTo || !strings.Contains(filepath.Base(r.SortedTo), " (2)") {
			t.Errorf("%s: second copy %s beside %s", rel, r.SortedTo, got[rel].SortedTo)
		}
	}
	_, stderr, status := runCLI("classify", "--h5", h5, "--head", headFile, "--sort-into", filepath.Join(photos, "out"), photos)
	if status == 0 || !strings.Contains(stderr, "outside the photos") {
		t.Errorf("sorting into the photos' own folder: status %d, %s", status, stderr)
	}
	if _, stderr, status := runCLI("classify", "--h5", h5, "--csv", table, photos); status != 2 || !strings.Contains(stderr, "need --head") {
		t.Errorf("--csv without --head: status %d, %s", status, stderr)
	}
}
