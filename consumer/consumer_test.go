package consumer_test

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/auditstream/auditstream/consumer"
	"github.com/auditstream/auditstream/consumer/consumertest"
	"github.com/auditstream/auditstream/event"
)

const (
	auditTopic    = "auditstream.audit"
	cobrowseTopic = "auditstream.cobrowse"
	dlqTopic      = "auditstream.dlq"
	group         = "test-group"
)

func newCluster(t *testing.T) (*kfake.Cluster, []string) { return newClusterB(t) }

func newReg() *prometheus.Registry { return prometheus.NewRegistry() }

func newClusterB(t testing.TB) (*kfake.Cluster, []string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1),
		kfake.SeedTopics(4, auditTopic, cobrowseTopic), kfake.SeedTopics(1, dlqTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, c.ListenAddrs()
}

func generator(t *testing.T) *consumertest.Generator {
	codec, err := event.NewStaticCodec()
	if err != nil {
		t.Fatal(err)
	}
	return consumertest.NewGenerator(codec, 1)
}

func produce(t *testing.T, addrs []string, recs []*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

type running struct {
	c      *consumer.Consumer
	sink   *consumertest.RecordingSink
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// start runs a consumer with a RecordingSink on the cluster; mod adjusts the config.
func start(t *testing.T, addrs []string, sink *consumertest.RecordingSink, mod func(*consumer.Config)) *running {
	t.Helper()
	reg := prometheus.NewRegistry()
	cfg := consumer.Config{
		Brokers:    addrs,
		Group:      group,
		Batch:      consumer.BatchPolicy{MaxRows: 500, MaxAge: 50 * time.Millisecond},
		Sink:       sink,
		Registerer: reg,
		// Keep retries fast in tests.
		RetryBackoff: 10 * time.Millisecond, RetryMaxBackoff: 50 * time.Millisecond,
	}
	if testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if mod != nil {
		mod(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c, err := consumer.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &running{c: c, sink: sink, reg: reg, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.once.Do(func() {
		r.cancel()
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(time.Minute):
			t.Error("consumer did not stop within a minute")
		}
	})
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// metric sums the samples of a metric family whose labels include want.
func metric(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if !hasLabels(m, want) {
				continue
			}
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			case m.Histogram != nil:
				sum += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return sum
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			n++
		}
	}
	return n == len(want)
}

// committedAll reports whether the group committed every partition of the topics up to
// its end offset.
func committedAll(t *testing.T, addrs []string, topics ...string) bool {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		t.Fatal(err)
	}
	offs, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	ok := true
	ends.Each(func(e kadm.ListedOffset) {
		c, found := offs.Lookup(e.Topic, e.Partition)
		if e.Offset > 0 && (!found || c.At != e.Offset) {
			ok = false
		}
	})
	return ok
}

// committed returns the group's committed offsets of a topic (partition -> offset).
func committed(t *testing.T, addrs []string, topic string) map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).FetchOffsets(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	offs.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.At >= 0 {
			out[o.Partition] = o.At
		}
	})
	return out
}

// exactlyOnce fails unless every id was inserted once and nothing else was.
func exactlyOnce(t *testing.T, got map[uuid.UUID]int, want ...[]uuid.UUID) {
	t.Helper()
	n := 0
	for _, ids := range want {
		for _, id := range ids {
			n++
			if got[id] != 1 {
				t.Fatalf("event %s inserted %d times, want 1", id, got[id])
			}
		}
	}
	if len(got) != n {
		t.Fatalf("sink holds %d distinct events, want %d", len(got), n)
	}
}

