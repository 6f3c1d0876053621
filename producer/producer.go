package producer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kprom"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/internal/kgolog"
)

// Producer emits audit and co-browsing events to Kafka. Create one per process
// with New and share it: every method is safe for concurrent use.
type Producer struct {
	cl            *kgo.Client
	codec         *event.Codec
	masker        event.Masker
	auditTopic    string
	cobrowseTopic string
	block         bool
	maxRecord     int // the largest key + value that fits a batch
	gate          *gate
	m             *metrics
	log           *slog.Logger

	// emitting is held shared from an emit's gate acquisition until its record
	// is handed to franz-go, so Close can wait for such emits before it closes
	// the client (a record handed to a closed client would never be promised).
	emitting sync.RWMutex

	failMu    sync.Mutex
	failed    int64 // delivery failures since the last Flush or Close returned
	firstFail error

	closeOnce sync.Once
	closeErr  error

	onDelivery func(*kgo.Record, error) // p.deliver, bound once: a method value allocates
}

// New returns a Producer configured by opts. It validates the configuration
// and returns an error naming every problem; it does not contact the brokers
// (the first emit does), so it succeeds while Kafka is down.
func New(opts ...Opt) (*Producer, error) {
	c := defaultCfg()
	for _, o := range opts {
		o.apply(&c)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("producer: %w", err)
	}
	// After validation, so a bad option fails New before any I/O.
	if err := c.buildRegistryCodec(); err != nil {
		return nil, fmt.Errorf("producer: %w", err)
	}
	if c.codec == nil {
		codec, err := event.NewStaticCodec()
		if err != nil {
			return nil, fmt.Errorf("producer: static codec: %w", err)
		}
		c.codec = codec
	}

	p := &Producer{
		codec:         c.codec,
		masker:        c.masker,
		auditTopic:    c.auditTopic,
		cobrowseTopic: c.cobrowseTopic,
		block:         c.fullPolicy == BlockWhenFull,
		maxRecord:     int(c.batchMaxBytes) - recordOverhead,
		gate:          newGate(c.maxBufRecords, c.maxBufBytes),
		log:           c.logger.With("component", "producer"),
	}
	p.onDelivery = p.deliver

	kopts := []kgo.Opt{
		kgo.SeedBrokers(c.brokers...),
		kgo.ClientID(c.clientID),
		// Acks from all in-sync replicas with idempotent writes: no duplicates
		// from the producer's retries, no loss when a leader fails over.
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// murmur2 of the key, as the Java client: a tenant user's or a session's
		// events stay on one partition, in order, whatever client wrote them.
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.ProducerLinger(c.linger),
		kgo.ProducerBatchMaxBytes(c.batchMaxBytes),
		kgo.ProducerBatchCompression(c.compression...),
		kgo.MaxBufferedRecords(c.maxBufRecords),
		kgo.MaxBufferedBytes(c.maxBufBytes),
		kgo.RecordDeliveryTimeout(c.deliveryTimeout),
	}
	if c.logger.Enabled(context.Background(), slog.LevelError) {
		kopts = append(kopts, kgo.WithLogger(kgolog.New(c.logger.With("component", "producer-kafka"))))
	}
	if c.registerer != nil {
		m, err := newMetrics(c.registerer, p.gate.load)
		if err != nil {
			return nil, fmt.Errorf("producer: register metrics: %w", err)
		}
		p.m = m
		kopts = append(kopts, kgo.WithHooks(kprom.NewMetrics("auditstream",
			kprom.Subsystem("producer_kafka"), kprom.Registerer(c.registerer))))
	}
	kopts = append(kopts, c.kgoOpts...)

	cl, err := kgo.NewClient(kopts...)
	if err != nil {
		p.m.unregister()
		return nil, fmt.Errorf("producer: kafka client: %w", err)
	}
	p.cl = cl
	return p, nil
}

// Client returns the underlying franz-go client, for admin requests with kadm or
// for reading its options. Do not produce with it or close it.
func (p *Producer) Client() *kgo.Client { return p.cl }

// EmitAudit encodes e and buffers it for delivery to the audit topic, returning
// without waiting for Kafka. If e.EventID is zero it is set to event.NewID(), and
// if e.Time is zero it is set to now (millisecond precision), so after EmitAudit
// returns e holds what was sent. e is encoded before EmitAudit returns and may
// be reused afterwards.
//
// If EmitAudit returns an error, nothing was buffered and cb is not called:
// the error wraps an *event.ValidationError (naming the field and the rule), an
// encoding error, or is a *TooLargeError, ErrBufferFull (FailWhenFull policy),
// ErrClosed, or ctx's error (ctx ended while waiting for buffer space under
// BlockWhenFull). Otherwise cb, when not nil, is called exactly once with nil
// once Kafka acknowledged the event, or with the delivery error. ctx bounds only
// the wait for buffer space: canceling it later does not withdraw the event.
//
// Callbacks run serially on one goroutine for the whole producer: keep them
// short and never block in them on the producer (no Sync emits, Flush or Close).
func (p *Producer) EmitAudit(ctx context.Context, e *event.Audit, cb func(error)) error {
	if e == nil {
		return errNilEvent
	}
	pd, err := p.prepareAudit(e)
	if err != nil {
		return err
	}
	return p.produce(ctx, pd, p.auditTopic, cb)
}

