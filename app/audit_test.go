// audit_test.go: the audit (audit.go) on synthetic Gaussian blobs — flipped labels rank first
// with the right suggestion, a clean set gives few suspects, a planted cross-class copy is
// found — and the exact duplicate search against brute force.
package app

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/graftml/graft/core/head"
)

// blobs is perClass examples of each of classes Gaussian blobs in f dimensions (centres 5
// apart along their own axis; noise σ 1 in the first `classes` dimensions, 0.2 in
// the rest), one view each, named "c<class>/<i>.png".
func blobs(classes, perClass, f int, seed uint64) *head.Data {
	r := rand.New(rand.NewPCG(seed, 7))
	d := &head.Data{Base: head.Base{ModelID: "test-model", Layer: "pool1_pool", Features: f, Resize: "crop"}}
	for c := range classes {
		d.Classes = append(d.Classes, fmt.Sprintf("c%d", c))
	}
	for c := range classes {
		for i := range perClass {
			v := make([]float32, f) // [F]
			for j := range v {
				v[j] = float32(r.NormFloat64()) * 0.2
				if j < classes {
					v[j] *= 5
				}
			}
			v[c] += 5
			d.Examples = append(d.Examples, head.Example{Views: [][]float32{v}, Label: c, Name: fmt.Sprintf("c%d/%d.png", c, i)})
		}
	}
	return d
}

func auditConfig(t *testing.T) head.Config {
	cfg, err := head.DefaultConfig("linear")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Epochs, cfg.LearningRate, cfg.Patience = 25, 0.01, 0
	return cfg
}

