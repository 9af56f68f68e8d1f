//go:build !(js && wasm)

// Check labels on the page: the state's decisions and undo, and the statically rendered
// gallery of suspects (and the check in progress) under render_test.go's rules.
package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vugu/html"

	"github.com/graftml/graft/web/wire"
)

// checkedFixture is a check of the "pets" folder with a mislabel and a duplicate.
func checkedFixture(c *LabelCheck) {
	run := c.Start()
	c.ApplyProgress(&wire.AuditProgress{Run: run, Done: 5, Total: 5})
	c.ApplyAudited(&wire.Audited{Run: run, Examples: 40, Folds: 5, Mislabels: 1, Duplicates: 1, Ms: 1300, Findings: []wire.Finding{
		{Kind: "duplicate", Path: "dogs/copy.png", Hash: "h1", Label: "dogs", Suggested: "cats", Score: 1, Other: "cats/a.png", OtherHash: "h2"},
		{Kind: "mislabel", Path: "dogs/copy.png", Hash: "h1", Label: "dogs", Suggested: "cats", Score: 0.93, Confident: true},
		{Kind: "mislabel", Path: "cats/m.png", Hash: "h3", Label: "cats", Suggested: "dogs", Score: 0.2},
	}}, func(p string) string { return "blob:http://127.0.0.1/" + p })
}

func TestLabelCheckDecisions(t *testing.T) {
	var c LabelCheck
	checkedFixture(&c)
	if c.Phase != CheckDone || len(c.Suspects) != 3 || c.Suspects[0].OtherURL != "blob:http://127.0.0.1/cats/a.png" || c.Run != AuditRunBase+1 {
		t.Fatalf("check %+v", c)
	}
	c.Decide(1, DecideMove)
	c.Decide(2, DecideExclude)
	want := []wire.Change{{Hash: "h1", Path: "dogs/copy.png", Class: "cats"}, {Hash: "h3", Path: "cats/m.png", Exclude: true}}
	if len(c.Changes) != 2 || c.Changes[0] != want[0] || c.Changes[1] != want[1] || c.Suspects[0].Decision != DecideMove {
		t.Errorf("changes %+v, decisions %q %q", c.Changes, c.Suspects[0].Decision, c.Suspects[1].Decision)
	}
	if got := ChangesLine(&c); !strings.HasPrefix(got, "2 changes will apply to the next training") {
		t.Errorf("changes line %q", got)
	}
	c.Decide(0, DecideKeep) // the same photo: its move is taken back
	if len(c.Changes) != 1 || c.Changes[0].Hash != "h3" || c.Suspects[1].Decision != DecideKeep {
		t.Errorf("after keep: %+v", c.Changes)
	}
	c.Undo()
	if len(c.Changes) != 0 || c.Suspects[2].Decision != "" {
		t.Errorf("after undo: %+v, %q", c.Changes, c.Suspects[2].Decision)
	}
	c.Decide(2, DecideExclude)
	r := c.Relisted()
	if len(r.Changes) != 1 || r.Suspects != nil || r.Report != nil {
		t.Errorf("relisted %+v", r)
	}
	// A new check shows a photo's decision already made; an answer of another run is ignored.
	run := r.Start()
	r.ApplyAudited(&wire.Audited{Run: run - 1, Error: "old"}, nil)
	r.ApplyAudited(&wire.Audited{Run: run, Findings: []wire.Finding{{Kind: "mislabel", Path: "cats/m.png", Hash: "h3"}}}, func(string) string { return "" })
	if r.Phase != CheckDone || r.Suspects[0].Decision != DecideExclude || r.Run != AuditRunBase+2 {
		t.Errorf("second check %+v", r)
	}
	var f LabelCheck
	run = f.Start()
	f.ApplyAudited(&wire.Audited{Run: run, Error: "3 of 40 photos have no features cached", Missing: 3}, nil)
	if f.Phase != CheckFailed || !strings.Contains(f.Message, "3 of 40") {
		t.Errorf("failed check %+v", f)
	}
}

func TestRenderedLabelCheck(t *testing.T) {
	base := renderedStates()["trained"]
	checked := NewApp()
	checked.State.Model = base.State.Model
	checked.State.Train = base.State.Train
	checkedFixture(&checked.State.Train.Check)
	checked.State.Train.Check.Decide(1, DecideMove)
	running := NewApp()
	running.State.Model = base.State.Model
	running.State.Train = base.State.Train
	running.State.Train.Check.Start()
	running.State.Train.Check.ApplyProgress(&wire.AuditProgress{Run: AuditRunBase + 1, Done: 2, Total: 5})

	for name, app := range map[string]*App{"checked": checked, "checking": running, "trained": base} {
		var b bytes.Buffer
		if err := RenderStatic(&b, app); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		doc, err := html.Parse(strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		checkPage(t, name, doc)
		text := b.String()
		var wants, unwanted []string
		switch name {
		case "checked":
			wants = []string{`id="suspect-gallery"`, "40 photos checked with 5 folds in 1 s: 1 suspected mislabel, 1 duplicate across classes",
				`data-kind="duplicate" data-path="dogs/copy.png"`, `src="blob:http://127.0.0.1/cats/a.png"`, "= cats/a.png",
				"dogs → cats (margin 93%)", `data-confident="true"`, ">confident<", "Move to cats", "Move to dogs", ">Exclude<", ">Keep<",
				`data-decision="move"`, `aria-pressed="true"`, "1 change will apply to the next training", "dogs/copy.png → cats", `id="undo-change"`}
			unwanted = []string{`id="check-progress"`}
			if i, j := strings.Index(text, `data-score="1.000000"`), strings.Index(text, `data-score="0.200000"`); i < 0 || j < i {
				t.Errorf("%s: suspects not strongest first", name)
			}
		case "checking":
			wants = []string{`id="check-progress"`, "fold 2 of 5 done", `id="check-cancel"`}
			unwanted = []string{`id="suspect-gallery"`, `id="check-changes"`}
		case "trained":
			wants = []string{`id="check-labels"`}
			unwanted = []string{`id="suspect-gallery"`, `id="check-changes"`, `id="check-progress"`}
		}
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the page lacks %q", name, w)
			}
		}
		for _, w := range unwanted {
			if strings.Contains(text, w) {
				t.Errorf("%s: the page has %q", name, w)
			}
		}
	}
}