// EmitCobrowse encodes e and buffers it for delivery to the co-browsing topic,
// like EmitAudit (same errors, callback and ctx rules). Before encoding, an
// INPUT event's text is masked in e by the Masker (event.DefaultMasker by
// default). Seq is the caller's: a Session hands out increasing numbers.
//
// Events of one session (tenant and session ID) go to one partition in the order
// of their EmitCobrowse calls; emit a session's events from one goroutine to keep
// Kafka order and Seq order the same.
func (p *Producer) EmitCobrowse(ctx context.Context, e *event.Cobrowse, cb func(error)) error {
	if e == nil {
		return errNilEvent
	}
	pd, err := p.prepareCobrowse(e)
	if err != nil {
		return err
	}
	return p.produce(ctx, pd, p.cobrowseTopic, cb)
}

// EmitAuditSync is EmitAudit, then waits for Kafka's acknowledgement (up to
// Linger plus a round trip) and returns the delivery error, or ctx's error if ctx
// ends first (the event then stays buffered and may still be delivered).
func (p *Producer) EmitAuditSync(ctx context.Context, e *event.Audit) error {
	done := make(chan error, 1)
	if err := p.EmitAudit(ctx, e, func(err error) { done <- err }); err != nil {
		return err
	}
	return waitAck(ctx, done)
}

// EmitCobrowseSync is EmitCobrowse, then waits for Kafka's acknowledgement like
// EmitAuditSync.
func (p *Producer) EmitCobrowseSync(ctx context.Context, e *event.Cobrowse) error {
	done := make(chan error, 1)
	if err := p.EmitCobrowse(ctx, e, func(err error) { done <- err }); err != nil {
		return err
	}
	return waitAck(ctx, done)
}

var errNilEvent = errors.New("producer: nil event")

func waitAck(ctx context.Context, done <-chan error) error {
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("producer: waiting for acknowledgement (the event stays buffered): %w", ctx.Err())
	}
}

// noteFailure remembers a delivery failure for the next Flush or Close, and logs
// the first of each such window at warn level (the rest at debug, so a broker
// outage does not flood the log).
func (p *Producer) noteFailure(cat int, typ string, err error) {
	p.failMu.Lock()
	p.failed++
	first := p.failed == 1
	if first {
		p.firstFail = fmt.Errorf("%s %s: %w", categories[cat], typ, err)
	}
	p.failMu.Unlock()
	level := slog.LevelDebug
	if first {
		level = slog.LevelWarn
	}
	p.log.Log(context.Background(), level, "event delivery failed", "category", categories[cat], "type", typ, "err", err)
}

// takeFailures returns a *FlushError for the failures noted since the last call,
// or nil.
func (p *Producer) takeFailures() error {
	p.failMu.Lock()
	defer p.failMu.Unlock()
	if p.failed == 0 {
		return nil
	}
	err := &FlushError{Failed: p.failed, First: p.firstFail}
	p.failed, p.firstFail = 0, nil
	return err
}

// Buffered returns how many events, and how many bytes (key + value), are
// buffered: emitted and not yet acknowledged or failed.
func (p *Producer) Buffered() (events, bytes int64) { return p.gate.load() }

// Flush sends every buffered event without waiting for Linger, and waits until
// each was acknowledged or failed, or ctx ends (returning ctx's error; events
// stay buffered). It returns a *FlushError if events failed delivery since the
// previous Flush or Close returned, even events emitted with a callback. Events
// emitted while Flush runs may or may not be waited for.
func (p *Producer) Flush(ctx context.Context) error {
	if err := p.cl.Flush(ctx); err != nil {
		return fmt.Errorf("producer: flush: %w", err)
	}
	return p.takeFailures()
}

// Close stops the producer: later and waiting emits fail with ErrClosed, every
// buffered event is flushed (as by Flush), then the Kafka client is closed. If
// ctx ends before the flush completed, the events still buffered fail with
// kgo.ErrClientClosed (reported to their callbacks, counted as failed: never
// dropped silently) and Close returns ctx's error joined with a *FlushError.
// Close waits for every callback to have run. Calls after the first return the
// first one's result.
func (p *Producer) Close(ctx context.Context) error {
	p.closeOnce.Do(func() {
		p.gate.close()
		// Wait for emits that got buffer room before the gate closed to hand
		// their records to franz-go; later emits see the closed gate.
		p.emitting.Lock()
		p.emitting.Unlock() //nolint:staticcheck // an empty critical section is the point: a barrier
		var errs []error
		if err := p.cl.Flush(ctx); err != nil {
			errs = append(errs, fmt.Errorf("producer: close: flush: %w", err))
		}
		p.cl.Close() // fails what is still buffered, through the promises
		// franz-go promises every record, closed or not: this ends.
		_ = p.gate.waitEmpty(context.Background())
		if err := p.takeFailures(); err != nil {
			errs = append(errs, err)
		}
		p.m.unregister() // the Kafka client metrics unregister themselves on close
		p.closeErr = errors.Join(errs...)
	})
	return p.closeErr
}
