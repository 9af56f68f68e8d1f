// yield.go: letting a long training run see a cancel in the browser. Go's wasm runtime returns
// to the event loop (where the page's cancel message waits) only when every goroutine waits, so
// a run that computes for seconds sees no message until it sleeps. head.Train and
// finetune.Train call ctx.Err() before every batch (finetune: before each row it gathers), so a
// context whose Err first yields — at most once per interval — is a between-batches hook that
// needs no change to core: the cancel then takes effect within a batch, not an epoch.
package engine

import (
	"context"
	"sync"
	"time"
)

// WithYield wraps ctx so that Err calls yield first when at least every has passed since it
// last did (every 0: at each call). In the worker, yield sleeps a millisecond.
func WithYield(ctx context.Context, every time.Duration, yield func()) context.Context {
	return &yieldCtx{Context: ctx, every: every, yield: yield, last: time.Now()}
}

type yieldCtx struct {
	context.Context
	every time.Duration
	yield func()

	mu   sync.Mutex
	last time.Time
}

func (c *yieldCtx) Err() error {
	c.mu.Lock()
	due := time.Since(c.last) >= c.every
	if due {
		c.last = time.Now()
	}
	c.mu.Unlock()
	if due {
		c.yield()
	}
	return c.Context.Err()
}
