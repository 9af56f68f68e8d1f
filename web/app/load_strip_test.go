package main

import (
	"strings"
	"testing"

	"github.com/graftml/graft/web/wire"
)

func TestLoadStrip(t *testing.T) {
	for _, c := range []struct {
		s    wire.Status
		want string
	}{
		{wire.Status{Phase: wire.PhaseStarting}, "Loading the model… You can give it a photo now."},
		{wire.Status{Phase: wire.PhaseDownloading, BytesDone: 5 << 20, BytesTotal: 25 << 20, LayersDone: 12, LayersTotal: 54}, "12 of 54 layers"},
		{wire.Status{Phase: wire.PhaseReady, BytesDone: 25 << 20, BytesTotal: 25 << 20}, ""},
		{wire.Status{Phase: wire.PhaseError}, ""},
	} {
		got := LoadStrip(c.s)
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.s.Phase, got, c.want)
		}
	}
}
