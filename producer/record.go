package producer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/event"
)

// The life of one event's record: prepare (fill, mask, validate, encode into a
// pooled buffer), produce (reserve buffer room, hand to franz-go), deliver
// (release the room, count, call back, recycle the memory). In the steady state
// an emit allocates nothing of its own: the record and its bytes are reused
// once franz-go has called the record's promise, after which franz-go no
// longer touches the record, and callers never see it. (A KafkaOpts hook that
// kept records past their promise would see them reused.)

// recordOverhead is the most a record adds to a batch besides its key and value
// (length, attributes, timestamp and offset deltas, key and value lengths as
// varints, an empty header count), plus the 61-byte record batch header: an
// event of BatchMaxBytes-recordOverhead bytes always fits a batch alone.
const recordOverhead = 61 + 5 + 1 + 10 + 5 + 5 + 5 + 1

// Buffer pool sizes: a new buffer holds a typical event (co-browsing events
// encode to 100-300 bytes); one that grew past maxPooledBuf (a large
// configuration JSON) is left to the GC rather than pinned in the pool.
const (
	newBufSize   = 512
	maxPooledBuf = 4 << 10
)

var (
	bufPool     = sync.Pool{New: func() any { b := make([]byte, 0, newBufSize); return &b }}
	pendingPool = sync.Pool{New: func() any { return new(pending) }}
)

// pending is one buffered event: its franz-go record and what its delivery
// needs, in one pooled allocation. It is also the record's Context, one that
// never ends, so the shared deliver finds it without a closure per event.
type pending struct {
	rec   kgo.Record
	buf   *[]byte // the pooled buffer holding rec.Key then rec.Value
	cb    func(error)
	typ   string // the event type, catalogue spelling
	start time.Time
	cat   int
}

// pendingKey finds the *pending through context wrappers a hook may add
// (tracing hooks wrap Record.Context).
type pendingKey struct{}

func (*pending) Deadline() (time.Time, bool) { return time.Time{}, false }
func (*pending) Done() <-chan struct{}       { return nil }
func (*pending) Err() error                  { return nil }
func (pd *pending) Value(k any) any {
	if k == (pendingKey{}) {
		return pd
	}
	return nil
}

// prepareAudit is the work of EmitAudit before franz-go takes the record:
// fill, validate and encode (the codec validates), key.
func (p *Producer) prepareAudit(e *event.Audit) (*pending, error) {
	var ts time.Time
	e.EventID, e.Time, ts = fill(e.EventID, e.Time)
	bp := bufPool.Get().(*[]byte)
	b := append(append(append((*bp)[:0], e.TenantID...), 0), e.TenantUserID...)
	keyLen := len(b)
	b, err := p.codec.AppendAudit(b, e)
	return p.newPending(idxAudit, string(e.Type), bp, b, keyLen, ts, err)
}

// prepareCobrowse is the work of EmitCobrowse before franz-go takes the record:
// fill, mask, validate and encode (the codec validates), key.
func (p *Producer) prepareCobrowse(e *event.Cobrowse) (*pending, error) {
	var ts time.Time
	e.EventID, e.Time, ts = fill(e.EventID, e.Time)
	if e.Input != nil && p.masker != nil {
		p.masker(e.Input)
	}
	bp := bufPool.Get().(*[]byte)
	b := append(append(append((*bp)[:0], e.TenantID...), 0), e.SessionID...)
	keyLen := len(b)
	b, err := p.codec.AppendCobrowse(b, e)
	return p.newPending(idxCobrowse, string(e.Type), bp, b, keyLen, ts, err)
}

