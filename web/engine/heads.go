// heads.go: the trained heads a browser keeps — saved in IndexedDB across visits (HeadStore),
// exported and imported as head files (app/headfile/FORMAT.md), and the active one that classifies
// photos beside the ImageNet top-5. A file is checked with headfile.Parse, then against the model
// this page runs (Model.CheckBase): another model or layer is refused with words saying so.
package engine

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/web/wire"
)

// StoredHead is one saved head: its file and what the user called it.
type StoredHead struct {
	ID        int // > 0, given by the store
	Name      string
	CreatedMs float64 // Unix milliseconds
	File      []byte  // the head file
	Draft     bool    // kept automatically after training, not saved by the user (draft.go)
}

// HeadStore keeps heads.
type HeadStore interface {
	ListHeads(ctx context.Context) ([]StoredHead, error)
	// AddHead stores h (its ID is ignored) and returns the new ID.
	AddHead(ctx context.Context, h StoredHead) (int, error)
	DeleteHead(ctx context.Context, id int) error
}

// Shelf is the heads of one page: the store, the head just trained (not saved yet), and the
// active head. ModelID and Layer are the model this page runs and the layer its heads read by
// default, for the compatibility check; with LastLayer set (the model's last computable layer)
// a head reading another layer up to it, with pooled features, is this page's too (the settings'
// feature layer).
type Shelf struct {
	Store     HeadStore
	ModelID   string
	Layer     string
	LastLayer string

	mu           sync.Mutex
	trained      *head.Model
	trainedFile  []byte
	fallback     *head.Model // a dynamic run's conservative head, saved beside the model
	fallbackFile []byte
	active       *head.Model
	classifier   *app.Classifier // runs the active model (nil when none is active)
	activeID     int             // -1: none; 0: the head just trained
	activeName   string
	activeFile   []byte // the active model's head file
	discarded    bool   // the user discarded the draft of the head just trained (draft.go)
	draftErr     string // why the draft could not be kept
}

// NewShelf is a shelf with no active head.
func NewShelf(store HeadStore, modelID, layer string) *Shelf {
	return &Shelf{Store: store, ModelID: modelID, Layer: layer, activeID: -1}
}

// SetTrained makes a freshly trained model (and its file) the active one; fallback is a
// dynamic run's conservative head (nil for none), which Save keeps too.
func (s *Shelf) SetTrained(m *head.Model, file []byte, fallback *head.Model, fallbackFile []byte) error {
	c, err := app.NewClassifier(m)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trained, s.trainedFile, s.fallback, s.fallbackFile = m, file, fallback, fallbackFile
	s.discarded = false
	s.active, s.classifier, s.activeID, s.activeName = m, c, 0, DefaultHeadName(m.Classes)
	s.activeFile = file
	return nil
}

// FallbackName is the name a dynamic model's conservative head is saved under.
func FallbackName(name string) string { return name + " (conservative)" }

// List describes every saved head, newest first, and says which is active.
func (s *Shelf) List(ctx context.Context) wire.Heads {
	out := wire.Heads{Heads: []wire.HeadInfo{}}
	stored, err := s.Store.ListHeads(ctx)
	if err != nil {
		out.Error = "the saved heads could not be read: " + err.Error()
	}
	s.mu.Lock()
	trained := s.trainedFile
	s.mu.Unlock()
	out.Unsaved = trained != nil // until a saved (or imported) head is this very file
	sum := sha256.Sum256(trained)
	for _, h := range stored {
		if h.Draft {
			s.listDraft(&out, h)
			continue
		}
		out.Heads = append(out.Heads, s.describe(h))
		if trained != nil && sha256.Sum256(h.File) == sum {
			out.Unsaved = false
		}
	}
	s.mu.Lock()
	out.Unsaved = out.Unsaved && !s.discarded
	out.DraftError = s.draftErr
	s.mu.Unlock()
	slices.SortFunc(out.Heads, func(a, b wire.HeadInfo) int { return b.ID - a.ID })
	s.mu.Lock()
	out.Active = s.activeID
	s.mu.Unlock()
	return out
}

