// labels_state.go: "Check labels" on the page (wire/audit.go has the flow): the model worker's
// findings as a gallery of suspects, the user's decisions on them (move to the suggested
// class, exclude, keep) and the overlay those make (wire.Change, keyed by content hash), sent
// with every train request. Plain Go; labels.go moves the messages.
package main

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/graftml/graft/web/wire"
)

// AuditRunBase numbers label checks apart from training and sort runs (they share Cancel).
const AuditRunBase = 2_000_000

// Phases of the label check.
const (
	CheckNone      = ""
	CheckRunning   = "running"
	CheckDone      = "done"
	CheckFailed    = "failed"
	CheckCancelled = "cancelled"
)

// Decisions on a suspect.
const (
	DecideMove    = "move"
	DecideExclude = "exclude"
	DecideKeep    = "keep"
)

// MaxSuspectsShown caps the gallery (object URLs of the user's files).
const MaxSuspectsShown = 60

// Suspect is one finding as the gallery shows it, from the user's own files.
type Suspect struct {
	wire.Finding
	URL, OtherURL string // "" when the file is not at hand
	Decision      string // "", DecideMove, DecideExclude or DecideKeep
	I             int
}

// LabelCheck is the label check's part of the page. It outlives a re-list of the folder:
// Changes are keyed by content hash.
type LabelCheck struct {
	Phase    string
	Run      int
	Done     int // folds ended
	Total    int
	Report   *wire.Audited
	Suspects []Suspect
	Message  string
	Changes  []wire.Change // the overlay, in the order decided
	Write    ChangeWrite   // writing Changes into the folder (labels_write.go)

	runs int
	urls []string // object URLs of the gallery (labels.go revokes them)
}

// CanCheck reports whether Check labels can start: a finished run on this listing (so its
// features are cached), nothing under way.
func CanCheck(t *Train, model wire.Status) bool {
	return t.List.Final && t.Result != nil && !t.Busy() && t.Check.Phase != CheckRunning && model.Phase == wire.PhaseReady
}

// Start begins a new check; it returns its run.
func (c *LabelCheck) Start() int {
	c.runs++
	c.Run = AuditRunBase + c.runs
	c.Phase, c.Done, c.Total, c.Report, c.Suspects, c.Message = CheckRunning, 0, 0, nil, nil, ""
	return c.Run
}

// Relisted is c after the folder was listed again: the findings go, the decisions stay.
func (c LabelCheck) Relisted() LabelCheck {
	return LabelCheck{Changes: c.Changes, Write: c.Write, runs: c.runs}
}

// ApplyProgress takes a fold's end.
func (c *LabelCheck) ApplyProgress(p *wire.AuditProgress) {
	if p.Run == c.Run && c.Phase == CheckRunning {
		c.Done, c.Total = p.Done, p.Total
	}
}

// ApplyAudited takes the answer; urlOf gives a path's thumbnail ("" when none).
func (c *LabelCheck) ApplyAudited(a *wire.Audited, urlOf func(path string) string) {
	if a.Run != c.Run || c.Phase != CheckRunning {
		return
	}
	switch {
	case a.Cancelled:
		c.Phase, c.Message = CheckCancelled, "Label check cancelled."
		return
	case a.Error != "":
		c.Phase, c.Message = CheckFailed, "The label check could not run: "+a.Error
		return
	}
	c.Phase, c.Report = CheckDone, a
	for i, f := range a.Findings {
		if i >= MaxSuspectsShown {
			break
		}
		s := Suspect{Finding: f, URL: urlOf(f.Path), I: i, Decision: c.decisionOf(f.Hash)}
		if f.Other != "" {
			s.OtherURL = urlOf(f.Other)
		}
		c.Suspects = append(c.Suspects, s)
	}
}

// decisionOf is the change already made for a hash ("" when none).
func (c *LabelCheck) decisionOf(hash string) string {
	i := slices.IndexFunc(c.Changes, func(ch wire.Change) bool { return ch.Hash == hash })
	switch {
	case i < 0:
		return ""
	case c.Changes[i].Exclude:
		return DecideExclude
	}
	return DecideMove
}

