package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/graftml/graft/app/blockinput"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/web/wire"
)

// TestCacheUsageClearPrune: counts and sizes from the keys alone, clearing one cache, pruning
// another model's entries, and a cleared cache making Prepare ask for the entries again.
func TestCacheUsageClearPrune(t *testing.T) {
	ctx := context.Background()
	s := NewMemFeatures()
	cur := head.Base{ModelID: "m2", Layer: "conv4_block6_out", Features: 1024, Resize: "crop"}
	old := cur
	old.ModelID = "m1"
	const in = "conv4_block5_out"
	put := func(b head.Base, hash string) {
		for _, v := range []dataset.View{dataset.ViewOriginal, dataset.ViewFlip} {
			s.PutFeatures(ctx, []string{FeatureKey(b, hash, v)}, [][]float32{make([]float32, 1024)})
			s.PutBlockInputs(ctx, []string{blockinput.BlockInputKey(b, in, hash, v)}, [][]byte{make([]byte, 10)})
		}
	}
	put(cur, "aa")
	put(cur, "bb")
	put(old, "aa")
	s.PutFeatures(ctx, []string{"graft-features-v0|sha256:cc|layer:conv4_block6_out"}, [][]float32{{1}}) // an older key version
	inBytes := int64(14*14*1024 + 4*1024 + 16 + 4)                                                       // the encoded size, not the placeholder's
	st := CacheOp(ctx, s, wire.CacheStatsOp, "m2")
	if st.Error != "" || st.Features != (wire.CacheCount{Entries: 7, Bytes: 7 * 4096}) || st.Inputs != (wire.CacheCount{Entries: 6, Bytes: 6 * inBytes}) {
		t.Errorf("stats %+v", st)
	}
	if EntryBytes(CacheInputs, "junk") != 0 || EntryBytes(CacheFeatures, FeatureKey(head.Base{ModelID: "m", Layer: "avg_pool", Resize: "crop"}, "x", dataset.ViewOriginal)) != 8192 {
		t.Error("entry sizes")
	}
	st = CacheOp(ctx, s, wire.CachePrune, "m2")
	if st.Error != "" || st.Freed != (wire.CacheCount{Entries: 5, Bytes: 3*4096 + 2*inBytes}) || st.Features.Entries != 4 || st.Inputs.Entries != 4 {
		t.Errorf("prune: %+v", st)
	}
	for _, k := range append(s.BlockInputKeys(), mustKeys(t, s, CacheFeatures)...) {
		if !strings.Contains(k, "|model:m2|") {
			t.Errorf("pruning kept %s", k)
		}
	}
	st = CacheOp(ctx, s, wire.CacheClearInputs, "m2")
	if st.Error != "" || st.Freed != (wire.CacheCount{Entries: 4, Bytes: 4 * inBytes}) || st.Inputs != (wire.CacheCount{}) || st.Features.Entries != 4 {
		t.Errorf("clear inputs: %+v", st)
	}
	st = CacheOp(ctx, s, wire.CacheClearFeature, "m2")
	if st.Freed.Entries != 4 || st.Features != (wire.CacheCount{}) {
		t.Errorf("clear features: %+v", st)
	}
	if st := CacheOp(ctx, s, "format", "m2"); st.Error == "" {
		t.Error("an unknown operation was accepted")
	}
}

func mustKeys(t *testing.T, a CacheAdmin, cache string) []string {
	t.Helper()
	k, err := a.CacheKeys(context.Background(), cache)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
