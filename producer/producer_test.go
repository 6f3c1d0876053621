package producer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/producer"
)

// fake starts an in-process Kafka with both default topics of the given
// partition count.
func fake(t testing.TB, partitions int32) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1),
		kfake.SeedTopics(partitions, producer.DefaultAuditTopic, producer.DefaultCobrowseTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// newProducer returns a producer on c, closed at cleanup.
func newProducer(t testing.TB, c *kfake.Cluster, opts ...producer.Opt) *producer.Producer {
	t.Helper()
	p, err := producer.New(append([]producer.Opt{producer.Brokers(c.ListenAddrs()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Close(ctx)
	})
	return p
}

// consume reads want records of topic from the start, failing after 10 s.
func consume(t testing.TB, c *kfake.Cluster, topic string, want int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records of %s: %v", len(recs), want, topic, ctx.Err())
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		recs = append(recs, fs.Records()...)
	}
	if len(recs) != want {
		t.Fatalf("consumed %d records of %s, want %d", len(recs), topic, want)
	}
	return recs
}

// stored returns how many records a topic holds (the sum of its end offsets).
func stored(t testing.TB, c *kfake.Cluster, topic string) int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	offs.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}

// holdProduce makes the cluster sit on produce requests until release is
// closed.
func holdProduce(c *kfake.Cluster) (release func()) {
	ch := make(chan struct{})
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		c.SleepControl(func() { <-ch })
		return nil, nil, false // then handle the request normally
	})
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

