package producer

import (
	"context"
	"sync"
)

// gate bounds the events buffered in the producer (emitted, not yet acknowledged
// or failed). franz-go has the same bounds, but reports a full buffer through the
// record's promise, asynchronously; the gate lets an emit return ErrBufferFull or
// the context's error synchronously, with nothing buffered. franz-go's own
// limits are set to the same values; as franz-go calls the promise (where the
// gate releases) just before it releases the record itself, franz-go may see
// itself full for that instant and block the emit for it, never longer.
type gate struct {
	maxRecs, maxBytes int64

	mu           sync.Mutex
	recs         int64
	bytes        int64
	waiters      int
	emptyWaiters int
	wake         chan struct{} // closed (and replaced) when space is freed and someone waits
	empty        chan struct{} // closed (and replaced) when recs drops to 0 and someone waits
	closed       chan struct{} // closed by close: waiters give up with ErrClosed
	isClose      bool
}

func newGate(maxRecs, maxBytes int) *gate {
	return &gate{
		maxRecs:  int64(maxRecs),
		maxBytes: int64(maxBytes),
		wake:     make(chan struct{}),
		empty:    make(chan struct{}),
		closed:   make(chan struct{}),
	}
}

// acquire reserves room for one event of n bytes. With block false it fails with
// ErrBufferFull at once; otherwise it waits for room, ctx, or close.
func (g *gate) acquire(ctx context.Context, n int64, block bool) error {
	for {
		g.mu.Lock()
		if g.isClose {
			g.mu.Unlock()
			return ErrClosed
		}
		if g.recs < g.maxRecs && g.bytes+n <= g.maxBytes {
			g.recs++
			g.bytes += n
			g.mu.Unlock()
			return nil
		}
		if !block {
			g.mu.Unlock()
			return ErrBufferFull
		}
		wake := g.wake
		g.waiters++
		g.mu.Unlock()

		var err error
		select {
		case <-wake:
		case <-g.closed:
			err = ErrClosed
		case <-ctx.Done():
			err = ctx.Err()
		}
		g.mu.Lock()
		g.waiters--
		g.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// release returns the room of one event of n bytes.
func (g *gate) release(n int64) {
	g.mu.Lock()
	g.recs--
	g.bytes -= n
	if g.waiters > 0 {
		close(g.wake)
		g.wake = make(chan struct{})
	}
	if g.recs == 0 && g.emptyWaiters > 0 {
		close(g.empty)
		g.empty = make(chan struct{})
	}
	g.mu.Unlock()
}

// close makes waiting and later acquires fail with ErrClosed.
func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.isClose {
		g.isClose = true
		close(g.closed)
	}
}

// waitEmpty waits until no event is buffered, or ctx is done.
func (g *gate) waitEmpty(ctx context.Context) error {
	for {
		g.mu.Lock()
		if g.recs == 0 {
			g.mu.Unlock()
			return nil
		}
		empty := g.empty
		g.emptyWaiters++
		g.mu.Unlock()
		var err error
		select {
		case <-empty:
		case <-ctx.Done():
			err = ctx.Err()
		}
		g.mu.Lock()
		g.emptyWaiters--
		g.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// load returns the buffered events and bytes.
func (g *gate) load() (recs, bytes int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.recs, g.bytes
}