// fill returns the event ID and time an emit sends, and the record timestamp:
// a new UUIDv7 for a zero id; for a zero time the current time at the
// millisecond precision of the wire format (so the emitted struct equals the
// decoded one), taken from the new ID when both are zero (one clock read, and
// the event's time and ID agree). The record timestamp is that time when this
// call chose it, else zero (franz-go then stamps the produce time: a caller's
// old event time must not age the record out of retention early).
func fill(id event.ID, t time.Time) (event.ID, time.Time, time.Time) {
	var ts time.Time
	if id.IsZero() {
		id = event.NewID()
		if t.IsZero() {
			t = id.Time()
			ts = t
		}
	}
	if t.IsZero() {
		t = time.Now().Truncate(time.Millisecond)
		ts = t
	}
	return id, t, ts
}

// newPending wraps the encoding result b (key then value, in the pooled buffer
// bp) in a pending record, or returns the buffer and the emit's error.
func (p *Producer) newPending(cat int, typ string, bp *[]byte, b []byte, keyLen int, ts time.Time, err error) (*pending, error) {
	if err != nil || len(b) > p.maxRecord {
		putBuf(bp, b)
		switch {
		case err == nil:
			p.m.reject(cat, reasonTooLarge)
			return nil, &TooLargeError{Category: categories[cat], Type: typ, Size: len(b), Limit: p.maxRecord}
		case isValidation(err):
			p.m.reject(cat, reasonValidation)
		default:
			p.m.reject(cat, reasonEncode)
		}
		return nil, fmt.Errorf("producer: %s %s: %w", categories[cat], typ, err)
	}
	*bp = b // keep what the encoding grew
	pd := pendingPool.Get().(*pending)
	pd.rec = kgo.Record{Key: b[:keyLen:keyLen], Value: b[keyLen:], Timestamp: ts, Context: pd}
	pd.buf, pd.typ, pd.cat = bp, typ, cat
	return pd, nil
}

func isValidation(err error) bool { _, ok := event.IsValidation(err); return ok }

func putBuf(bp *[]byte, b []byte) {
	if cap(b) <= maxPooledBuf {
		*bp = b[:0]
		bufPool.Put(bp)
	}
}

func recycle(pd *pending) {
	putBuf(pd.buf, *pd.buf)
	*pd = pending{}
	pendingPool.Put(pd)
}

// produce reserves buffer room for the record and hands it to franz-go.
func (p *Producer) produce(ctx context.Context, pd *pending, topic string, cb func(error)) error {
	if ctx == nil {
		ctx = context.Background()
	}
	size := int64(len(pd.rec.Key) + len(pd.rec.Value))
	p.emitting.RLock()
	defer p.emitting.RUnlock()
	if err := p.gate.acquire(ctx, size, p.block); err != nil {
		cat := pd.cat
		recycle(pd)
		switch {
		case errors.Is(err, ErrClosed):
			p.m.reject(cat, reasonClosed)
			return err
		case errors.Is(err, ErrBufferFull):
			p.m.reject(cat, reasonBufferFull)
			return err
		default:
			p.m.reject(cat, reasonCanceled)
			return fmt.Errorf("producer: waiting for buffer space: %w", err)
		}
	}
	pd.rec.Topic, pd.cb = topic, cb
	if p.m != nil {
		pd.start = time.Now()
	}
	// The record's context is pd, which never ends, not ctx: franz-go fails
	// every buffered record of a partition when the first record's context
	// ends, so one caller's canceled request would fail other callers'
	// events. A buffered event is bounded by DeliveryTimeout and Close instead.
	p.cl.Produce(context.Background(), &pd.rec, p.onDelivery)
	return nil
}

// deliver is the promise of every record; franz-go calls promises serially.
func (p *Producer) deliver(r *kgo.Record, err error) {
	pd := r.Context.Value(pendingKey{}).(*pending)
	size := len(r.Key) + len(r.Value)
	cat, typ, cb := pd.cat, pd.typ, pd.cb
	p.m.delivered(cat, typ, size, pd.start, err)
	recycle(pd)
	if err != nil {
		p.noteFailure(cat, typ, err)
	}
	if cb != nil {
		cb(err)
	}
	// Last: Close waits for an empty gate to know every callback has run.
	p.gate.release(int64(size))
}