func TestConsumeInsertsCommitsAndDeadLetters(t *testing.T) {
	_, addrs := newCluster(t)
	g := generator(t)
	cob, cobIDs := g.Cobrowse(cobrowseTopic, 2000, 40)
	aud, audIDs := g.Audit(auditTopic, 700)
	garbage := append(g.Garbage(cobrowseTopic, 30), g.Garbage(auditTopic, 15)...)
	recs := slices.Concat(cob[:1000], garbage[:20], aud, cob[1000:], garbage[20:])
	produce(t, addrs, recs)

	sink := &consumertest.RecordingSink{}
	r := start(t, addrs, sink, nil)
	eventually(t, 30*time.Second, "all events inserted and all offsets committed", func() bool {
		_, rows, _ := sink.Counts()
		return rows >= 2700 && committedAll(t, addrs, auditTopic, cobrowseTopic)
	})
	ids, _, _ := sink.Counts()
	exactlyOnce(t, ids, cobIDs, audIDs)

	// Every bad record is in the DLQ with its reason, original key, value and headers.
	reasons := map[consumer.Reason]int{}
	var n int
	err := consumer.ScanDeadLetters(context.Background(), dlqTopic, func(d consumer.DeadLetter, err error) error {
		if err != nil {
			return err
		}
		n++
		reasons[d.Reason]++
		if string(d.Key) != "garbage" || len(d.Headers) != 1 || d.Headers[0].Key != "origin" {
			t.Errorf("dead letter %s/%d lost its key or headers: key %q headers %v", d.Topic, d.Offset, d.Key, d.Headers)
		}
		if d.Topic != auditTopic && d.Topic != cobrowseTopic || d.Error == "" || d.Time.IsZero() {
			t.Errorf("dead letter without source or error: %+v", d)
		}
		return nil
	}, kgo.SeedBrokers(addrs...))
	if err != nil {
		t.Fatal(err)
	}
	// Garbage cycles decode, unknown-schema, validation; its invalid event is a
	// co-browsing frame, which on the audit topic is an unknown (wrong-category) schema.
	want := map[consumer.Reason]int{consumer.ReasonDecode: 15, consumer.ReasonUnknownSchema: 20, consumer.ReasonValidation: 10}
	if n != 45 || !maps.Equal(reasons, want) {
		t.Errorf("dead letters: %d %v, want 45 %v", n, reasons, want)
	}
	if got := metric(t, r.reg, "auditstream_consumer_records_dead_lettered_total", nil); got != 45 {
		t.Errorf("records_dead_lettered_total = %v, want 45", got)
	}
	if got := metric(t, r.reg, "auditstream_consumer_records_inserted_total", map[string]string{"topic": auditTopic}); got != 700 {
		t.Errorf("records_inserted_total{audit} = %v, want 700", got)
	}
	if got := metric(t, r.reg, "auditstream_consumer_records_consumed_total", nil); got != 2745 {
		t.Errorf("records_consumed_total = %v, want 2745", got)
	}
	if metric(t, r.reg, "auditstream_consumer_flushes_total", map[string]string{"trigger": "rows"}) == 0 {
		t.Error("no flush was triggered by rows with max_rows 500")
	}
}

