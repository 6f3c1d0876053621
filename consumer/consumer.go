package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/plugin/kprom"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/internal/kgolog"
	"github.com/auditstream/auditstream/schemas"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// table is the per-table pipeline state: the open batch with its policy, the sealed
// batches waiting for the table's flusher, and a pool of recycled batches.
type table struct {
	name, topic string
	policy      batchState
	open        *Batch
	queue       []*Batch // sealed, waiting for the flusher, in order
	inflight    *Batch   // being inserted by the flusher
	pool        []*Batch
	signal      chan struct{} // wakes the flusher (cap 1)
}

// Consumer is the ingestion pipeline: a Kafka consumer group member that decodes events,
// batches them per table, inserts the batches through a Sink and commits offsets only
// for records whose insert (or dead-letter write) succeeded.
//
// Run may be called once. Ready and Stats are safe for concurrent use.
type Consumer struct {
	cfg   Config
	log   *slog.Logger
	m     *metrics
	cl    *kgo.Client
	sink  Sink
	dec   Decoder
	conn  driver.Conn // owned ClickHouse connection, if the consumer opened it
	wake  chan struct{}
	ran   atomic.Bool
	ready atomic.Bool

	// schemas learns unknown schema IDs from the decoder's registry; nil when the decoder
	// cannot (the default static codec). Used by the polling goroutine only.
	schemas *schemaResolver

	mu       sync.Mutex        // guards everything below
	tables   map[string]*table // by topic
	parts    map[topicPartition]*partState
	buffered int
	paused   bool
	stopped  bool // Run finished draining: callbacks must not wait for flushers any more
	dlqUnit  *unit
	dead     []*kgo.Record
	deadWhy  []deadInfo
	assigned map[string]map[int32]bool // partitions the group gave us, by topic
}

// deadInfo labels a pending dead letter for metrics.
type deadInfo struct {
	topic  string
	reason Reason
}

// New builds a consumer; it connects lazily (Run joins the group). With a nil cfg.Sink
// it opens ClickHouse, detects the server profile and checks the insert columns.
func New(ctx context.Context, cfg Config) (*Consumer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	c := &Consumer{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "consumer"),
		m:        newMetrics(cfg.Registerer),
		sink:     cfg.Sink,
		dec:      cfg.Decoder,
		wake:     make(chan struct{}, 1),
		tables:   map[string]*table{},
		parts:    map[topicPartition]*partState{},
		assigned: map[string]map[int32]bool{},
	}
	switch {
	case c.dec != nil:
	case cfg.SchemaRegistry.URL != "":
		codec, err := newRegistryCodec(ctx, cfg)
		if err != nil {
			return nil, err
		}
		c.dec = codec
		c.log.Info("schema registry codec ready", "url", cfg.SchemaRegistry.URL,
			"audit_schema_id", codec.WriterID(schemas.Audit), "cobrowse_schema_id", codec.WriterID(schemas.Cobrowse))
	default:
		codec, err := event.NewStaticCodec()
		if err != nil {
			return nil, err
		}
		c.dec = codec
	}
	if l, ok := c.dec.(schemaLoader); ok && (cfg.Decoder != nil || cfg.SchemaRegistry.URL != "") {
		c.schemas = &schemaResolver{loader: l, ttl: cfg.SchemaRegistry.MissTTL, misses: map[int]time.Time{},
			m: c.m, log: c.log}
	}
	c.m.initSeries(map[string]string{cfg.Topics.Audit: chschema.TableAudit, cfg.Topics.Cobrowse: chschema.TableCobrowse},
		c.schemas != nil)
	for topic, name := range map[string]string{cfg.Topics.Cobrowse: chschema.TableCobrowse, cfg.Topics.Audit: chschema.TableAudit} {
		b, err := newBatch(name, topic)
		if err != nil {
			return nil, err
		}
		c.tables[topic] = &table{name: name, topic: topic, policy: batchState{policy: cfg.Batch},
			open: b, signal: make(chan struct{}, 1)}
	}
	if c.sink == nil {
		conn, err := OpenClickHouse(cfg.ClickHouse)
		if err != nil {
			return nil, fmt.Errorf("consumer: open clickhouse: %w", err)
		}
		profile, err := chschema.DetectProfile(ctx, conn)
		if err != nil {
			conn.Close()
			return nil, err
		}
		sink, err := NewClickHouseSink(conn, cfg.ClickHouse.Database, profile)
		if err != nil {
			conn.Close()
			return nil, err
		}
		c.conn, c.sink = conn, sink
		c.log.Info("clickhouse sink ready", "profile", profile.String(), "database", cfg.ClickHouse.Database)
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ClientID(cfg.ClientID),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topics.Audit, cfg.Topics.Cobrowse),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(c.onAssigned),
		kgo.OnPartitionsRevoked(c.onRevoked),
		kgo.OnPartitionsLost(c.onLost),
		kgo.FetchMaxWait(500 * time.Millisecond),
		kgo.SessionTimeout(cfg.SessionTimeout),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.WithLogger(kgolog.New(c.cfg.Logger.With("component", "kafka"))),
	}
	if cfg.Registerer != nil {
		opts = append(opts, kgo.WithHooks(kprom.NewMetrics("auditstream", kprom.Subsystem("consumer_kafka"),
			kprom.Registerer(cfg.Registerer))))
	}
	cl, err := kgo.NewClient(append(opts, cfg.KafkaOpts...)...)
	if err != nil {
		c.closeConn()
		return nil, fmt.Errorf("consumer: kafka client: %w", err)
	}
	c.cl = cl
	return c, nil
}

