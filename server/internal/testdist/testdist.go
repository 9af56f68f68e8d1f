// Package testdist makes a small, deterministic stand-in for a built dist/ tree: an index page, a
// stylesheet, JS and a module, a content-hashed wasm file, a model folder laid out as
// weights/FORMAT.md says (manifest.json beside chunks named "<sha256>.bin"; random bytes, like int8
// weights: incompressible; the manifest holds only the fields the server reads), build.json, a
// sub-folder with its own index.html and a hidden file. The server's tests, the Worker test (via
// server/cmd/builddist fixture) and the load test all serve it, so they check the same names.
package testdist

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Tree is a fixture: file names (slash-separated) to bytes, and the names the checks look for.
type Tree struct {
	Files map[string][]byte

	Index    string   // "index.html"
	Wasm     string   // content-hashed: "app.<16 hex>.wasm"
	Module   string   // "loader.mjs"
	Chunks   []string // content-hashed: "model/<64 hex>.bin"
	Manifest string   // "model/manifest.json"
	ModelID  string   // the manifest's model.id
	Build    string   // build.json's build
}

// Options sizes the fixture. The zero value gives 3 chunks of 4 KiB and a 64 KiB wasm file.
type Options struct {
	ChunkBytes int
	Chunks     int
	WasmBytes  int
}

// New returns the fixture; the same Options always give the same bytes.
func New(opts Options) Tree {
	if opts.ChunkBytes <= 0 {
		opts.ChunkBytes = 4 << 10
	}
	if opts.Chunks <= 0 {
		opts.Chunks = 3
	}
	if opts.WasmBytes <= 0 {
		opts.WasmBytes = 64 << 10
	}
	rng := rand.New(rand.NewPCG(5, 0x67726166)) // fixed seed: "graf"
	t := Tree{
		Files:    map[string][]byte{},
		Index:    "index.html",
		Module:   "loader.mjs",
		Manifest: "model/manifest.json",
		Build:    "testdist",
	}

	// A wasm module header (magic, version 1) followed by random bytes from a 4-symbol alphabet:
	// 2 bits of entropy per byte, so it compresses to about a quarter, as Go's wasm output does
	// (a 6.3 MB Worker: 1.3 MB brotli).
	wasm := make([]byte, opts.WasmBytes)
	for i := range wasm {
		wasm[i] = "\x00\x01\x20\x41"[rng.Uint32()&3]
	}
	copy(wasm, "\x00asm\x01\x00\x00\x00")
	t.Wasm = "app." + hexHash(wasm)[:16] + ".wasm"
	t.Files[t.Wasm] = wasm

	var chunkTable []map[string]any
	var allHashes string
	for range opts.Chunks {
		b := make([]byte, opts.ChunkBytes)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		sum := hexHash(b)
		allHashes += sum
		t.Chunks = append(t.Chunks, "model/"+sum+".bin")
		t.Files["model/"+sum+".bin"] = b
		chunkTable = append(chunkTable, map[string]any{"file": sum + ".bin", "bytes": len(b), "sha256": sum})
	}
	t.ModelID = "testdist-resnet50.int8." + hexHash([]byte(allHashes))[:16]
	manifest, _ := json.MarshalIndent(map[string]any{
		"format": "testdist (only the fields server/handler reads)",
		"model":  map[string]any{"id": t.ModelID},
		"chunks": chunkTable,
	}, "", "  ")
	t.Files[t.Manifest] = manifest
	t.Files["build.json"] = []byte(`{"build": "` + t.Build + `"}` + "\n")

	page := "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>testdist</title>\n" +
		"<link rel=\"stylesheet\" href=\"style.css\"><script type=\"module\" src=\"" + t.Module + "\"></script></head>\n" +
		"<body>\n" + strings.Repeat("<p>Graft server fixture: a page long enough to be worth compressing.</p>\n", 40) +
		"</body>\n</html>\n"
	t.Files[t.Index] = []byte(page)
	t.Files["style.css"] = []byte(strings.Repeat("body { font-family: sans-serif; margin: 2rem; }\n", 30))
	t.Files[t.Module] = []byte(strings.Repeat("export const wasmURL = \""+t.Wasm+"\";\n", 30))
	t.Files["wasm_exec.js"] = []byte(strings.Repeat("// Go's wasm_exec.js stand-in\n", 50))
	t.Files["docs/index.html"] = []byte("<!doctype html><title>docs</title><p>sub-folder index</p>\n")
	t.Files[".hidden"] = []byte("a hidden file that must never be served\n")
	return t
}

// Names returns the fixture's file names, sorted.
func (t Tree) Names() []string {
	names := make([]string, 0, len(t.Files))
	for n := range t.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Write writes the tree under dir (created if needed).
func (t Tree) Write(dir string) error {
	for _, name := range t.Names() {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, t.Files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

func hexHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
