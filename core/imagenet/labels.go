// Package imagenet holds the 1000 ImageNet-1k (ILSVRC-2012) class labels in the order of
// Keras' ResNet50 outputs, and TopK, the equivalent of
// keras.applications.imagenet_utils.decode_predictions(preds, top=k).
//
// Where the truth lives: the class index is the position of the synset in the sorted list of
// the 1000 ILSVRC-2012 synsets (the order of Keras' imagenet_class_index.json). Names are
// Keras' decode_predictions names ("tabby", "tiger_cat", "golden_retriever"; note that two
// pairs of classes share a name: "crane" 134/517 and "maillot" 638/639 — tell them apart by
// synset or index). Human-readable names are the WordNet synonym lists of
// imagenet1000_clsid_to_human.txt. labels.csv is generated from the shared data set by
// TestLabelsCSVUpToDate (see labels_gen_test.go).
package imagenet

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// NumClasses is the number of ImageNet-1k classes, the length of ResNet50's output.
const NumClasses = 1000

//go:embed labels.csv
var labelsCSV []byte

// Label is one ImageNet class.
type Label struct {
	Index  int    // 0..999, the position in ResNet50's output
	Synset string // WordNet id, e.g. "n02123045"
	Name   string // Keras decode_predictions name, e.g. "tabby"
	Human  string // WordNet synonyms, e.g. "tabby, tabby cat"
}

// Prediction is a label with its probability, one row of decode_predictions.
type Prediction struct {
	Label
	Prob float32
}

var labels = sync.OnceValue(func() []Label {
	l, err := parseLabels(labelsCSV)
	if err != nil {
		// labels.csv is embedded at build time and checked by the tests: this is a build defect.
		panic("imagenet: embedded labels.csv: " + err.Error())
	}
	return l
})

// Labels returns the 1000 labels in class-index order (a fresh copy).
func Labels() []Label { return slices.Clone(labels()) }

// ByIndex returns the label of class i, or false when i is not in 0..999.
func ByIndex(i int) (Label, bool) {
	if i < 0 || i >= NumClasses {
		return Label{}, false
	}
	return labels()[i], true
}

// BySynset returns the label with the given WordNet id (e.g. "n01440764"), or false.
func BySynset(synset string) (Label, bool) {
	l := labels()
	i, ok := slices.BinarySearchFunc(l, synset, func(a Label, s string) int {
		return strings.Compare(a.Synset, s)
	})
	if !ok {
		return Label{}, false
	}
	return l[i], true
}

// TopK returns the k most probable classes, most probable first, like
// decode_predictions(preds, top=k) for one image. Equal probabilities keep the lower index
// first; NaN counts as the lowest. k is clamped to 0..1000. probs must have 1000 entries
// (ResNet50's softmax output).
func TopK(probs []float32, k int) ([]Prediction, error) {
	if len(probs) != NumClasses {
		return nil, fmt.Errorf("imagenet: TopK needs %d class probabilities, got %d", NumClasses, len(probs))
	}
	l := labels()
	idx := TopIndices(probs, k)
	out := make([]Prediction, len(idx))
	for i, c := range idx {
		out[i] = Prediction{Label: l[c], Prob: probs[c]}
	}
	return out, nil
}

// TopIndices returns the indices of the k largest scores (any number of classes), largest
// first; ties keep the lower index first and NaN counts as the lowest. k is clamped to
// 0..len(scores). It is TopK without the ImageNet labels, for heads with their own classes.
func TopIndices(scores []float32, k int) []int {
	k = min(max(k, 0), len(scores))
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		sa, sb := scores[a], scores[b]
		na, nb := math.IsNaN(float64(sa)), math.IsNaN(float64(sb))
		switch {
		case na && nb:
			return 0
		case na:
			return 1
		case nb:
			return -1
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return 0
	})
	return idx[:k:k]
}

// parseLabels reads labels.csv: '#' comment lines, a header "index,synset,name,human", then
// one row per class in index order.
func parseLabels(data []byte) ([]Label, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = 4
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) != NumClasses+1 || !slices.Equal(rows[0], []string{"index", "synset", "name", "human"}) {
		return nil, fmt.Errorf("want a header and %d rows, got %d rows", NumClasses, len(rows))
	}
	out := make([]Label, NumClasses)
	for i, row := range rows[1:] {
		n, err := strconv.Atoi(row[0])
		if err != nil || n != i {
			return nil, fmt.Errorf("row %d: index %q, want %d", i+1, row[0], i)
		}
		if i > 0 && row[1] <= out[i-1].Synset {
			return nil, fmt.Errorf("row %d: synset %s not after %s", i+1, row[1], out[i-1].Synset)
		}
		out[i] = Label{Index: i, Synset: row[1], Name: row[2], Human: row[3]}
	}
	return out, nil
}