func (c *Consumer) closeConn() {
	if c.conn != nil {
		c.conn.Close()
	}
}

// Ready reports whether Run is consuming (between its start and the beginning of its
// shutdown).
func (c *Consumer) Ready() bool { return c.ready.Load() }

func (c *Consumer) setReady(v bool) {
	c.ready.Store(v)
	if v {
		c.m.ready.Set(1)
	} else {
		c.m.ready.Set(0)
	}
}

// Run consumes until ctx is canceled, then stops within about cfg.ShutdownTimeout:
// it flushes the open batches, waits for the inserts, commits, leaves the group and
// closes its clients. It returns nil after a clean stop.
func (c *Consumer) Run(ctx context.Context) error {
	if !c.ran.CompareAndSwap(false, true) {
		return ErrClosed
	}
	defer c.closeConn()
	flushCtx, stopFlushers := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, t := range c.tables {
		wg.Go(func() { c.flusher(flushCtx, t) })
	}
	c.log.Info("consuming", "group", c.cfg.Group, "topics", []string{c.cfg.Topics.Audit, c.cfg.Topics.Cobrowse},
		"batch_max_rows", c.cfg.Batch.MaxRows, "batch_max_age", c.cfg.Batch.MaxAge)
	c.setReady(true)
	for {
		fs := c.poll(ctx)
		if fs.IsClientClosed() {
			break
		}
		c.mu.Lock()
		c.process(ctx, fs)
		c.sealDue(time.Now())
		c.commit(ctx)
		c.backpressure()
		c.mu.Unlock()
		if ctx.Err() != nil {
			break // still holding the rebalance block: the final commit below is ours
		}
		c.cl.AllowRebalance()
	}
	c.setReady(false)

	// Graceful stop: flush everything, wait (bounded), commit what completed.
	done, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.ShutdownTimeout)
	defer cancel()
	c.drain(done, TriggerShutdown, c.cfg.ShutdownTimeout)
	c.mu.Lock()
	c.commit(done)
	pending := c.pendingPartitions()
	c.stopped = true
	c.mu.Unlock()
	if len(pending) > 0 {
		c.log.Warn("stopping with records not yet inserted; they will be redelivered", "partitions", pending)
	}
	stopFlushers()
	wg.Wait()
	c.cl.AllowRebalance()
	c.cl.Close() // leaves the group; the final revoke has nothing left to flush
	c.log.Info("stopped")
	return nil
}

// poll waits for records, the next age-based flush, or an insert completion.
func (c *Consumer) poll(ctx context.Context) kgo.Fetches {
	c.mu.Lock()
	wait := time.Second
	now := time.Now()
	for _, t := range c.tables {
		if d, ok := t.policy.UntilNext(now); ok {
			wait = min(wait, d)
		}
	}
	c.mu.Unlock()
	pctx, cancel := context.WithTimeout(ctx, max(wait, time.Millisecond))
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-c.wake:
			cancel()
		case <-stop:
		}
	}()
	fs := c.cl.PollRecords(pctx, c.cfg.MaxPollRecords)
	fs.EachError(func(topic string, p int32, err error) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return
		}
		c.log.Error("fetch failed", "topic", topic, "partition", p, "err", err)
	})
	return fs
}

