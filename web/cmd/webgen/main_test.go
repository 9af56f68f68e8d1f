package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedFilesCurrent regenerates into a temporary copy and compares with what is
// committed: web/app/*_vgen.go and web/static/vugu-render.js.
func TestGeneratedFilesCurrent(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	// vugugen works on a package folder: copy the .vugu and hand-written .go files (it reads
	// the package name and the declared types from them) into a temporary one.
	tmp, err := os.MkdirTemp("", "webgen-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	app := filepath.Join(root, appDir)
	entries, err := os.ReadDir(app)
	if err != nil {
		t.Fatal(err)
	}
	var generated []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, "_vgen.go"):
			generated = append(generated, name)
		case strings.HasSuffix(name, ".vugu"), strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go"):
			copyFile(t, filepath.Join(app, name), filepath.Join(tmp, name))
		}
	}
	if len(generated) == 0 {
		t.Fatal("no _vgen.go files committed in " + appDir)
	}
	if err := vugugen(root, tmp); err != nil {
		t.Fatal(err)
	}
	for _, name := range generated {
		want, err := os.ReadFile(filepath.Join(tmp, name))
		if err != nil {
			t.Errorf("%s is committed but vugugen no longer writes it (remove it): %v", name, err)
			continue
		}
		got, _ := os.ReadFile(filepath.Join(app, name))
		if !bytes.Equal(got, want) {
			t.Errorf("%s/%s is stale: run go run ./web/cmd/webgen", appDir, name)
		}
	}
	out, _ := filepath.Glob(filepath.Join(tmp, "*_vgen.go"))
	if len(out) != len(generated) {
		t.Errorf("vugugen writes %d files, %d are committed: run go run ./web/cmd/webgen", len(out), len(generated))
	}

	want, err := helperScript(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, helperFile))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s is stale (%v): run go run ./web/cmd/webgen", helperFile, err)
	}
	if !bytes.Contains(got, []byte("(function(){if(window.vuguRender)return;")) {
		t.Errorf("%s no longer starts the way web/static/main.mjs's eval guard expects", helperFile)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
