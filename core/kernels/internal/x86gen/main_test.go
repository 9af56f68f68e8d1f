// main_test.go: the committed kernels_amd64.s and kernels_amd64.go are what x86gen prints.
package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommittedFilesAreFresh(t *testing.T) {
	for name, want := range Files() {
		got, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(got, want) {
			continue
		}
		g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(g), len(w)) {
			if i >= len(g) || i >= len(w) || g[i] != w[i] {
				line := func(l []string) string {
					if i < len(l) {
						return l[i]
					}
					return "(end of file)"
				}
				t.Errorf("core/kernels/%s is stale (run go generate ./core/kernels): line %d is %q, the generator writes %q",
					name, i+1, line(g), line(w))
				break
			}
		}
	}
}

// TestTileRegisters: every tile keeps its accumulators, B's row and the broadcast in Y0–Y14, or
// Z0–Z14 and Z16–Z31 (Y15 and Z15 are Go's X15, the zero register of ABIInternal).
func TestTileRegisters(t *testing.T) {
	s := string(Assembly())
	for _, r := range []string{"Y15", "X15", "Z15", "R14", "R15"} {
		if strings.Contains(s, r) {
			t.Errorf("the generated assembly uses %s", r)
		}
	}
	if MR*(NR/8)+3 > 15 {
		t.Errorf("a %d×%d tile needs %d ymm registers, 15 are free", MR, NR, MR*(NR/8)+3)
	}
	if MR512*(NR512/16)+3 > 31 {
		t.Errorf("a %d×%d AVX-512 tile needs %d zmm registers, 31 are free", MR512, NR512, MR512*(NR512/16)+3)
	}
}