// process decodes the polled records into the open batches and dead-letters the bad
// ones. Called with c.mu held.
func (c *Consumer) process(ctx context.Context, fs kgo.Fetches) {
	now := time.Now()
	c.dlqUnit = &unit{}
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 {
			return
		}
		t := c.tables[p.Topic]
		if t == nil {
			return
		}
		tp := topicPartition{p.Topic, p.Partition}
		ps := c.parts[tp]
		if ps == nil {
			ps = newPartState()
			c.parts[tp] = ps
		}
		c.m.consumed.WithLabelValues(p.Topic).Add(float64(len(p.Records)))
		last := p.Records[len(p.Records)-1]
		c.m.lag.WithLabelValues(p.Topic, partLabel(p.Partition)).Set(float64(max(0, p.HighWatermark-last.Offset-1)))
		for _, r := range p.Records {
			b := t.open
			err := b.rows.decodeAppend(c.dec, r.Value)
			if re := (*recordError)(nil); errors.As(err, &re) && re.Reason == ReasonUnknownSchema &&
				c.schemas != nil && c.schemas.resolve(ctx, r.Value, now) {
				err = b.rows.decodeAppend(c.dec, r.Value) // the registry taught us the ID
			}
			if err != nil {
				var re *recordError
				if !errors.As(err, &re) {
					re = &recordError{Reason: ReasonDecode, Err: err}
				}
				c.dead = append(c.dead, deadLetterRecord(r, c.cfg.Topics.DLQ, re.Reason, re.Err, now))
				c.deadWhy = append(c.deadWhy, deadInfo{r.Topic, re.Reason})
				ps.add(c.dlqUnit, r.Offset, r.LeaderEpoch)
				continue
			}
			n := len(r.Value) + b.rows.overhead()
			b.note(r.Partition, r.Offset, n)
			c.buffered += n
			ps.add(b.unit, r.Offset, r.LeaderEpoch)
			if trig := t.policy.Add(n, now); trig != TriggerNone {
				c.seal(t, trig)
			}
		}
	})
	c.m.buffered.Set(float64(c.buffered))
	if len(c.dead) > 0 {
		c.writeDeadLetters(ctx)
	} else {
		c.dlqUnit.done.Store(true)
	}
}

// writeDeadLetters produces this poll's dead letters, retrying until they are written or
// ctx ends (then their offsets stay uncommitted and the records come back after a
// restart). Called with c.mu held.
func (c *Consumer) writeDeadLetters(ctx context.Context) {
	defer func() {
		clear(c.dead)
		c.dead, c.deadWhy = c.dead[:0], c.deadWhy[:0]
	}()
	for attempt := 0; ; attempt++ {
		err := c.cl.ProduceSync(ctx, c.dead...).FirstErr()
		if err == nil {
			break
		}
		c.m.dlqErrors.Inc()
		c.log.Error("dead-letter write failed; retrying", "records", len(c.dead), "attempt", attempt+1, "err", err)
		if !sleep(ctx, c.backoff(attempt)) {
			return
		}
	}
	for _, d := range c.deadWhy {
		c.m.deadLettered.WithLabelValues(d.topic, string(d.reason)).Inc()
	}
	c.log.Warn("dead-lettered records", "records", len(c.dead), "topic", c.cfg.Topics.DLQ)
	c.dlqUnit.done.Store(true)
}

// seal hands the open batch to the table's flusher and opens a fresh one. Called with
// c.mu held.
func (c *Consumer) seal(t *table, trig Trigger) {
	if t.open.Len() == 0 {
		return
	}
	b := t.open
	b.trigger = trig
	t.queue = append(t.queue, b)
	c.m.flushes.WithLabelValues(t.name, string(trig)).Inc()
	if n := len(t.pool); n > 0 {
		t.open, t.pool = t.pool[n-1], t.pool[:n-1]
	} else {
		t.open, _ = newBatch(t.name, t.topic)
	}
	t.policy.Reset()
	select {
	case t.signal <- struct{}{}:
	default:
	}
}

// sealDue seals batches whose age limit passed. Called with c.mu held.
func (c *Consumer) sealDue(now time.Time) {
	for _, t := range c.tables {
		if d, ok := t.policy.UntilNext(now); ok && d <= 0 {
			c.seal(t, TriggerAge)
		}
	}
}

