// Tests of kept.go: a partial feature entry is never read back, and a store that refuses
// leaves every vector readable from memory, with the reason.
package engine

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestOpenFeaturesRefusesPartialEntries(t *testing.T) {
	key := "graft-features-v1|content:ab|model:m|layer:conv4_block6_out|view:original|resize:crop"
	f := []float32{1, -2.5, 3e-7, 0}
	sum := SealFeatures(key, f)
	if got := OpenFeatures(key, f, sum, true); !slices.Equal(got, f) {
		t.Fatalf("a complete entry reads back as %v", got)
	}
	for name, c := range map[string]struct {
		key    string
		f      []float32
		sealed bool
	}{
		"no checksum (written, not marked complete)": {key, f, false},
		"bytes cut":         {key, f[:3], true},
		"a value changed":   {key, []float32{1, -2.5, 3e-7, 1}, true},
		"under another key": {key + "x", f, true},
		"no vector":         {key, nil, true},
	} {
		if got := OpenFeatures(c.key, c.f, sum, c.sealed); got != nil {
			t.Errorf("%s: read back as %v, want a miss", name, got)
		}
	}
}

// refusingStore reads nothing and refuses every write, as IndexedDB does with its quota full.
type refusingStore struct{ getErr, putErr error }

func (s refusingStore) GetFeatures(ctx context.Context, keys []string) ([][]float32, error) {
	if s.getErr != nil {
		return nil, s.getErr
	}
	return make([][]float32, len(keys)), nil
}

func (s refusingStore) PutFeatures(ctx context.Context, keys []string, vecs [][]float32) error {
	return s.putErr
}

func TestKeptFeaturesWhenStoreRefuses(t *testing.T) {
	ctx := context.Background()
	quota := errors.New("QuotaExceededError: The quota has been exceeded.")
	for _, s := range []refusingStore{{putErr: quota}, {getErr: errors.New("no IndexedDB"), putErr: quota}} {
		k := NewKeptFeatures(s)
		if err := k.PutFeatures(ctx, []string{"a", "b"}, [][]float32{{1}, {2}}); err != nil {
			t.Fatalf("a refused write fails: %v", err)
		}
		got, err := k.GetFeatures(ctx, []string{"a", "b", "c"})
		if err != nil || !slices.Equal(got[0], []float32{1}) || !slices.Equal(got[1], []float32{2}) || got[2] != nil {
			t.Fatalf("reads back %v, %v", got, err)
		}
		keys, vecs, reason := k.TakeUnkept(true)
		if !slices.Equal(keys, []string{"a", "b"}) || len(vecs) != 2 || reason != "storage full" {
			t.Errorf("unkept: %v %v %q", keys, vecs, reason)
		}
		if k.Held() != 0 {
			t.Errorf("after TakeUnkept(forget) memory holds %d", k.Held())
		}
		if keys, _, reason := k.TakeUnkept(false); keys != nil || reason != "" {
			t.Errorf("a second TakeUnkept gives %v %q", keys, reason)
		}
	}
	k := NewKeptFeatures(NewMemFeatures())
	k.PutFeatures(ctx, []string{"a"}, [][]float32{{1}})
	if keys, _, reason := k.TakeUnkept(false); keys != nil || reason != "" || k.Held() != 0 {
		t.Errorf("a store that keeps everything: unkept %v %q, %d held", keys, reason, k.Held())
	}
}

func TestKeptFeaturesPassBlockInputs(t *testing.T) {
	ctx := context.Background()
	k := NewKeptFeatures(NewMemFeatures())
	var _ BlockInputStore = k // Prepare asks the feature store for the dynamic strategy's inputs
	if err := k.PutBlockInputs(ctx, []string{"a"}, [][]byte{{7}}); err != nil {
		t.Fatal(err)
	}
	if got, err := k.GetBlockInputs(ctx, []string{"a"}); err != nil || len(got) != 1 || !slices.Equal(got[0], []byte{7}) {
		t.Errorf("block inputs read back %v, %v", got, err)
	}
	if _, err := NewKeptFeatures(refusingStore{}).GetBlockInputs(ctx, []string{"a"}); err == nil {
		t.Error("a store without block inputs gives some")
	}
}