// failProduce makes the cluster answer the next n produce requests (every one
// when n < 0) with code for every partition.
func failProduce(c *kfake.Cluster, code int16, n int) {
	var left atomic.Int64
	left.Store(int64(n))
	c.ControlKey(int16(kmsg.Produce), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		if n >= 0 && left.Add(-1) < 0 {
			c.DropControl()
			return nil, nil, false
		}
		c.KeepControl()
		req := kreq.(*kmsg.ProduceRequest)
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition, sp.ErrorCode = rp.Partition, code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
}

func click(s *producer.Session) *event.Cobrowse {
	return s.Click(event.ActorCustomer, event.ElementData{Element: "#buy"})
}

func TestNewValidatesOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []producer.Opt
		want string // substring of the error; "" = valid
	}{
		{"defaults", nil, ""},
		{"no brokers", []producer.Opt{producer.Brokers()}, "no brokers"},
		{"empty broker", []producer.Opt{producer.Brokers("")}, "empty broker address"},
		{"empty topic", []producer.Opt{producer.AuditTopic("")}, "empty topic name"},
		{"same topics", []producer.Opt{producer.CobrowseTopic(producer.DefaultAuditTopic)}, "each category needs its own topic"},
		{"negative linger", []producer.Opt{producer.Linger(-time.Second)}, "linger -1s is negative"},
		{"tiny batch", []producer.Opt{producer.BatchMaxBytes(100)}, "batch max bytes 100"},
		{"no compression codec", []producer.Opt{producer.Compression()}, "no compression codec"},
		{"zero records", []producer.Opt{producer.MaxBufferedRecords(0)}, "max buffered records 0"},
		{"bytes below batch", []producer.Opt{producer.MaxBufferedBytes(1 << 10)}, "below batch max bytes"},
		{"bytes fit batch", []producer.Opt{producer.MaxBufferedBytes(4 << 10), producer.BatchMaxBytes(4 << 10)}, ""},
		{"bad policy", []producer.Opt{producer.WhenBufferFull(7)}, "FullBufferPolicy(7)"},
		{"negative timeout", []producer.Opt{producer.DeliveryTimeout(-1)}, "delivery timeout"},
		{"short timeout", []producer.Opt{producer.DeliveryTimeout(time.Millisecond)}, "at least 1s"},
		{"no timeout", []producer.Opt{producer.DeliveryTimeout(0)}, ""},
		{"nil logger", []producer.Opt{producer.Logger(nil)}, "nil logger"},
		{"two problems", []producer.Opt{producer.Linger(-1), producer.MaxBufferedRecords(-1)}, "max buffered records -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := producer.New(append([]producer.Opt{producer.Brokers("127.0.0.1:1")}, tt.opts...)...)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if err := p.Close(context.Background()); err != nil {
					t.Fatalf("Close: %v", err)
				}
				return
			}
			if err == nil {
				p.Close(context.Background())
				t.Fatalf("New succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestEmitRejectsInvalidEvents(t *testing.T) {
	c := fake(t, 1)
	reg := prometheus.NewRegistry()
	p := newProducer(t, c, producer.Registerer(reg))
	u := producer.User{Tenant: "acme", ID: "u-1"}
	s := producer.NewSession("acme", "sess-1")
	ctx := context.Background()

	audits := []struct {
		name        string
		e           *event.Audit
		field, rule string
	}{
		{"no tenant", producer.User{ID: "u-1"}.LoggedIn(), "tenant_id", event.RuleRequired},
		{"no user", producer.User{Tenant: "acme"}.LoggedIn(), "tenant_user_id", event.RuleRequired},
		{"no call id", u.StartCall(event.CallData{CustomerID: "c"}), "payload.call_id", event.RuleRequired},
		{"unknown type", &event.Audit{TenantID: "acme", TenantUserID: "u", Type: "NAP"}, "type", event.RuleUnknown},
		{"payload missing", &event.Audit{TenantID: "acme", TenantUserID: "u", Type: event.RoleChange}, "payload", event.RuleMismatch},
		{"bad json", u.PluginChange(event.ConfigData{JSON: "{"}), "payload.config_json", event.RuleJSON},
		{"bad operation", u.MeetingChange(event.MeetingChangeData{Operation: "MOVE", ConferenceJSON: "{}"}), "payload.operation", event.RuleUnknown},
		{"long tenant", producer.User{Tenant: strings.Repeat("t", event.MaxKeyLen+1), ID: "u"}.LoggedIn(), "tenant_id", event.RuleTooLong},
	}
	for _, tt := range audits {
		t.Run("audit/"+tt.name, func(t *testing.T) {
			called := false
			err := p.EmitAudit(ctx, tt.e, func(error) { called = true })
			checkValidation(t, err, tt.field, tt.rule)
			if err := p.EmitAuditSync(ctx, tt.e); err == nil {
				t.Fatal("EmitAuditSync accepted the event")
			}
			if called {
				t.Fatal("callback called for a rejected event")
			}
		})
	}

	cobrowses := []struct {
		name        string
		e           *event.Cobrowse
		field, rule string
	}{
		{"no session", producer.NewSession("acme", "").Selection(event.ActorAgent), "session_id", event.RuleRequired},
		{"negative seq", producer.ResumeSession("acme", "s", -5).Selection(event.ActorAgent), "seq", event.RuleNegative},
		{"unknown actor", s.Selection(event.ActorUnknown), "actor", event.RuleUnknown},
		{"no element", s.Click(event.ActorAgent, event.ElementData{}), "payload.element", event.RuleRequired},
		{"two payloads", func() *event.Cobrowse {
			e := click(s)
			e.Form = &event.FormData{Form: "f"}
			return e
		}(), "payload", event.RuleMismatch},
		{"bad utf8", s.PageChange(event.ActorAgent, event.PageChangeData{Page: "\xff"}), "payload.page", event.RuleUTF8},
	}
	for _, tt := range cobrowses {
		t.Run("cobrowse/"+tt.name, func(t *testing.T) {
			err := p.EmitCobrowse(ctx, tt.e, func(error) { t.Error("callback called for a rejected event") })
			checkValidation(t, err, tt.field, tt.rule)
		})
	}

	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{producer.DefaultAuditTopic, producer.DefaultCobrowseTopic} {
		if n := stored(t, c, topic); n != 0 {
			t.Errorf("%s holds %d records after rejected emits, want 0", topic, n)
		}
	}
	for cat, want := range map[string]int{"audit": 2 * len(audits), "cobrowse": len(cobrowses)} {
		got := value(t, reg, "auditstream_producer_rejected_total", cat, "validation")
		if got != float64(want) {
			t.Errorf("rejected_total{category=%s,reason=validation} = %v, want %d", cat, got, want)
		}
	}
}

func checkValidation(t *testing.T, err error, field, rule string) {
	t.Helper()
	ve, ok := event.IsValidation(err)
	if !ok {
		t.Fatalf("err = %v, want a *event.ValidationError", err)
	}
	if ve.Field != field || ve.Rule != rule {
		t.Fatalf("err = %v: field %q rule %q, want field %q rule %q", err, ve.Field, ve.Rule, field, rule)
	}
	if !strings.HasPrefix(err.Error(), "producer: ") {
		t.Fatalf("err = %q, want the producer prefix", err)
	}
}

// value returns the value of the counter or gauge series name{labels...}
// (label values in the order of the label names).
func value(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for i, l := range m.GetLabel() {
				if l.GetValue() != labels[i] {
					continue next
				}
			}
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}

func TestEmitFillsIDAndTime(t *testing.T) {
	c := fake(t, 1)
	p := newProducer(t, c)
	ctx := context.Background()

	before := time.Now().Truncate(time.Millisecond)
	e := producer.User{Tenant: "acme", ID: "u-1"}.LoggedIn()
	if err := p.EmitAuditSync(ctx, e); err != nil {
		t.Fatal(err)
	}
	if e.EventID.IsZero() || e.EventID.Time().IsZero() {
		t.Fatalf("EventID %v is not a UUIDv7", e.EventID)
	}
	if e.Time.Before(before) || e.Time.After(time.Now()) || e.Time.Nanosecond()%int(time.Millisecond) != 0 {
		t.Fatalf("Time %v is not now at millisecond precision", e.Time)
	}

	// Set fields are kept.
	id, at := event.NewID(), time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	e2 := producer.User{Tenant: "acme", ID: "u-1"}.LoggedIn()
	e2.EventID, e2.Time = id, at
	if err := p.EmitAuditSync(ctx, e2); err != nil {
		t.Fatal(err)
	}
	recs := consume(t, c, producer.DefaultAuditTopic, 2)
	codec := staticCodec(t)
	var got event.Audit
	if err := codec.DecodeAudit(recs[1].Value, &got); err != nil {
		t.Fatal(err)
	}
	if got.EventID != id || !got.Time.Equal(at) {
		t.Fatalf("decoded id %v time %v, want %v %v", got.EventID, got.Time, id, at)
	}
}

func staticCodec(t testing.TB) *event.Codec {
	t.Helper()
	codec, err := event.NewStaticCodec()
	if err != nil {
		t.Fatal(err)
	}
	return codec
}

func TestMasking(t *testing.T) {
	const card = "4111 1111 1111 1111"
	upper := func(d *event.InputData) { d.Text, d.Masked = strings.ToUpper(d.Text), true }
	tests := []struct {
		name       string
		opts       []producer.Opt
		in         event.InputData
		wantText   string
		wantMasked bool
	}{
		{"default masks a password field", nil, event.InputData{Element: "#password", Text: "hunter2"}, event.MaskText, true},
		{"default masks a card number", nil, event.InputData{Element: "#note", Text: "card " + card}, "card **** **** **** ****", true},
		{"default keeps plain text", nil, event.InputData{Element: "#search", Text: "blue shoes"}, "blue shoes", false},
		{"default keeps text masked at the source", nil, event.InputData{Element: "#password", Text: "[redacted]", Masked: true}, "[redacted]", true},
		{"disabled", []producer.Opt{producer.Masker(nil)}, event.InputData{Element: "#password", Text: "hunter2"}, "hunter2", false},
		{"custom", []producer.Opt{producer.Masker(upper)}, event.InputData{Element: "#search", Text: "blue"}, "BLUE", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fake(t, 1)
			p := newProducer(t, c, tt.opts...)
			e := producer.NewSession("acme", "s-1").Input(event.ActorCustomer, tt.in)
			if err := p.EmitCobrowseSync(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			var got event.Cobrowse
			if err := staticCodec(t).DecodeCobrowse(consume(t, c, producer.DefaultCobrowseTopic, 1)[0].Value, &got); err != nil {
				t.Fatal(err)
			}
			if got.Input == nil || got.Input.Text != tt.wantText || got.Input.Masked != tt.wantMasked {
				t.Fatalf("sent input %+v, want text %q masked %v", got.Input, tt.wantText, tt.wantMasked)
			}
			if *e.Input != *got.Input {
				t.Fatalf("emitted struct holds %+v after the emit, sent %+v", e.Input, got.Input)
			}
		})
	}
}

// murmur2 is Kafka's partitioning hash (org.apache.kafka.common.utils.Utils.murmur2),
// written here from the Java source to check the producer independently of franz-go.
func murmur2(b []byte) uint32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	h := seed ^ uint32(len(b))
	for ; len(b) >= 4; b = b[4:] {
		k := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	switch len(b) {
	case 3:
		h ^= uint32(b[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(b[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(b[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

func TestMurmur2KnownAnswers(t *testing.T) {
	// From Kafka's UtilsTest.testMurmur2.
	for in, want := range map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	} {
		if got := int32(murmur2([]byte(in))); got != want {
			t.Errorf("murmur2(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestKeysAndPartitions(t *testing.T) {
	const partitions = 8
	c := fake(t, partitions)
	p := newProducer(t, c)
	ctx := context.Background()

	const sessions, perSession = 20, 25
	for i := range perSession {
		for j := range sessions {
			s := producer.ResumeSession(fmt.Sprintf("tenant-%d", j%3), fmt.Sprintf("sess-%02d", j), int64(i))
			if err := p.EmitCobrowse(ctx, click(s), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	users := []producer.User{{Tenant: "acme", ID: "u-1"}, {Tenant: "acme", ID: "u-2"}, {Tenant: "globex", ID: "u-1"}}
	for _, u := range users {
		for range 5 {
			if err := p.EmitAudit(ctx, u.OnlineStatusOnline(), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	codec := staticCodec(t)
	lastSeq := map[string]int64{}
	partOf := map[string]int32{}
	for _, r := range consume(t, c, producer.DefaultCobrowseTopic, sessions*perSession) {
		var e event.Cobrowse
		if err := codec.DecodeCobrowse(r.Value, &e); err != nil {
			t.Fatal(err)
		}
		key := e.TenantID + "\x00" + e.SessionID
		if string(r.Key) != key {
			t.Fatalf("key %q, want %q", r.Key, key)
		}
		if want := int32(murmur2(r.Key)&0x7fffffff) % partitions; r.Partition != want {
			t.Fatalf("session %s on partition %d, want murmur2 partition %d", e.SessionID, r.Partition, want)
		}
		if p, ok := partOf[key]; ok && p != r.Partition {
			t.Fatalf("session %s on partitions %d and %d", e.SessionID, p, r.Partition)
		}
		partOf[key] = r.Partition
		if last, ok := lastSeq[key]; ok && e.Seq != last+1 {
			t.Fatalf("session %s: seq %d after %d", e.SessionID, e.Seq, last)
		}
		lastSeq[key] = e.Seq
	}
	used := map[int32]bool{}
	for _, p := range partOf {
		used[p] = true
	}
	if len(used) < 3 {
		t.Errorf("%d sessions used %d of %d partitions: keys do not spread", sessions, len(used), partitions)
	}

	for _, r := range consume(t, c, producer.DefaultAuditTopic, 15) {
		var e event.Audit
		if err := codec.DecodeAudit(r.Value, &e); err != nil {
			t.Fatal(err)
		}
		if want := e.TenantID + "\x00" + e.TenantUserID; string(r.Key) != want {
			t.Fatalf("audit key %q, want %q", r.Key, want)
		}
		if want := int32(murmur2(r.Key)&0x7fffffff) % partitions; r.Partition != want {
			t.Fatalf("audit key %q on partition %d, want %d", r.Key, r.Partition, want)
		}
	}
}

func TestFullBufferFailFast(t *testing.T) {
	c := fake(t, 1)
	reg := prometheus.NewRegistry()
	p := newProducer(t, c, producer.MaxBufferedRecords(3), producer.WhenBufferFull(producer.FailWhenFull),
		producer.Linger(0), producer.Registerer(reg))
	release := holdProduce(c)
	defer release()
	ctx := context.Background()
	s := producer.NewSession("acme", "s-1")

	for range 3 {
		if err := p.EmitCobrowse(ctx, click(s), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := p.Buffered(); n != 3 {
		t.Fatalf("Buffered() = %d, want 3", n)
	}
	var called atomic.Bool
	res := make(chan error, 1)
	go func() { res <- p.EmitCobrowse(ctx, click(s), func(error) { called.Store(true) }) }()
	var err error
	select {
	case err = <-res:
	case <-time.After(5 * time.Second):
		t.Fatal("emit into a full buffer blocked under FailWhenFull")
	}
	if !errors.Is(err, producer.ErrBufferFull) {
		t.Fatalf("emit into a full buffer: %v, want ErrBufferFull", err)
	}
	if !producer.IsRetryable(err) {
		t.Error("ErrBufferFull is not retryable")
	}
	if got := value(t, reg, "auditstream_producer_buffered_records"); got != 3 {
		t.Errorf("buffered_records = %v, want 3", got)
	}

	release()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.EmitCobrowse(ctx, click(s), nil); err != nil {
		t.Fatalf("emit after the flush: %v", err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if called.Load() {
		t.Error("callback of the refused emit was called")
	}
	if n := stored(t, c, producer.DefaultCobrowseTopic); n != 4 {
		t.Errorf("topic holds %d records, want 4", n)
	}
	if got := value(t, reg, "auditstream_producer_rejected_total", "cobrowse", "buffer_full"); got != 1 {
		t.Errorf("rejected_total{buffer_full} = %v, want 1", got)
	}
}

func TestFullBufferBlocks(t *testing.T) {
	c := fake(t, 1)
	p := newProducer(t, c, producer.MaxBufferedRecords(2), producer.Linger(0))
	release := holdProduce(c)
	defer release()
	ctx := context.Background()
	s := producer.NewSession("acme", "s-1")
	for range 2 {
		if err := p.EmitCobrowse(ctx, click(s), nil); err != nil {
			t.Fatal(err)
		}
	}

	// The context bounds the wait; nothing is buffered when it ends.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := p.EmitCobrowse(short, click(s), nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("emit into a full buffer with a short context: %v, want DeadlineExceeded", err)
	}
	if n, _ := p.Buffered(); n != 2 {
		t.Fatalf("Buffered() = %d, want 2", n)
	}

	// A waiting emit proceeds once records are acknowledged.
	done := make(chan error, 1)
	go func() { done <- p.EmitCobrowseSync(ctx, click(s)) }()
	select {
	case err := <-done:
		t.Fatalf("emit returned (%v) while the buffer was full", err)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("blocked emit: %v", err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := stored(t, c, producer.DefaultCobrowseTopic); n != 3 {
		t.Errorf("topic holds %d records, want 3", n)
	}
}

func TestCloseWakesBlockedEmits(t *testing.T) {
	c := fake(t, 1)
	p := newProducer(t, c, producer.MaxBufferedRecords(1), producer.Linger(0))
	release := holdProduce(c)
	ctx := context.Background()
	s := producer.NewSession("acme", "s-1")
	var delivered atomic.Int64
	if err := p.EmitCobrowse(ctx, click(s), func(err error) {
		if err == nil {
			delivered.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	blocked := make(chan error, 1)
	go func() { blocked <- p.EmitCobrowse(ctx, click(s), nil) }()
	time.Sleep(20 * time.Millisecond) // let it block

	closed := make(chan error, 1)
	go func() { closed <- p.Close(ctx) }()
	if err := <-blocked; !errors.Is(err, producer.ErrClosed) {
		t.Fatalf("emit blocked during Close: %v, want ErrClosed", err)
	}
	release()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if delivered.Load() != 1 {
		t.Fatalf("the buffered event was not delivered by Close")
	}
	if err := p.EmitCobrowse(ctx, click(s), nil); !errors.Is(err, producer.ErrClosed) {
		t.Fatalf("emit after Close: %v, want ErrClosed", err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCloseLosesNothing(t *testing.T) {
	c := fake(t, 4)
	p, err := producer.New(producer.Brokers(c.ListenAddrs()...), producer.MaxBufferedRecords(500))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const sessions, perSession = 10, 500
	var acked, failed atomic.Int64
	cb := func(err error) {
		if err != nil {
			failed.Add(1)
			return
		}
		acked.Add(1)
	}
	ids := map[event.ID]bool{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range sessions {
		wg.Go(func() {
			s := producer.NewSession("acme", fmt.Sprintf("s-%d", i))
			for range perSession {
				e := click(s)
				if err := p.EmitCobrowse(ctx, e, cb); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids[e.EventID] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := p.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if acked.Load() != sessions*perSession || failed.Load() != 0 {
		t.Fatalf("acked %d failed %d, want %d acked", acked.Load(), failed.Load(), sessions*perSession)
	}
	codec := staticCodec(t)
	for _, r := range consume(t, c, producer.DefaultCobrowseTopic, sessions*perSession) {
		var e event.Cobrowse
		if err := codec.DecodeCobrowse(r.Value, &e); err != nil {
			t.Fatal(err)
		}
		if !ids[e.EventID] {
			t.Fatalf("event %v consumed twice or never emitted", e.EventID)
		}
		delete(ids, e.EventID)
	}
}

func TestBrokerErrors(t *testing.T) {
	t.Run("retriable error is retried", func(t *testing.T) {
		c := fake(t, 1)
		reg := prometheus.NewRegistry()
		// A retriable error waits for a metadata refresh, at most every MetadataMinAge (5s).
		p := newProducer(t, c, producer.Registerer(reg), producer.KafkaOpts(kgo.MetadataMinAge(50*time.Millisecond)))
		failProduce(c, kerr.NotEnoughReplicas.Code, 2)
		if err := p.EmitAuditSync(context.Background(), producer.User{Tenant: "acme", ID: "u"}.LoggedIn()); err != nil {
			t.Fatalf("emit through two retriable errors: %v", err)
		}
		if got := value(t, reg, "auditstream_producer_events_total", "audit", "LOGGED_IN"); got != 1 {
			t.Fatalf("events_total{LOGGED_IN} = %v, want 1", got)
		}
	})
	t.Run("fatal error reaches callback, Sync and Flush", func(t *testing.T) {
		c := fake(t, 1)
		reg := prometheus.NewRegistry()
		p := newProducer(t, c, producer.Registerer(reg))
		failProduce(c, kerr.InvalidRecord.Code, -1)
		ctx := context.Background()
		u := producer.User{Tenant: "acme", ID: "u"}
		got := make(chan error, 1)
		if err := p.EmitAudit(ctx, u.LoggedIn(), func(err error) { got <- err }); err != nil {
			t.Fatal(err)
		}
		if err := <-got; !errors.Is(err, kerr.InvalidRecord) {
			t.Fatalf("callback: %v, want InvalidRecord", err)
		}
		if err := p.EmitAuditSync(ctx, u.LoggedIn()); !errors.Is(err, kerr.InvalidRecord) || producer.IsRetryable(err) {
			t.Fatalf("sync emit: %v (retryable %v), want non-retryable InvalidRecord", err, producer.IsRetryable(err))
		}
		err := p.Flush(ctx)
		var fe *producer.FlushError
		if !errors.As(err, &fe) || fe.Failed != 2 || !errors.Is(err, kerr.InvalidRecord) {
			t.Fatalf("Flush: %v, want a FlushError of 2 InvalidRecord failures", err)
		}
		if err := p.Flush(ctx); err != nil {
			t.Fatalf("second Flush: %v, want nil (failures reported once)", err)
		}
		if got := value(t, reg, "auditstream_producer_failed_total", "audit"); got != 2 {
			t.Fatalf("failed_total{audit} = %v, want 2", got)
		}
	})
	t.Run("delivery timeout", func(t *testing.T) {
		c := fake(t, 1)
		p := newProducer(t, c, producer.DeliveryTimeout(time.Second), producer.KafkaOpts(kgo.MetadataMinAge(50*time.Millisecond)))
		failProduce(c, kerr.NotEnoughReplicas.Code, -1)
		err := p.EmitAuditSync(context.Background(), producer.User{Tenant: "acme", ID: "u"}.LoggedIn())
		if !errors.Is(err, kgo.ErrRecordTimeout) || !producer.IsRetryable(err) {
			t.Fatalf("sync emit: %v, want retryable ErrRecordTimeout", err)
		}
	})
	t.Run("close with an unreachable broker reports the loss", func(t *testing.T) {
		c := fake(t, 1)
		p, err := producer.New(producer.Brokers(c.ListenAddrs()...), producer.DeliveryTimeout(0))
		if err != nil {
			t.Fatal(err)
		}
		failProduce(c, kerr.NotEnoughReplicas.Code, -1)
		got := make(chan error, 1)
		if err := p.EmitAudit(context.Background(), producer.User{Tenant: "acme", ID: "u"}.LoggedIn(), func(err error) { got <- err }); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		err = p.Close(ctx)
		var fe *producer.FlushError
		if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &fe) || fe.Failed != 1 {
			t.Fatalf("Close: %v, want DeadlineExceeded and a FlushError of 1", err)
		}
		if err := <-got; !errors.Is(err, kgo.ErrClientClosed) {
			t.Fatalf("callback: %v, want ErrClientClosed", err)
		}
	})
}

func TestTooLarge(t *testing.T) {
	c := fake(t, 1)
	p := newProducer(t, c, producer.BatchMaxBytes(1024))
	big := producer.User{Tenant: "acme", ID: "u"}.SettingsChange(event.ConfigData{JSON: `{"x":"` + strings.Repeat("a", 1000) + `"}`})
	err := p.EmitAudit(context.Background(), big, nil)
	var tl *producer.TooLargeError
	if !errors.As(err, &tl) || !errors.Is(err, producer.ErrTooLarge) || producer.IsRetryable(err) {
		t.Fatalf("emit: %v, want a non-retryable *TooLargeError", err)
	}
	if tl.Type != "SETTINGS_CHANGE" || tl.Size <= tl.Limit || tl.Limit >= 1024 {
		t.Fatalf("TooLargeError %+v", tl)
	}
	// The largest event that passes the check is accepted by the broker.
	fits := producer.User{Tenant: "acme", ID: "u"}.SettingsChange(event.ConfigData{JSON: `"` + strings.Repeat("a", 1000-(tl.Size-tl.Limit)) + `"`})
	if err := p.EmitAuditSync(context.Background(), fits); err != nil {
		t.Fatalf("emit of an event at the limit: %v", err)
	}
}

func TestSessionSeqConcurrent(t *testing.T) {
	s := producer.ResumeSession("acme", "s", 100)
	const n, workers = 1000, 8
	seen := make([]atomic.Bool, n*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range n {
				seq := s.Selection(event.ActorAgent).Seq - 100
				if seen[seq].Swap(true) {
					t.Errorf("seq %d handed out twice", seq+100)
				}
			}
		})
	}
	wg.Wait()
	if got := s.NextSeq(); got != 100+n*workers {
		t.Fatalf("NextSeq after %d events = %d", n*workers, got)
	}
}

func TestMetrics(t *testing.T) {
	c := fake(t, 2)
	reg := prometheus.NewRegistry()
	p := newProducer(t, c, producer.Registerer(reg))
	ctx := context.Background()
	s := producer.NewSession("acme", "s")
	for range 3 {
		if err := p.EmitCobrowse(ctx, click(s), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.EmitAudit(ctx, producer.User{Tenant: "acme", ID: "u"}.LoggedIn(), nil); err != nil {
		t.Fatal(err)
	}
	_ = p.EmitAudit(ctx, producer.User{Tenant: "acme"}.LoggedIn(), nil)
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"auditstream_producer_events_total", []string{"cobrowse", "CLICK"}, 3},
		{"auditstream_producer_events_total", []string{"cobrowse", "PAGE-CHANGE"}, 0},
		{"auditstream_producer_events_total", []string{"audit", "LOGGED_IN"}, 1},
		{"auditstream_producer_rejected_total", []string{"audit", "validation"}, 1},
		{"auditstream_producer_failed_total", []string{"cobrowse"}, 0},
		{"auditstream_producer_buffered_records", nil, 0},
	} {
		if got := value(t, reg, tt.name, tt.labels...); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var ours, kafka []string
	for _, mf := range mfs {
		switch name := mf.GetName(); {
		case strings.HasPrefix(name, "auditstream_producer_kafka_"):
			kafka = append(kafka, name)
		case strings.HasPrefix(name, "auditstream_producer_"):
			ours = append(ours, name)
		default:
			t.Errorf("metric %s outside the auditstream_producer_ namespace", name)
		}
	}
	if len(ours) != 7 || len(kafka) == 0 {
		t.Fatalf("own metrics %v, kafka client metrics %v", ours, kafka)
	}
	problems, err := testutil.GatherAndLint(reg, ours...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint %s: %s", p.Metric, p.Text)
	}

	// One Registerer takes one Producer: the second fails cleanly.
	if p2, err := producer.New(producer.Brokers(c.ListenAddrs()...), producer.Registerer(reg)); err == nil {
		p2.Close(ctx)
		t.Fatal("a second producer on the same Registerer was accepted")
	}
	// Close unregisters every metric, so the Registerer can take a new Producer.
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if mfs, _ := reg.Gather(); len(mfs) != 0 {
		t.Fatalf("%d metric families left registered after Close", len(mfs))
	}
	p3 := newProducer(t, c, producer.Registerer(reg))
	if err := p3.EmitAuditSync(ctx, producer.User{Tenant: "acme", ID: "u"}.LoggedIn()); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureTopics(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	p := newProducer(t, c, producer.AuditTopic("a.audit"), producer.CobrowseTopic("a.cobrowse"))
	ctx := context.Background()
	if err := p.EnsureTopics(ctx, producer.TopicSpec{Partitions: 3}); err != nil {
		t.Fatal(err)
	}
	if err := p.EnsureTopics(ctx, producer.TopicSpec{Partitions: 3}); err != nil {
		t.Fatalf("second EnsureTopics: %v", err)
	}
	details, err := kadm.NewClient(p.Client()).ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(details) != 2 || len(details["a.audit"].Partitions) != 3 || len(details["a.cobrowse"].Partitions) != 3 {
		t.Fatalf("topics after EnsureTopics: %v", details.Names())
	}
	if err := p.EmitCobrowseSync(ctx, click(producer.NewSession("acme", "s"))); err != nil {
		t.Fatal(err)
	}
}
