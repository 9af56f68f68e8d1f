// The label check in the model worker: Trainer.Audit on cached features reports a photo
// copied into the wrong class folder (and its cross-class duplicate), refuses to extract, and
// the overlay of decisions changes the next plan's labels and exclusions.
package engine

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/web/wire"
)

// auditFolder lists 10 cats and 10 dogs, plus dogs/copy.png: cats/a.png re-encoded (other
// bytes, so another hash: not a listing duplicate), and stores features of two clusters,
// the copy's being its original's. It returns the trainer (listing 7), the store and base.
func auditFolder(t *testing.T) (*Trainer, *MemFeatures, head.Base, map[string]string) {
	t.Helper()
	lister := dataset.NewLister()
	for c, class := range []string{"cats", "dogs"} {
		for i := range 10 {
			AddFile(lister, class+"/"+string(rune('a'+i))+".png", classPhoto(c, i))
		}
	}
	img, _, err := preprocess.Decode(classPhoto(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var copyPNG bytes.Buffer
	(&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&copyPNG, img)
	AddFile(lister, "dogs/copy.png", copyPNG.Bytes())
	l := lister.Listing()
	if len(l.Entries) != 21 {
		t.Fatalf("listing: %d entries, skipped %+v", len(l.Entries), l.Skipped)
	}
	tr := &Trainer{}
	tr.SetListing(7, l)
	base := head.Base{ModelID: "m", Layer: "conv4_block6_out", Features: 1024, Resize: "crop"}
	store := NewMemFeatures()
	r := rand.New(rand.NewPCG(1, 2))
	feat := map[string][]float32{}
	hashes := map[string]string{}
	for _, e := range l.Entries {
		hashes[e.Path] = e.Hash
	}
	for _, e := range l.Entries {
		c := e.Class
		src := e.Path
		if e.Path == "dogs/copy.png" {
			src, c = "cats/a.png", 0
		}
		if v, ok := feat[src]; ok {
			feat[e.Path] = v
		} else {
			v := make([]float32, base.Features)
			for j := range v {
				v[j] = 0.3 * (r.Float32() - 0.5)
			}
			v[c*5], v[c*5+1] = 2+r.Float32(), 2+r.Float32()
			feat[src], feat[e.Path] = v, v
		}
	}
	for _, e := range l.Entries {
		key := FeatureKey(base, e.Hash, dataset.ViewOriginal)
		store.PutFeatures(context.Background(), []string{key}, [][]float32{feat[e.Path]})
	}
	return tr, store, base, hashes
}

func auditSettings() wire.Settings {
	s := wire.DefaultSettings()
	s.Head, s.Epochs, s.LearningRate = "linear", 40, 0.05
	return s
}

func TestAuditReportsMislabelledCopy(t *testing.T) {
	if wire.KindMislabelFinding != app.KindMislabel || wire.KindDuplicateFinding != app.KindDuplicate {
		t.Error("wire's finding kinds differ from app's")
	}
	tr, store, base, hashes := auditFolder(t)
	var folds []int
	req := wire.Audit{Run: 2_000_001, Listing: 7, Settings: auditSettings()}
	got, err := tr.Audit(context.Background(), store, base, req, func(done, total int) { folds = append(folds, done*10+total) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(folds, []int{15, 25, 35, 45, 55}) || got.Folds != 5 || got.Examples != 21 {
		t.Errorf("progress %v, %d folds, %d examples", folds, got.Folds, got.Examples)
	}
	var mis, dup *wire.Finding
	for i, f := range got.Findings {
		if i > 0 && f.Score > got.Findings[i-1].Score {
			t.Errorf("findings not strongest first: %+v", got.Findings)
		}
		switch {
		case f.Kind == "mislabel" && f.Path == "dogs/copy.png":
			mis = &got.Findings[i]
		case f.Kind == "duplicate" && (f.Path == "dogs/copy.png" || f.Other == "dogs/copy.png"):
			dup = &got.Findings[i]
		case f.Kind == "mislabel" && f.Path != "cats/a.png": // the original may be suspected too: its twin is a dog
			t.Errorf("a photo of its own cluster reported: %+v", f)
		}
	}
	if mis == nil {
		t.Fatalf("the copy in dogs/ was not reported: %+v", got.Findings)
	}
	if mis.Label != "dogs" || mis.Suggested != "cats" || mis.Hash != hashes["dogs/copy.png"] || mis.Score <= 0 || mis.Score > 1 {
		t.Errorf("finding %+v", *mis)
	}
	if dup == nil || dup.Score < 0.999 || dup.OtherHash == "" || dup.Hash == "" {
		t.Errorf("the copy and its original not reported as duplicates: %+v", dup)
	}

	// Nothing is extracted: a photo without cached features is an error saying how many.
	tr2, _, _, _ := auditFolder(t)
	_, err = tr2.Audit(context.Background(), NewMemFeatures(), base, wire.Audit{Run: 3, Listing: 7, Settings: auditSettings()}, nil)
	var af *AuditFailed
	if !errors.As(err, &af) || af.Missing != 21 {
		t.Errorf("audit with an empty cache: %v", err)
	}
	// Cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tr.Audit(ctx, store, base, req, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled audit: %v", err)
	}
}

func TestChangesApplyToNextPlan(t *testing.T) {
	tr, store, base, hashes := auditFolder(t)
	req := wire.Train{Run: 1, Listing: 7, Settings: auditSettings(), Changes: []wire.Change{
		{Hash: hashes["dogs/copy.png"], Path: "dogs/copy.png", Class: "cats"},
		{Hash: hashes["dogs/b.png"], Path: "dogs/b.png", Exclude: true},
		{Hash: hashes["cats/c.png"], Path: "cats/c.png", Class: "no such class"},
	}}
	plan, err := tr.Prepare(context.Background(), store, base, req)
	if err != nil || plan.Data == nil {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	labels := map[string]int{}
	for _, e := range plan.Data.Examples {
		labels[e.Name] = e.Label
	}
	if l, ok := labels["dogs/copy.png"]; !ok || l != 0 {
		t.Errorf("the moved copy: label %d (%v), want 0 (cats)", l, ok)
	}
	if _, ok := labels["dogs/b.png"]; ok || len(plan.Data.Examples) != 20 {
		t.Errorf("the excluded photo trained on (%d examples)", len(plan.Data.Examples))
	}
	if labels["cats/c.png"] != 0 || labels["dogs/a.png"] != 1 {
		t.Errorf("unchanged photos relabelled: %v", labels)
	}
	l := plan.Listing
	if l.Classes[0].Images != 11 || l.Classes[1].Images != 9 ||
		!slices.ContainsFunc(l.Skipped, func(s wire.Skip) bool { return s.Path == "dogs/b.png" && s.Reason == wire.ReasonExcluded }) {
		t.Errorf("listing after the changes: classes %+v, skipped %+v", l.Classes, l.Skipped)
	}
	// The folder as listed is kept: without changes the next plan is the listing's.
	req.Changes = nil
	plan, err = tr.Prepare(context.Background(), store, base, req)
	if err != nil || len(plan.Data.Examples) != 21 || plan.Listing.Classes[1].Images != 11 {
		t.Fatalf("without changes: %d examples, %v", len(plan.Data.Examples), err)
	}
	// After moving it, the audit no longer reports the copy.
	a := wire.Audit{Run: 4, Listing: 7, Settings: auditSettings(), Changes: []wire.Change{{Hash: hashes["dogs/copy.png"], Class: "cats"}}}
	got, err := tr.Audit(context.Background(), store, base, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got.Findings {
		if f.Path == "dogs/copy.png" || f.Other == "dogs/copy.png" {
			t.Errorf("after the move: %+v", f)
		}
	}
}