// describe parses a stored head for the list; a damaged one is listed with its problem.
func (s *Shelf) describe(h StoredHead) wire.HeadInfo {
	m, err := headfile.Parse(h.File)
	if err != nil {
		return wire.HeadInfo{ID: h.ID, Name: h.Name, CreatedMs: h.CreatedMs, Bytes: len(h.File), Accuracy: -1, Problem: err.Error()}
	}
	info := InfoOf(m, h.ID, h.Name, h.CreatedMs, len(h.File))
	if err := s.compatible(info.ModelID, info.Layer); err != nil {
		info.Compatible, info.Problem = false, err.Error()
	}
	return info
}

// InfoOf describes a head.
func InfoOf(m *head.Model, id int, name string, createdMs float64, bytes int) wire.HeadInfo {
	info := wire.HeadInfo{ID: id, Name: name, CreatedMs: createdMs, Classes: m.Classes, Preset: m.Training.Head,
		ModelID: m.Base.ModelID, Layer: m.Base.Layer, Resize: m.Base.Resize, Accuracy: -1, Bytes: bytes, Compatible: true,
		Describe: m.Describe()}
	if m.Metrics != nil {
		info.Accuracy, info.Examples = m.Metrics.Accuracy, m.Metrics.Examples
	}
	if info.Name == "" {
		info.Name = DefaultHeadName(m.Classes)
	}
	return info
}

func (s *Shelf) compatible(modelID, layer string) error {
	other := s.LastLayer != "" && resnet50.OutputChannels(layer) > 0 && resnet50.LayerIndex(layer) <= resnet50.LayerIndex(s.LastLayer)
	if modelID != s.ModelID || (layer != s.Layer && !other) {
		return fmt.Errorf("it reads %s features of model %s; this page runs model %s (%s): train it again here",
			layer, modelID, s.ModelID, s.Layer)
	}
	return nil
}

// DefaultHeadName names a head after its classes: "cats / dogs".
func DefaultHeadName(classes []string) string {
	name := strings.Join(classes, " / ")
	if len(name) > 80 {
		name = name[:77] + "…"
	}
	return name
}

// ErrNothingTrained: save before any training.
var ErrNothingTrained = errors.New("there is no newly trained head to save; train one first")

// Save keeps the head just trained under name ("" → its classes) and makes the saved copy
// active. A dynamic model's conservative head is saved first, as FallbackName(name).
func (s *Shelf) Save(ctx context.Context, name string, nowMs float64) (int, error) {
	s.mu.Lock()
	m, file, fb, fbFile := s.trained, s.trainedFile, s.fallback, s.fallbackFile
	s.mu.Unlock()
	if m == nil {
		return 0, ErrNothingTrained
	}
	name = cleanName(name, m.Classes)
	stored, err := s.Store.ListHeads(ctx)
	if err != nil {
		return 0, fmt.Errorf("the saved heads could not be read: %w", err)
	}
	sum := sha256.Sum256(file)
	for _, h := range stored {
		if !h.Draft && sha256.Sum256(h.File) == sum { // a second tap on Save: this very file is kept already
			s.mu.Lock()
			if s.active == m {
				s.activeID, s.activeName = h.ID, h.Name
			}
			s.mu.Unlock()
			s.dropDrafts(ctx, stored)
			return h.ID, &AlreadySavedError{ID: h.ID, Name: h.Name}
		}
	}
	if fb != nil {
		if _, err := s.Store.AddHead(ctx, StoredHead{Name: FallbackName(name), CreatedMs: nowMs, File: fbFile}); err != nil {
			return 0, fmt.Errorf("the conservative head could not be saved in this browser: %w", err)
		}
	}
	id, err := s.Store.AddHead(ctx, StoredHead{Name: name, CreatedMs: nowMs, File: file})
	if err != nil {
		return 0, fmt.Errorf("the head could not be saved in this browser: %w", err)
	}
	s.mu.Lock()
	if s.activeID == 0 && s.active == m {
		s.activeID, s.activeName = id, name
	}
	s.mu.Unlock()
	s.dropDrafts(ctx, stored) // saved now: no longer a draft
	return id, nil
}