func TestAuditFindsFlippedLabels(t *testing.T) {
	d := blobs(3, 80, 64, 1)
	// Flip photos that sit well inside their true blob (the nearest to its centre of the first
	// 40 of each class): those, the audit must catch.
	pick := func(c, k int) []int {
		idx := make([]int, 40)
		for i := range idx {
			idx[i] = c*80 + i
		}
		dist := func(i int) float64 {
			s := 0.0
			for j, v := range d.Examples[i].Views[0][:3] {
				if j == c {
					v -= 5
				}
				s += float64(v) * float64(v)
			}
			return s
		}
		slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(dist(a), dist(b)) })
		return idx[:k]
	}
	flips := slices.Concat(pick(0, 2), pick(1, 2), pick(2, 1))
	flipped := map[string]string{} // name → true class
	for _, i := range flips {
		e := &d.Examples[i]
		flipped[e.Name] = d.Classes[e.Label]
		e.Label = (e.Label + 1) % 3
	}
	var done []int
	start := time.Now()
	rep, err := Audit(context.Background(), auditConfig(t), d, 5, func(k, total int) { done = append(done, k) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d examples in %v: %d mislabels, %d duplicates, thresholds %.3f", rep.Examples, time.Since(start), rep.Mislabels, rep.Duplicates, rep.Thresholds)
	if !slices.Equal(done, []int{1, 2, 3, 4, 5}) {
		t.Errorf("progress saw %v", done)
	}
	for _, i := range flips {
		t.Logf("%s: label %d, p %.3f", d.Examples[i].Name, d.Examples[i].Label, rep.Probabilities[i*3:i*3+3])
	}
	if len(rep.Findings) < len(flipped) {
		t.Fatalf("%d findings, want at least %d: %+v", len(rep.Findings), len(flipped), rep.Findings)
	}
	for r, f := range rep.Findings[:len(flipped)] {
		want, ok := flipped[f.Path]
		if !ok || f.Kind != KindMislabel || f.Suggested != want {
			t.Errorf("finding %d is %+v; flipped: %v", r, f, flipped)
		}
		if f.Score < 0.5 {
			t.Errorf("finding %d: score %.3f, want a confident margin", r, f.Score)
		}
	}
	for _, f := range rep.Findings {
		t.Logf("%s %s→%s %.3f", f.Path, f.Label, f.Suggested, f.Score)
	}
	if rep.Mislabels > len(flipped)+3 {
		t.Errorf("%d suspects for %d flipped labels", rep.Mislabels, len(flipped))
	}
	for i := 1; i < len(rep.Findings); i++ {
		if rep.Findings[i].Score > rep.Findings[i-1].Score {
			t.Fatalf("findings not strongest first at %d", i)
		}
	}
	again, err := Audit(context.Background(), auditConfig(t), d, 5, nil)
	if err != nil || !slices.Equal(again.Probabilities, rep.Probabilities) {
		t.Errorf("a second audit with the same seed differs (%v)", err)
	}
}

func TestAuditCleanSetAndDuplicate(t *testing.T) {
	d := blobs(2, 50, 64, 2)
	rep, err := Audit(context.Background(), auditConfig(t), d, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mislabels > 3 || rep.Duplicates != 0 {
		t.Errorf("clean set: %d mislabels, %d duplicates: %+v", rep.Mislabels, rep.Duplicates, rep.Findings)
	}
	// A copy of c0/7 with slight noise, filed under c1.
	r := rand.New(rand.NewPCG(9, 9))
	v := slices.Clone(d.Examples[7].Views[0])
	for j := range v {
		v[j] += 0.01 * float32(r.NormFloat64())
	}
	d.Examples = append(d.Examples, head.Example{Views: [][]float32{v}, Label: 1, Name: "c1/copy.png"})
	rep, err = Audit(context.Background(), auditConfig(t), d, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	var dup, mis *Finding
	for i, f := range rep.Findings {
		switch {
		case f.Kind == KindDuplicate:
			dup = &rep.Findings[i]
		case f.Kind == KindMislabel && f.Path == "c1/copy.png":
			mis = &rep.Findings[i]
		}
	}
	if rep.Duplicates != 1 || dup == nil || dup.Path != "c1/copy.png" || dup.Other != "c0/7.png" || dup.Suggested != "c0" || dup.Score < 0.98 {
		t.Errorf("duplicate: %d, %+v", rep.Duplicates, dup)
	}
	if mis == nil || mis.Suggested != "c0" {
		t.Errorf("the copy is not a suspected mislabel: %+v", rep.Findings)
	}
}

func TestAuditRejectsAndCancels(t *testing.T) {
	d := blobs(2, 3, 64, 3)
	if _, err := Audit(context.Background(), auditConfig(t), d, 7, nil); err == nil {
		t.Error("7 folds of 6 photos accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Audit(ctx, auditConfig(t), d, 2, nil); err == nil {
		t.Error("a cancelled audit ran")
	}
	// A class with one photo is never held out and never flagged.
	d = blobs(2, 10, 64, 4)
	d.Classes = append(d.Classes, "lonely")
	d.Examples = append(d.Examples, head.Example{Views: [][]float32{slices.Repeat([]float32{9}, 64)}, Label: 2, Name: "lonely/1.png"})
	rep, err := Audit(context.Background(), auditConfig(t), d, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Audited[len(d.Examples)-1] || rep.Audited[0] != true {
		t.Errorf("audited %v", rep.Audited)
	}
}

// TestNearDuplicatesMatchesBrute holds the prefiltered search to brute force on random vectors
// — isotropic ones and non-negative, correlated ones like pooled ReLU features (every cosine
// high) — with planted near pairs at cosines around the threshold.
func TestNearDuplicatesMatchesBrute(t *testing.T) {
	for _, kind := range []string{"gaussian", "relu"} {
		r := rand.New(rand.NewPCG(11, 12))
		const n, f = 400, 64
		common := make([]float64, f)
		for j := range common {
			common[j] = r.NormFloat64()
		}
		var vecs [][]float32
		for range n {
			v := make([]float32, f)
			for j := range v {
				x := r.NormFloat64()
				if kind == "relu" {
					x = max(0, 0.6*x+common[j]+0.5)
				}
				v[j] = float32(x)
			}
			vecs = append(vecs, v)
		}
		// Planted pairs: copies of rows with noise of growing size (cosines from ~1 down past 0.98).
		for p := range 40 {
			src := vecs[r.IntN(n)]
			v := slices.Clone(src)
			scale := 0.02 * float64(p) / 40
			norm := 0.0
			for _, x := range src {
				norm += float64(x) * float64(x)
			}
			for j := range v {
				v[j] += float32(scale * r.NormFloat64() * math.Sqrt(norm/f) * 4)
			}
			vecs = append(vecs, v)
		}
		vecs = append(vecs, make([]float32, f), slices.Clone(vecs[5])) // a zero vector; an exact copy
		labels := make([]int, len(vecs))
		for i := range labels {
			labels[i] = r.IntN(3)
		}
		for _, lab := range [][]int{nil, labels} {
			start := time.Now()
			got, err := NearDuplicates(context.Background(), vecs, lab, DuplicateCosine)
			if err != nil {
				t.Fatal(err)
			}
			fast := time.Since(start)
			want := BruteNearDuplicates(vecs, lab, DuplicateCosine)
			t.Logf("%s, labels %v: %d pairs (brute %d); %v", kind, lab != nil, len(got), len(want), fast)
			if len(want) < 10 {
				t.Errorf("%s: only %d planted pairs qualify; the test plants too few", kind, len(want))
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d pairs, brute force %d", kind, len(got), len(want))
			}
			for i := range got {
				if got[i].A != want[i].A || got[i].B != want[i].B || math.Abs(got[i].Cosine-want[i].Cosine) > 1e-9 {
					t.Errorf("%s: pair %d: %+v, brute %+v", kind, i, got[i], want[i])
				}
			}
		}
	}
}

// TestNearDuplicatesScales times the search against brute force on N = 2,000 vectors of 512
// non-negative features shaped like pooled CNN features (a common mean, 12 strong latent
// directions, weak isotropic noise) with 20 planted near copies; both must agree.
func TestNearDuplicatesScales(t *testing.T) {
	if testing.Short() {
		t.Skip("seconds")
	}
	r := rand.New(rand.NewPCG(21, 22))
	const n, f, latent = 2000, 512, 12
	common := make([]float64, f)
	for j := range common {
		common[j] = r.NormFloat64() + 0.5
	}
	dirs := make([][]float64, latent) // [latent][F]
	for k := range dirs {
		dirs[k] = make([]float64, f)
		for j := range dirs[k] {
			dirs[k][j] = r.NormFloat64()
		}
	}
	vecs := make([][]float32, n)
	for i := range vecs {
		x := slices.Clone(common)
		for k := range dirs {
			z := r.NormFloat64() * 1.5 / float64(k+1)
			for j := range x {
				x[j] += z * dirs[k][j]
			}
		}
		v := make([]float32, f)
		for j := range v {
			v[j] = float32(max(0, x[j]+0.3*r.NormFloat64()))
		}
		vecs[i] = v
	}
	for p := range 20 { // vecs[n-1-p] ≈ vecs[p]
		for j := range vecs[p] {
			vecs[n-1-p][j] = vecs[p][j] * float32(1+0.02*r.NormFloat64())
		}
	}
	start := time.Now()
	got, err := NearDuplicates(context.Background(), vecs, nil, DuplicateCosine)
	if err != nil {
		t.Fatal(err)
	}
	fast := time.Since(start)
	start = time.Now()
	want := BruteNearDuplicates(vecs, nil, DuplicateCosine)
	t.Logf("N=%d F=%d: %d pairs in %v, brute force %d in %v", n, f, len(got), fast, len(want), time.Since(start))
	if len(want) < 20 || !slices.EqualFunc(got, want, func(a, b Pair) bool { return a.A == b.A && a.B == b.B }) {
		t.Errorf("%d pairs, brute force %d (planted 20)", len(got), len(want))
	}
}

// TestSuspectsBelowThreshold: a photo whose out-of-fold prediction is the other class, but
// under that class's threshold, is still a (not confident) suspect; one predicted as its own
// label is not; a confident one is marked so.
func TestSuspectsBelowThreshold(t *testing.T) {
	d := &head.Data{Classes: []string{"cats", "dogs"}, Examples: []head.Example{
		{Name: "cats/a", Label: 0}, {Name: "cats/b", Label: 0}, {Name: "cats/dog", Label: 0}, {Name: "dogs/c", Label: 1}, {Name: "dogs/cat", Label: 1}}}
	p := []float32{0.9, 0.1, 0.8, 0.2, 0.35, 0.65, 0.1, 0.9, 0.95, 0.05}
	audited := []bool{true, true, true, true, true}
	got := confidentSuspects(d, p, audited, []float64{0.8, 0.9})
	if len(got) != 2 || got[0].Path != "cats/dog" || got[0].Confident || got[0].Suggested != "dogs" ||
		got[1].Path != "dogs/cat" || !got[1].Confident || math.Abs(got[1].Score-0.9) > 1e-6 {
		t.Fatalf("suspects %+v", got)
	}
}