// flusher inserts a table's sealed batches in order, retrying each until it succeeds or
// ctx ends. A batch is never dropped or cleared before its insert succeeded.
func (c *Consumer) flusher(ctx context.Context, t *table) {
	log := c.log.With("table", t.name)
	for {
		c.mu.Lock()
		var b *Batch
		if len(t.queue) > 0 {
			b = t.queue[0]
			t.queue = t.queue[1:]
			t.inflight = b
		}
		c.mu.Unlock()
		if b == nil {
			select {
			case <-t.signal:
				continue
			case <-ctx.Done():
				return
			}
		}
		if b.Len() > 0 && !c.insert(ctx, log, b) {
			return // shutting down; b stays uncommitted
		}
		c.mu.Lock()
		t.inflight = nil
		c.buffered -= b.bytes
		c.m.buffered.Set(float64(c.buffered))
		b.unit.done.Store(true)
		b.reset()
		t.pool = append(t.pool, b)
		c.mu.Unlock()
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// insert retries b with capped exponential backoff and full jitter until it succeeds
// (true) or ctx ends (false).
func (c *Consumer) insert(ctx context.Context, log *slog.Logger, b *Batch) bool {
	for attempt := 0; ; attempt++ {
		start := time.Now()
		actx, cancel := context.WithTimeout(ctx, c.cfg.InsertTimeout)
		err := c.sink.Insert(actx, b)
		cancel()
		if err == nil {
			now := time.Now()
			c.m.insertDur.WithLabelValues(b.table).Observe(now.Sub(start).Seconds())
			c.m.batchRows.WithLabelValues(b.table).Observe(float64(b.Len()))
			c.m.batchBytes.WithLabelValues(b.table).Observe(float64(b.bytes))
			c.m.inserted.WithLabelValues(b.topic).Add(float64(b.Len()))
			lat := c.m.latency.WithLabelValues(b.table)
			nowMs := now.UnixMilli()
			for _, ms := range b.rows.EventMillis() {
				lat.Observe(float64(nowMs-ms) / 1e3)
			}
			log.Debug("inserted", "rows", b.Len(), "bytes", b.bytes, "trigger", b.trigger,
				"duration", now.Sub(start), "attempts", attempt+1)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		c.m.failures.WithLabelValues(b.table).Inc()
		wait := c.backoff(attempt)
		log.Error("insert failed; retrying the same batch", "rows", b.Len(), "attempt", attempt+1,
			"retry_in", wait, "err", err)
		if !sleep(ctx, wait) {
			return false
		}
		c.m.retries.WithLabelValues(b.table).Inc()
	}
}

// backoff is capped exponential backoff with full jitter.
func (c *Consumer) backoff(attempt int) time.Duration {
	d := c.cfg.RetryMaxBackoff
	if attempt < 30 {
		d = min(d, c.cfg.RetryBackoff<<attempt)
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// commit commits, for every partition, the offsets whose records are all inserted or
// dead-lettered. Called with c.mu held, while rebalances are blocked (after a poll, or in
// a revoke callback), so the partitions are still ours.
func (c *Consumer) commit(ctx context.Context) {
	offsets := map[string]map[int32]kgo.EpochOffset{}
	for tp, ps := range c.parts {
		if ps.advance() {
			if offsets[tp.topic] == nil {
				offsets[tp.topic] = map[int32]kgo.EpochOffset{}
			}
			offsets[tp.topic][tp.part] = ps.next
		}
	}
	if len(offsets) == 0 {
		return
	}
	var cerr error
	c.cl.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			cerr = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if perr := kerr.ErrorForCode(p.ErrorCode); perr != nil {
					cerr = fmt.Errorf("%s/%d: %w", t.Topic, p.Partition, perr)
					continue
				}
				if ps := c.parts[topicPartition{t.Topic, p.Partition}]; ps != nil {
					ps.committed = offsets[t.Topic][p.Partition].Offset
				}
			}
		}
	})
	if cerr != nil {
		c.m.commitErrors.Inc()
		c.log.Warn("commit failed; will retry with the next commit", "err", cerr)
		return
	}
	c.m.commits.Inc()
	c.log.Debug("committed", "offsets", offsets)
}

// backpressure pauses fetching while too many bytes wait for inserts. Called with c.mu held.
func (c *Consumer) backpressure() {
	topics := []string{c.cfg.Topics.Audit, c.cfg.Topics.Cobrowse}
	switch {
	case !c.paused && c.buffered >= c.cfg.MaxBufferedBytes:
		c.cl.PauseFetchTopics(topics...)
		c.paused = true
		c.m.paused.Set(1)
		c.log.Warn("paused fetching: inserts are behind", "buffered_bytes", c.buffered, "max_buffered_bytes", c.cfg.MaxBufferedBytes)
	case c.paused && c.buffered <= c.cfg.MaxBufferedBytes/2:
		c.cl.ResumeFetchTopics(topics...)
		c.paused = false
		c.m.paused.Set(0)
		c.log.Info("resumed fetching", "buffered_bytes", c.buffered)
	}
}

// drain seals every open batch and waits up to timeout for all queued and in-flight
// inserts to finish.
func (c *Consumer) drain(ctx context.Context, trig Trigger, timeout time.Duration) bool {
	c.mu.Lock()
	var wait []*unit
	for _, t := range c.tables {
		c.seal(t, trig)
		for _, b := range t.queue {
			wait = append(wait, b.unit)
		}
		if t.inflight != nil {
			wait = append(wait, t.inflight.unit)
		}
	}
	stopped := c.stopped
	c.mu.Unlock()
	if stopped {
		return false
	}
	deadline := time.Now().Add(timeout)
	for _, u := range wait {
		for !u.done.Load() {
			if time.Now().After(deadline) || ctx.Err() != nil {
				return false
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return true
}

// onAssigned records the partitions the group gave us (for assigned_partitions).
func (c *Consumer) onAssigned(_ context.Context, _ *kgo.Client, assigned map[string][]int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for topic, parts := range assigned {
		set := c.assigned[topic]
		if set == nil {
			set = map[int32]bool{}
			c.assigned[topic] = set
		}
		for _, p := range parts {
			set[p] = true
		}
		c.m.assigned.WithLabelValues(topic).Set(float64(len(set)))
	}
	c.log.Info("partitions assigned", "partitions", assigned)
}

// onRevoked flushes and commits before the revoked partitions are given up. It runs in
// franz-go's group goroutine, never concurrently with our processing (BlockRebalanceOnPoll).
func (c *Consumer) onRevoked(ctx context.Context, _ *kgo.Client, revoked map[string][]int32) {
	if len(revoked) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RevokeTimeout)
	defer cancel()
	start := time.Now()
	ok := c.drain(ctx, TriggerRevoke, c.cfg.RevokeTimeout)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commit(ctx)
	c.forget(revoked)
	c.log.Info("partitions revoked", "partitions", revoked, "flushed", ok, "duration", time.Since(start))
}

// onLost drops the lost partitions' buffered rows without committing: another member
// owns them now and will redeliver from the last commit.
func (c *Consumer) onLost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forget(lost)
	c.log.Warn("partitions lost; dropped their uncommitted rows", "partitions", lost)
}

// forget drops the state and the not-yet-inserted rows of partitions we no longer own.
// A batch already being inserted cannot be changed; its rows may be inserted twice
// (ReplacingMergeTree and query-side dedup by event_id absorb that). Called with c.mu held.
func (c *Consumer) forget(gone map[string][]int32) {
	for topic, parts := range gone {
		set := map[int32]bool{}
		for _, p := range parts {
			set[p] = true
			delete(c.parts, topicPartition{topic, p})
			delete(c.assigned[topic], p)
			c.m.lag.DeleteLabelValues(topic, partLabel(p))
		}
		c.m.assigned.WithLabelValues(topic).Set(float64(len(c.assigned[topic])))
		t := c.tables[topic]
		if t == nil {
			continue
		}
		c.buffered -= t.open.drop(set)
		if t.open.Len() == 0 {
			t.policy.Reset()
		}
		for _, b := range t.queue {
			c.buffered -= b.drop(set)
		}
	}
	c.m.buffered.Set(float64(c.buffered))
}

// pendingPartitions lists partitions with records not yet inserted. Called with c.mu held.
func (c *Consumer) pendingPartitions() []string {
	var out []string
	for tp, ps := range c.parts {
		if ps.pending() {
			out = append(out, fmt.Sprintf("%s/%d", tp.topic, tp.part))
		}
	}
	return out
}
