// Tests of draft.go's line.
package main

import (
	"testing"

	"github.com/graftml/graft/web/wire"
)

func TestDraftLine(t *testing.T) {
	if got := DraftLine(&wire.HeadInfo{Name: "cats / dogs"}, "02:14"); got != "Draft from 02:14, not saved: cats / dogs" {
		t.Errorf("DraftLine = %q", got)
	}
	if DraftLine(nil, "02:14") != "" {
		t.Error("no draft has a line")
	}
}
