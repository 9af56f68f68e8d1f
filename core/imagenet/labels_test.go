// labels_test.go checks the embedded labels (count, sorted unique synsets, known classes) and TopK.
package imagenet

import (
	"math"
	"math/rand"
	"strings"
	"testing"
)

func TestLabels(t *testing.T) {
	l := Labels()
	if len(l) != NumClasses {
		t.Fatalf("%d labels, want %d", len(l), NumClasses)
	}
	seen := map[string]bool{}
	for i, lab := range l {
		if lab.Index != i {
			t.Fatalf("label %d has Index %d", i, lab.Index)
		}
		if len(lab.Synset) != 9 || lab.Synset[0] != 'n' || seen[lab.Synset] {
			t.Fatalf("label %d: bad or repeated synset %q", i, lab.Synset)
		}
		seen[lab.Synset] = true
		// The ImageNet index is the position in the sorted synset list.
		if i > 0 && lab.Synset <= l[i-1].Synset {
			t.Fatalf("synsets not sorted at %d: %s after %s", i, lab.Synset, l[i-1].Synset)
		}
		if lab.Name == "" || strings.ContainsAny(lab.Name, " ,") || lab.Human == "" {
			t.Fatalf("label %d: name %q human %q", i, lab.Name, lab.Human)
		}
	}
	known := []Label{
		{0, "n01440764", "tench", "tench, Tinca tinca"},
		{207, "n02099601", "golden_retriever", "golden retriever"},
		{281, "n02123045", "tabby", "tabby, tabby cat"},
		{282, "n02123159", "tiger_cat", "tiger cat"},
		{386, "n02504458", "African_elephant", "African elephant, Loxodonta africana"},
		{477, "n02966687", "carpenter's_kit", "carpenter's kit, tool kit"},
		{999, "n15075141", "toilet_tissue", "toilet tissue, toilet paper, bathroom tissue"},
	}
	for _, want := range known {
		if got := l[want.Index]; got != want {
			t.Errorf("label %d = %+v, want %+v", want.Index, got, want)
		}
		if got, ok := BySynset(want.Synset); !ok || got != want {
			t.Errorf("BySynset(%s) = %+v, %v", want.Synset, got, ok)
		}
		if got, ok := ByIndex(want.Index); !ok || got != want {
			t.Errorf("ByIndex(%d) = %+v, %v", want.Index, got, ok)
		}
	}
	// Keras' two duplicated names are kept as Keras has them.
	for _, pair := range [][2]int{{134, 517}, {638, 639}} {
		if l[pair[0]].Name != l[pair[1]].Name {
			t.Errorf("labels %d and %d: %q and %q, Keras names both %q", pair[0], pair[1], l[pair[0]].Name, l[pair[1]].Name, l[pair[0]].Name)
		}
	}
	if _, ok := BySynset("n00000000"); ok {
		t.Error("BySynset of an unknown synset succeeded")
	}
	if _, ok := ByIndex(NumClasses); ok {
		t.Error("ByIndex(1000) succeeded")
	}
	l[0].Name = "changed" // Labels returns a copy
	if Labels()[0].Name != "tench" {
		t.Error("Labels() shares its backing array")
	}
}

func TestTopK(t *testing.T) {
	probs := make([]float32, NumClasses)
	for i := range probs {
		probs[i] = 1e-4
	}
	probs[386] = 0.75
	probs[101] = 0.10 // tusker
	probs[385] = 0.10 // tie with 101: lower index first
	probs[7] = float32(math.NaN())
	got, err := TopK(probs, 5)
	if err != nil {
		t.Fatal(err)
	}
	wantIdx := []int{386, 101, 385, 0, 1} // then the 1e-4 plateau in index order; NaN (7) last
	if len(got) != len(wantIdx) {
		t.Fatalf("%d predictions", len(got))
	}
	for i, p := range got {
		if p.Index != wantIdx[i] || p.Prob != probs[wantIdx[i]] {
			t.Errorf("rank %d: %d %q %g, want index %d", i, p.Index, p.Name, p.Prob, wantIdx[i])
		}
	}
	if got[0].Name != "African_elephant" || got[0].Synset != "n02504458" {
		t.Errorf("top-1 = %+v", got[0])
	}
	all, _ := TopK(probs, 5000)
	if len(all) != NumClasses || all[NumClasses-1].Index != 7 {
		t.Errorf("TopK(1000+): len %d, last %d, want 1000 with the NaN last", len(all), all[len(all)-1].Index)
	}
	if none, _ := TopK(probs, -1); len(none) != 0 {
		t.Errorf("TopK(-1) = %v", none)
	}
	if _, err := TopK(probs[:999], 5); err == nil {
		t.Error("TopK of 999 probabilities: no error")
	}
}

// TestTopIndicesMatchesSort: on random scores with many ties, TopIndices equals a slow
// selection (repeatedly take the first maximum of what is left).
func TestTopIndicesMatchesSort(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 2, 3, 7, 17, 33, 1000} {
		scores := make([]float32, n)
		for i := range scores {
			scores[i] = float32(r.Intn(5)) / 4 // ties everywhere
		}
		for _, k := range []int{0, 1, 5, n} {
			got := TopIndices(scores, k)
			used := make([]bool, n)
			for rank := 0; rank < min(k, n); rank++ {
				best := -1
				for i := range scores {
					if !used[i] && (best < 0 || scores[i] > scores[best]) {
						best = i
					}
				}
				used[best] = true
				if got[rank] != best {
					t.Fatalf("n=%d k=%d rank %d: got %d, want %d", n, k, rank, got[rank], best)
				}
			}
			if len(got) != min(k, n) {
				t.Fatalf("n=%d k=%d: %d indices", n, k, len(got))
			}
		}
	}
}

func TestParseLabelsRejectsBadFiles(t *testing.T) {
	good := string(labelsCSV)
	lines := strings.Split(good, "\n")
	swapped := append([]string{}, lines...)
	swapped[4], swapped[5] = swapped[5], swapped[4] // two classes out of order
	for name, data := range map[string]string{
		"empty":     "",
		"truncated": strings.Join(lines[:500], "\n"),
		"swapped":   strings.Join(swapped, "\n"),
	} {
		if _, err := parseLabels([]byte(data)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := parseLabels(labelsCSV); err != nil {
		t.Errorf("embedded file: %v", err)
	}
}