// AlreadySavedError is Save's answer when the head just trained is kept already (a saved
// head's file has the same SHA-256): nothing is added.
type AlreadySavedError struct {
	ID   int
	Name string
}

func (e *AlreadySavedError) Error() string {
	return "this head is saved already, as “" + e.Name + "”"
}

// cleanName trims a user's name for a head to one line of at most 120 characters.
func cleanName(name string, classes []string) string {
	name = strings.Join(strings.FieldsFunc(name, unicode.IsControl), " ")
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	if name == "" {
		name = DefaultHeadName(classes)
	}
	return name
}

// find returns the stored head id.
func (s *Shelf) find(ctx context.Context, id int) (StoredHead, error) {
	stored, err := s.Store.ListHeads(ctx)
	if err != nil {
		return StoredHead{}, err
	}
	i := slices.IndexFunc(stored, func(h StoredHead) bool { return h.ID == id && !h.Draft })
	if i < 0 {
		return StoredHead{}, fmt.Errorf("no saved head %d (deleted in another tab?)", id)
	}
	return stored[i], nil
}

// Use makes saved head id the active one (0: the head just trained).
func (s *Shelf) Use(ctx context.Context, id int) error {
	if id == 0 {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.trained == nil {
			return ErrNothingTrained
		}
		c, err := app.NewClassifier(s.trained)
		if err != nil {
			return err
		}
		s.active, s.classifier, s.activeID, s.activeName = s.trained, c, 0, DefaultHeadName(s.trained.Classes)
		s.activeFile = s.trainedFile
		return nil
	}
	h, err := s.find(ctx, id)
	if err != nil {
		return err
	}
	m, err := headfile.Parse(h.File)
	if err != nil {
		return fmt.Errorf("“%s” is damaged: %w", h.Name, err)
	}
	if err := s.compatible(m.Base.ModelID, m.Base.Layer); err != nil {
		return fmt.Errorf("“%s” cannot run here: %w", h.Name, err)
	}
	c, err := app.NewClassifier(m)
	if err != nil {
		return fmt.Errorf("“%s” is damaged: %w", h.Name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active, s.classifier, s.activeID, s.activeName = m, c, id, h.Name
	s.activeFile = h.File
	return nil
}

// Delete forgets saved head id (the active head stays usable until another is chosen, unless it is this one).
func (s *Shelf) Delete(ctx context.Context, id int) error {
	if err := s.Store.DeleteHead(ctx, id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.activeID == id {
		s.active, s.classifier, s.activeID, s.activeName = nil, nil, -1, ""
		s.activeFile = nil
	}
	return nil
}

// Export returns saved head id's file (0: the head just trained) and a file name for it.
func (s *Shelf) Export(ctx context.Context, id int) ([]byte, string, error) {
	if id == 0 {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.trained == nil {
			return nil, "", ErrNothingTrained
		}
		return s.trainedFile, FileName(DefaultHeadName(s.trained.Classes)), nil
	}
	h, err := s.find(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return h.File, FileName(h.Name), nil
}

// FileName makes a download name from a head's name: letters, digits, - and _, then .grafthead.
func FileName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	base := strings.Trim(b.String(), "-")
	if base == "" {
		base = "head"
	}
	if r := []rune(base); len(r) > 60 {
		base = string(r[:60])
	}
	return base + ".grafthead"
}

// Import checks a head file a user picked and keeps it: it must parse (head.Parse) and read
// the features of this page's model and layer. The name is the file's, without .grafthead.
func (s *Shelf) Import(ctx context.Context, fileName string, data []byte, nowMs float64) (int, error) {
	m, err := headfile.Parse(data)
	switch {
	case errors.Is(err, headfile.ErrNotHeadFile):
		return 0, fmt.Errorf("“%s” is not a Graft head file (export one with “Export” after training): %w", fileName, err)
	case err != nil:
		return 0, fmt.Errorf("“%s” is not a valid head file: %w", fileName, err)
	}
	if err := s.compatible(m.Base.ModelID, m.Base.Layer); err != nil {
		return 0, fmt.Errorf("“%s” does not fit this model: %w", fileName, err)
	}
	name := cleanName(strings.TrimSuffix(fileName, ".grafthead"), m.Classes)
	id, err := s.Store.AddHead(ctx, StoredHead{Name: name, CreatedMs: nowMs, File: data})
	if err != nil {
		return 0, fmt.Errorf("the head could not be saved in this browser: %w", err)
	}
	return id, nil
}

// Predict runs the active head on features, or returns nil when no head is active. features
// must be the pooled output of the active head's layer for the photo prepared with its resize
// mode (ActiveBase says which).
func (s *Shelf) Predict(features []float32) (*wire.HeadPrediction, error) {
	s.mu.Lock()
	m, id, name := s.active, s.activeID, s.activeName
	s.mu.Unlock()
	if m == nil {
		return nil, nil
	}
	p, err := app.PredictFeatures(m, features)
	if err != nil {
		return nil, err
	}
	return predictionMessage(id, name, m, p), nil
}

// predictionMessage is p, model m's answer, as the page sees it.
func predictionMessage(id int, name string, m *head.Model, p *app.Prediction) *wire.HeadPrediction {
	out := &wire.HeadPrediction{ID: id, Name: name, Best: p.Best}
	if p.Checked {
		out.OpenSet = &wire.OpenSetVerdict{Unknown: p.Unknown, Score: p.Score, Threshold: p.Threshold, Nearest: p.Nearest}
	}
	for c, cls := range m.Classes {
		out.Classes = append(out.Classes, wire.ClassProb{Name: cls, Prob: p.Probs[c]})
	}
	return out
}

// ActiveInput is the layer whose output the active head reads for a photo (its base layer, or
// for a fine-tuned model the input of its first block) and its resize mode; ok false when no
// head is active.
func (s *Shelf) ActiveInput() (layer, resize string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		return "", "", false
	}
	return s.classifier.InputLayer(), s.active.Base.Resize, true
}

// PredictFrom runs the active head on x [1,H,W,C], the output of layer (ActiveInput's) for a
// photo: pooled for a conservative head, through the fine-tuned blocks first for a dynamic
// model (app.Classifier, what graft classify --head runs). With explain, the answer carries
// the best class's Grad-CAM map over x (app.Classifier.Explain, what graft explain runs); its
// Resize is the caller's to fill in.
func (s *Shelf) PredictFrom(layer string, x *tensor.Tensor, explain bool) (*wire.HeadPrediction, error) {
	s.mu.Lock()
	m, c, id, name := s.active, s.classifier, s.activeID, s.activeName
	s.mu.Unlock()
	if m == nil {
		return nil, nil
	}
	if layer != c.InputLayer() {
		return nil, fmt.Errorf("engine: the active head changed while the photo was classified; classify it again")
	}
	p, err := c.Predict(layer, x)
	if err != nil {
		return nil, err
	}
	out := predictionMessage(id, name, m, p)
	if explain {
		e, err := c.Explain(layer, x, p.Best)
		if err != nil {
			return nil, fmt.Errorf("engine: explaining the head's answer: %w", err)
		}
		out.Heat = &wire.HeatMap{Class: e.Class, H: e.H, W: e.W, Map: e.Map, Peak: e.Peak}
	}
	return out, nil
}

// ActiveBase is the active head's base (ok false when none is active).
func (s *Shelf) ActiveBase() (head.Base, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		return head.Base{}, false
	}
	return s.active.Base, true
}

// NameOf is saved head id's name ("" when there is none).
func (s *Shelf) NameOf(ctx context.Context, id int) string {
	h, err := s.find(ctx, id)
	if err != nil {
		return ""
	}
	return h.Name
}