// Decide records decision d on suspect i: move and exclude replace any change of its photo,
// keep removes it.
func (c *LabelCheck) Decide(i int, d string) {
	if i < 0 || i >= len(c.Suspects) {
		return
	}
	s := &c.Suspects[i]
	c.Changes = slices.DeleteFunc(c.Changes, func(ch wire.Change) bool { return ch.Hash == s.Hash })
	switch d {
	case DecideMove:
		c.Changes = append(c.Changes, wire.Change{Hash: s.Hash, Path: s.Path, Class: s.Suggested})
	case DecideExclude:
		c.Changes = append(c.Changes, wire.Change{Hash: s.Hash, Path: s.Path, Exclude: true})
	case DecideKeep:
	default:
		return
	}
	c.setDecision(s.Hash, d)
}

// Undo takes the last change back.
func (c *LabelCheck) Undo() {
	if len(c.Changes) == 0 {
		return
	}
	last := c.Changes[len(c.Changes)-1]
	c.Changes = c.Changes[:len(c.Changes)-1]
	c.setDecision(last.Hash, "")
}

// setDecision marks every suspect of a photo (a duplicate can be listed once per pair).
func (c *LabelCheck) setDecision(hash, d string) {
	for k := range c.Suspects {
		if c.Suspects[k].Hash == hash {
			c.Suspects[k].Decision = d
		}
	}
}

// CheckProgressLine says how far the check is.
func CheckProgressLine(c *LabelCheck) string {
	if c.Total == 0 {
		return "Checking labels: training the first fold's head…"
	}
	return fmt.Sprintf("Checking labels: fold %d of %d done.", c.Done, c.Total)
}

// CheckSummary says what the check found.
func CheckSummary(c *LabelCheck) string {
	r := c.Report
	if r == nil {
		return ""
	}
	took := Duration(r.Ms)
	if r.Ms < 1000 {
		took = fmt.Sprintf("%.0f ms", r.Ms)
	}
	head := fmt.Sprintf("%d photos checked with %d folds in %s: ", r.Examples, r.Folds, took)
	if len(r.Findings) == 0 {
		return head + "no suspected mislabel and no duplicate across classes."
	}
	s := head + plural(r.Mislabels, "suspected mislabel", "suspected mislabels") + ", " +
		plural(r.Duplicates, "duplicate across classes", "duplicates across classes") + ", strongest first."
	if n := len(r.Findings) - len(c.Suspects); n > 0 {
		s += fmt.Sprintf(" The %d weakest are not shown.", n)
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// SuspectLine is a suspect's label, suggestion and score in words.
func SuspectLine(s Suspect) string {
	if s.Kind == wire.KindDuplicateFinding {
		return fmt.Sprintf("%s, but the same photo as a %s (similarity %.3f)", s.Label, s.Suggested, s.Score)
	}
	return fmt.Sprintf("%s → %s (margin %s)", s.Label, s.Suggested, Percent(float32(s.Score)))
}

// SuspectAlt describes a suspect's thumbnail.
func SuspectAlt(s Suspect) string {
	return s.Path + ": labelled " + s.Label + ", may be a " + s.Suggested
}

// ChangesLine says how many changes the next training applies.
func ChangesLine(c *LabelCheck) string {
	if len(c.Changes) == 1 {
		return "1 change will apply to the next training (nothing is written to the folder unless you ask)."
	}
	return fmt.Sprintf("%d changes will apply to the next training (nothing is written to the folder unless you ask).", len(c.Changes))
}

// ChangeText is one change in words.
func ChangeText(ch wire.Change) string {
	if ch.Exclude {
		return ch.Path + " left out"
	}
	return ch.Path + " → " + ch.Class
}

// Pressed is aria-pressed's value for a decision button.
func Pressed(s Suspect, d string) string { return strconv.FormatBool(s.Decision == d) }
