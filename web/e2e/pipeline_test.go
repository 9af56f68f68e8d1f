// pipeline_test.go: a photo dropped while the weights stream over a slow link is answered about
// when the last chunk arrives (the layers run as their chunks come in), not after all of them
// plus a whole pass.
package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pipelineChunkDelay holds every chunk request back this long: with four fetches at once the
// 27 chunks take about 7·delay to arrive, several times a forward pass.
const pipelineChunkDelay = 250 * time.Millisecond

func TestFirstResultWhileStreaming(t *testing.T) {
	dist, chromium, _, out, shared := browserTestEnv(t)
	photo := filepath.Join(shared, "data", "imagenet-samples", "images", "n01440764_tench.JPEG")
	if _, err := os.Stat(photo); err != nil {
		t.Fatal(err)
	}
	rec, base := startServer(t, dist)
	rec.mu.Lock()
	rec.delay = pipelineChunkDelay
	rec.mu.Unlock()
	p := &page{t: t, ctx: newBrowser(t, chromium, out), out: out}
	p.do(chromedp.Navigate(base))
	p.poll(`!!document.getElementById("file-input") && document.querySelector("#model-headline")?.dataset.phase === "downloading"`)
	dropped := time.Now()
	pending := p.classifyAsync(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{photo})) })
	res := pending()
	answered := time.Now()
	p.waitModel()
	rec.mu.Lock()
	last := rec.lastChunk
	rec.mu.Unlock()
	streamed, first := last.Sub(dropped), answered.Sub(dropped)
	t.Logf("dropped → last chunk %v, dropped → result %v (%.2f×); %d of 54 layers ran before the last chunk; wait %.0f ms, model %.0f ms",
		streamed.Round(time.Millisecond), first.Round(time.Millisecond), first.Seconds()/streamed.Seconds(), res.StreamedLayers, res.WaitMs, res.ModelMs)
	if res.StreamedLayers == 0 {
		t.Errorf("no layer ran before the last chunk arrived: the pass waited for the whole model")
	}
	if streamed < 3*pipelineChunkDelay {
		t.Fatalf("the last chunk came %v after the drop: the photo was not dropped while the weights streamed", streamed)
	}
	if first.Seconds() > 1.3*streamed.Seconds() {
		t.Errorf("the first result came %v after the drop, %.2f× the %v the weights took to arrive (want ≤ 1.3×)", first, first.Seconds()/streamed.Seconds(), streamed)
	}
}