// series returns the value of the series with exactly these labels (a histogram's sample
// count) and whether it exists.
func series(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) || !hasLabels(m, labels) {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func TestMetricsLint(t *testing.T) {
	_, addrs := newCluster(t)
	sink := &consumertest.RecordingSink{}
	r := start(t, addrs, sink, nil)

	// Before any record: every series with known label values exists at 0, so the first
	// event is an increase() from 0, not a new series.
	const p = "auditstream_consumer_"
	type s struct {
		name   string
		labels map[string]string
	}
	var zero []s
	for _, tt := range []struct{ topic, table string }{{auditTopic, "audit_events"}, {cobrowseTopic, "cobrowse_events"}} {
		topic, table := map[string]string{"topic": tt.topic}, map[string]string{"table": tt.table}
		zero = append(zero, s{"records_consumed_total", topic}, s{"records_inserted_total", topic},
			s{"insert_failures_total", table}, s{"insert_retries_total", table}, s{"insert_duration_seconds", table},
			s{"batch_rows", table}, s{"batch_bytes", table}, s{"end_to_end_latency_seconds", table})
		for _, reason := range []consumer.Reason{consumer.ReasonDecode, consumer.ReasonUnknownSchema, consumer.ReasonValidation} {
			zero = append(zero, s{"records_dead_lettered_total", map[string]string{"topic": tt.topic, "reason": string(reason)}})
		}
		for _, trig := range []consumer.Trigger{consumer.TriggerRows, consumer.TriggerBytes, consumer.TriggerAge, consumer.TriggerRevoke, consumer.TriggerShutdown} {
			zero = append(zero, s{"flushes_total", map[string]string{"table": tt.table, "trigger": string(trig)}})
		}
	}
	for _, z := range zero {
		if v, ok := series(t, r.reg, p+z.name, z.labels); !ok || v != 0 {
			t.Errorf("%s%s: value %v, exists %v; want 0 before any record", z.name, z.labels, v, ok)
		}
	}
	eventually(t, 20*time.Second, "ready and all 8 partitions assigned", func() bool {
		ready, _ := series(t, r.reg, p+"ready", nil)
		a, _ := series(t, r.reg, p+"assigned_partitions", map[string]string{"topic": auditTopic})
		c, _ := series(t, r.reg, p+"assigned_partitions", map[string]string{"topic": cobrowseTopic})
		return ready == 1 && r.c.Ready() && a == 4 && c == 4
	})

	produce(t, addrs, generator(t).Garbage(cobrowseTopic, 3))
	eventually(t, 20*time.Second, "dead letters", func() bool {
		return metric(t, r.reg, "auditstream_consumer_records_dead_lettered_total", nil) == 3
	})
	problems, err := testutil.GatherAndLint(r.reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		// kprom's buffered_* gauges end in _total; they are franz-go's names, not ours.
		if strings.HasPrefix(p.Metric, "auditstream_consumer_kafka_") {
			continue
		}
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}

	r.stop(t)
	ready, _ := series(t, r.reg, p+"ready", nil)
	assigned := metric(t, r.reg, p+"assigned_partitions", nil)
	if ready != 0 || assigned != 0 {
		t.Errorf("after Run returned: ready %v, assigned_partitions %v; want 0, 0", ready, assigned)
	}
}

func TestInsertFailureRetriesTheBatchAndCommitsNothing(t *testing.T) {
	_, addrs := newCluster(t)
	g := generator(t)
	cob, ids := g.Cobrowse(cobrowseTopic, 1000, 10)
	produce(t, addrs, cob)

	var failing atomic.Bool
	failing.Store(true)
	sink := &consumertest.RecordingSink{Fail: func(*consumer.Batch, int) error {
		if failing.Load() {
			return errors.New("clickhouse is down")
		}
		return nil
	}}
	r := start(t, addrs, sink, func(c *consumer.Config) { c.Batch.MaxRows = 100_000 })
	eventually(t, 20*time.Second, "insert retries", func() bool {
		return metric(t, r.reg, "auditstream_consumer_insert_retries_total", nil) >= 5
	})
	if got := committed(t, addrs, cobrowseTopic); len(got) != 0 {
		t.Fatalf("committed %v while every insert failed", got)
	}
	failing.Store(false)
	eventually(t, 20*time.Second, "recovery", func() bool {
		_, rows, _ := sink.Counts()
		return rows >= 1000 && committedAll(t, addrs, cobrowseTopic)
	})
	got, _, _ := sink.Counts()
	exactlyOnce(t, got, ids)
	if metric(t, r.reg, "auditstream_consumer_insert_failures_total", nil) < 5 {
		t.Error("insert_failures_total not counted")
	}
}

func TestBackpressurePausesFetchingAndBoundsMemory(t *testing.T) {
	_, addrs := newCluster(t)
	g := generator(t)
	cob, ids := g.Cobrowse(cobrowseTopic, 6000, 50)
	produce(t, addrs, cob)

	const bound, pollRecords = 64 << 10, 50
	var failing atomic.Bool
	failing.Store(true)
	sink := &consumertest.RecordingSink{Fail: func(*consumer.Batch, int) error {
		if failing.Load() {
			return errors.New("clickhouse is slow")
		}
		return nil
	}}
	r := start(t, addrs, sink, func(c *consumer.Config) {
		c.Batch = consumer.BatchPolicy{MaxRows: 100_000, MaxBytes: 16 << 10, MaxAge: 200 * time.Millisecond}
		c.MaxBufferedBytes = bound
		c.MaxPollRecords = pollRecords
	})
	eventually(t, 20*time.Second, "fetching paused", func() bool {
		return metric(t, r.reg, "auditstream_consumer_paused", nil) == 1
	})
	// While paused, nothing more is taken: the buffer stays within one poll of the bound.
	var peak float64
	for range 50 {
		peak = max(peak, metric(t, r.reg, "auditstream_consumer_buffered_bytes", nil))
		time.Sleep(10 * time.Millisecond)
	}
	if limit := float64(bound + pollRecords*1024); peak > limit {
		t.Fatalf("buffered %v bytes, above the bound plus one poll (%v)", peak, limit)
	}
	if consumed := metric(t, r.reg, "auditstream_consumer_records_consumed_total", nil); consumed >= 6000 {
		t.Fatalf("consumed all %v records while inserts failed: fetching was not paused", consumed)
	}
	failing.Store(false)
	eventually(t, 30*time.Second, "drain after recovery", func() bool {
		_, rows, _ := sink.Counts()
		return rows >= 6000 && committedAll(t, addrs, cobrowseTopic)
	})
	got, _, _ := sink.Counts()
	exactlyOnce(t, got, ids)
	if metric(t, r.reg, "auditstream_consumer_paused", nil) != 0 {
		t.Error("still paused after the backlog drained")
	}
}

func TestDeadLetterFailureHoldsTheOffset(t *testing.T) {
	c, addrs := newCluster(t)
	g := generator(t)
	cob, ids := g.Cobrowse(cobrowseTopic, 200, 1) // one session: one partition
	garbage := g.Garbage(cobrowseTopic, 1)
	garbage[0].Key = cob[0].Key // same partition as the good records
	produce(t, addrs, slices.Concat(cob[:100], garbage, cob[100:]))

	var dlqDown atomic.Bool
	dlqDown.Store(true)
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		pr := req.(*kmsg.ProduceRequest)
		// Only the consumer produces now, and only to the DLQ (newer Produce versions
		// name topics by ID, so match on nothing else).
		if !dlqDown.Load() {
			return nil, nil, false
		}
		resp := pr.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range pr.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.InvalidRecord.Code // not retried by franz-go
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	sink := &consumertest.RecordingSink{}
	r := start(t, addrs, sink, nil)
	eventually(t, 20*time.Second, "failed dead-letter writes", func() bool {
		return metric(t, r.reg, "auditstream_consumer_dlq_produce_errors_total", nil) >= 2
	})
	// The first 100 records may be committed, never the garbage record at offset 100.
	for p, off := range committed(t, addrs, cobrowseTopic) {
		if off > 100 {
			t.Fatalf("partition %d committed at %d, past the dead letter not yet written", p, off)
		}
	}
	dlqDown.Store(false)
	eventually(t, 20*time.Second, "everything committed", func() bool {
		_, rows, _ := sink.Counts()
		return rows >= 200 && committedAll(t, addrs, cobrowseTopic)
	})
	got, _, _ := sink.Counts()
	exactlyOnce(t, got, ids)
}

func TestRevokedPartitionsAreFlushedBeforeHandover(t *testing.T) {
	_, addrs := newCluster(t)
	g := generator(t)
	first, ids1 := g.Cobrowse(cobrowseTopic, 1000, 64)
	produce(t, addrs, first)

	never := func(c *consumer.Config) { c.Batch = consumer.BatchPolicy{MaxRows: 1 << 20, MaxAge: time.Hour} }
	sinkA, sinkB := &consumertest.RecordingSink{}, &consumertest.RecordingSink{}
	a := start(t, addrs, sinkA, never)
	eventually(t, 20*time.Second, "A consumed everything", func() bool {
		return metric(t, a.reg, "auditstream_consumer_records_consumed_total", nil) == 1000
	})
	if _, rows, _ := sinkA.Counts(); rows != 0 {
		t.Fatalf("A inserted %d rows before any flush trigger", rows)
	}
	b := start(t, addrs, sinkB, never)
	eventually(t, 30*time.Second, "A flushed on revoke", func() bool {
		return metric(t, a.reg, "auditstream_consumer_flushes_total", map[string]string{"trigger": "revoke"}) >= 1
	})
	eventually(t, 30*time.Second, "B got partitions", func() bool {
		second, _ := g.Cobrowse(cobrowseTopic, 1, 64)
		produce(t, addrs, second) // keep records flowing to every partition
		return metric(t, b.reg, "auditstream_consumer_records_consumed_total", nil) > 0
	})
	more, ids2 := g.Cobrowse(cobrowseTopic, 1000, 64)
	produce(t, addrs, more)
	eventually(t, 30*time.Second, "both consumed the second round", func() bool {
		return metric(t, a.reg, "auditstream_consumer_records_consumed_total", nil)+
			metric(t, b.reg, "auditstream_consumer_records_consumed_total", nil) >= 2000
	})
	a.stop(t)
	b.stop(t)
	ida, _, _ := sinkA.Counts()
	idb, _, _ := sinkB.Counts()
	for id, n := range idb {
		ida[id] += n
	}
	for _, ids := range [][]uuid.UUID{ids1, ids2} {
		for _, id := range ids {
			if ida[id] != 1 {
				t.Fatalf("event %s inserted %d times across both members, want 1", id, ida[id])
			}
		}
	}
}

func TestLostPartitionsAreDroppedNotCommitted(t *testing.T) {
	c, addrs := newCluster(t)
	g := generator(t)
	cob, ids := g.Cobrowse(cobrowseTopic, 500, 16)
	produce(t, addrs, cob)

	sink := &consumertest.RecordingSink{}
	r := start(t, addrs, sink, func(c *consumer.Config) {
		c.Batch = consumer.BatchPolicy{MaxRows: 1 << 20, MaxAge: time.Hour}
	})
	eventually(t, 20*time.Second, "everything buffered", func() bool {
		return metric(t, r.reg, "auditstream_consumer_records_consumed_total", nil) == 500
	})
	// The coordinator forgets the member: franz-go reports the partitions lost.
	c.ControlKey(int16(kmsg.Heartbeat), func(req kmsg.Request) (kmsg.Response, error, bool) {
		resp := req.ResponseKind().(*kmsg.HeartbeatResponse)
		resp.ErrorCode = kerr.UnknownMemberID.Code
		return resp, nil, true
	})
	eventually(t, 30*time.Second, "redelivery after rejoining", func() bool {
		return metric(t, r.reg, "auditstream_consumer_records_consumed_total", nil) >= 1000
	})
	if got := committed(t, addrs, cobrowseTopic); len(got) != 0 {
		t.Fatalf("committed %v for rows that were never inserted", got)
	}
	r.stop(t) // shutdown flush: the redelivered rows, once
	got, _, _ := sink.Counts()
	exactlyOnce(t, got, ids)
	if !committedAll(t, addrs, cobrowseTopic) {
		t.Error("shutdown did not commit the flushed rows")
	}
}

func TestShutdownFlushesAndCommits(t *testing.T) {
	_, addrs := newCluster(t)
	g := generator(t)
	aud, ids := g.Audit(auditTopic, 300)
	produce(t, addrs, aud)
	sink := &consumertest.RecordingSink{}
	r := start(t, addrs, sink, func(c *consumer.Config) {
		c.Batch = consumer.BatchPolicy{MaxRows: 1 << 20, MaxAge: time.Hour}
	})
	eventually(t, 20*time.Second, "consumed", func() bool {
		return metric(t, r.reg, "auditstream_consumer_records_consumed_total", nil) == 300
	})
	r.stop(t)
	got, _, _ := sink.Counts()
	exactlyOnce(t, got, ids)
	if !committedAll(t, addrs, auditTopic) {
		t.Fatal("shutdown did not commit")
	}
	if metric(t, r.reg, "auditstream_consumer_flushes_total", map[string]string{"trigger": "shutdown"}) != 1 {
		t.Error("flush not labelled shutdown")
	}
}
