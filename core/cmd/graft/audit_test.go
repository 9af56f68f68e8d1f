// audit_test.go: graft audit end to end (audit.go) on a small generated folder with the real
// partial weights at pool1_pool: a red photo filed under blue is reported as a mislabel that
// wants red, a byte copy in the other class as a duplicate, and every --json line parses.
package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graftml/graft/internal/shared"
)

func TestAuditColours(t *testing.T) {
	h5 := shared.Path(t, shared.PartialH5)
	dir := t.TempDir()
	data, other := filepath.Join(dir, "data"), filepath.Join(dir, "other")
	colourFolder(t, data, 10, 1)
	colourFolder(t, other, 1, 3) // another red photo (other bytes), filed under blue below
	if err := os.Rename(filepath.Join(other, "red", "red-3-0.png"), filepath.Join(data, "blue", "wrong.png")); err != nil {
		t.Fatal(err)
	}
	copyOf, _ := os.ReadFile(filepath.Join(data, "blue", "blue-1-4.png"))
	os.WriteFile(filepath.Join(data, "red", "zz-copy.png"), copyOf, 0o644) // a blue photo's bytes, under red
	args := []string{"audit", "--h5", h5, "--data", data, "--layer", "pool1_pool", "--head", "linear", "--lr", "0.01",
		"--epochs", "30", "--cache", filepath.Join(dir, "cache"), "--json"}
	stdout, stderr, status := runCLI(args...)
	if status != 0 {
		t.Fatalf("audit: status %d: %s", status, stderr)
	}
	t.Logf("%s", stdout)
	type line struct {
		Kind, Path, Label, Suggested, Other string
		Score                               *float64
	}
	var lines []line
	for _, s := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var l line
		if err := json.Unmarshal([]byte(s), &l); err != nil || l.Score == nil || l.Path == "" || l.Kind == "" {
			t.Fatalf("line %q: %v", s, err)
		}
		lines = append(lines, l)
	}
	var mislabel, dup bool
	for i, l := range lines {
		if i > 0 && *l.Score > *lines[i-1].Score {
			t.Errorf("line %d is stronger than the one before", i)
		}
		if l.Kind == "mislabel" && l.Path == "blue/wrong.png" && l.Label == "blue" && l.Suggested == "red" {
			mislabel = true
		}
		if l.Kind == "duplicate" && l.Path == "red/zz-copy.png" && l.Other == "blue/blue-1-4.png" && l.Suggested == "blue" && *l.Score == 1 {
			dup = true
		}
	}
	if !mislabel || !dup {
		t.Errorf("mislabel found %v, duplicate found %v:\n%s", mislabel, dup, stdout)
	}
	if !strings.Contains(stderr, "fold 5/5 trained") {
		t.Errorf("no progress on stderr: %s", stderr)
	}
	stdout, _, status = runCLI(args[:len(args)-1]...)
	if status != 0 || !strings.Contains(stdout, "cross-class duplicates of 21 photos") || !strings.Contains(stdout, "blue/wrong.png") {
		t.Errorf("table: status %d:\n%s", status, stdout)
	}
}
