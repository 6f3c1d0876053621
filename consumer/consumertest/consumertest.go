// Package consumertest makes Kafka records of realistic auditstream events for the
// consumer's tests, integration tests and benchmarks, and a Sink that records what it
// was given.
//
//	codec, _ := event.NewStaticCodec()
//	g := consumertest.NewGenerator(codec, 1)
//	recs, ids := g.Cobrowse("auditstream.cobrowse", 10_000, 100)
//
// A Generator is not safe for concurrent use; a RecordingSink is.
package consumertest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/consumer"
	"github.com/auditstream/auditstream/event"
)

// Generator makes valid, encoded events with fresh event IDs. Each call to Cobrowse or
// Audit cycles through every event type of its category.
type Generator struct {
	codec *event.Codec
	rng   *rand.Rand
	now   time.Time
}

// NewGenerator returns a generator whose random choices follow seed.
func NewGenerator(codec *event.Codec, seed uint64) *Generator {
	return &Generator{codec: codec, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: time.Now().UTC()}
}

// Cobrowse returns n co-browsing records for topic spread over sessions sessions (keyed
// tenant\x00session, seq increasing per session), and their event IDs in order.
func (g *Generator) Cobrowse(topic string, n, sessions int) ([]*kgo.Record, []uuid.UUID) {
	tmpl := event.SampleCobrowse("tenant-0", "s")
	seqs := make([]int64, sessions)
	recs := make([]*kgo.Record, 0, n)
	ids := make([]uuid.UUID, 0, n)
	for i := range n {
		s := g.rng.IntN(sessions)
		tenant := fmt.Sprintf("tenant-%d", s%7)
		session := fmt.Sprintf("sess-%d", s)
		ev := tmpl[i%len(tmpl)]
		ev.EventID = event.NewID()
		ev.TenantID, ev.SessionID = tenant, session
		ev.Seq = seqs[s]
		seqs[s]++
		ev.Time = g.now.Add(time.Duration(i) * time.Millisecond)
		ev.PageURL = "https://shop.example/checkout"
		b, err := g.codec.AppendCobrowse(nil, &ev)
		if err != nil {
			panic(fmt.Sprintf("consumertest: encode sample: %v", err))
		}
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte(tenant + "\x00" + session), Value: b})
		ids = append(ids, uuid.UUID(ev.EventID))
	}
	return recs, ids
}

// Audit returns n audit records for topic (all 14 types in turn), keyed tenant\x00user,
// and their event IDs.
func (g *Generator) Audit(topic string, n int) ([]*kgo.Record, []uuid.UUID) {
	recs := make([]*kgo.Record, 0, n)
	ids := make([]uuid.UUID, 0, n)
	var tmpl []event.Audit
	for i := range n {
		if i%14 == 0 {
			tmpl = event.SampleAudits(fmt.Sprintf("tenant-%d", g.rng.IntN(5)))
		}
		ev := tmpl[i%14]
		ev.EventID = event.NewID()
		ev.TenantUserID = fmt.Sprintf("user-%d", g.rng.IntN(50))
		ev.Time = g.now.Add(time.Duration(i) * time.Millisecond)
		b, err := g.codec.AppendAudit(nil, &ev)
		if err != nil {
			panic(fmt.Sprintf("consumertest: encode sample: %v", err))
		}
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte(ev.TenantID + "\x00" + ev.TenantUserID), Value: b})
		ids = append(ids, uuid.UUID(ev.EventID))
	}
	return recs, ids
}

// Garbage returns n records that cannot be inserted, cycling through the three
// dead-letter reasons: bytes that are no Confluent frame (decode), a frame with a schema
// ID nobody knows (unknown-schema), and a well-formed frame whose event fails validation
// (validation: a zero event_id).
func (g *Generator) Garbage(topic string, n int) []*kgo.Record {
	ev := event.SampleCobrowse("tenant-x", "sess-x")[0]
	valid, err := g.codec.AppendCobrowse(nil, &ev)
	if err != nil {
		panic(fmt.Sprintf("consumertest: encode sample: %v", err))
	}
	recs := make([]*kgo.Record, 0, n)
	for i := range n {
		var v []byte
		switch i % 3 {
		case 0:
			v = []byte("not avro at all")
		case 1:
			v = []byte{0, 0, 0, 0x7f, 0x42, 1, 2, 3}
		case 2:
			// The event_id fixed(16) follows the 5-byte frame header; zero is invalid.
			v = append([]byte(nil), valid...)
			clear(v[5:21])
		}
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte("garbage"), Value: v,
			Headers: []kgo.RecordHeader{{Key: "origin", Value: []byte("consumertest")}}})
	}
	return recs
}

// GarbageReason returns the dead-letter reason of Garbage's i-th record.
func GarbageReason(i int) consumer.Reason {
	return [...]consumer.Reason{consumer.ReasonDecode, consumer.ReasonUnknownSchema, consumer.ReasonValidation}[i%3]
}

// RecordingSink is a Sink that keeps the event IDs of every successful insert. Fail, if
// set, is asked before each insert; a non-nil error fails that attempt.
type RecordingSink struct {
	mu   sync.Mutex
	Fail func(b *consumer.Batch, attempt int) error
	// Discard counts rows without keeping their IDs (for benchmarks).
	Discard bool
	ids     map[uuid.UUID]int
	rows    int
	inserts int
	tries   int
}

// Insert records b's event IDs unless Fail rejects the attempt.
func (s *RecordingSink) Insert(ctx context.Context, b *consumer.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tries++
	if s.Fail != nil {
		if err := s.Fail(b, s.tries); err != nil {
			return err
		}
	}
	if s.ids == nil {
		s.ids = map[uuid.UUID]int{}
	}
	if !s.Discard {
		for _, id := range b.EventIDs() {
			s.ids[id]++
		}
	}
	s.rows += b.Len()
	s.inserts++
	return nil
}

// Counts returns how many times each event ID was inserted, the rows inserted and the
// successful inserts.
func (s *RecordingSink) Counts() (ids map[uuid.UUID]int, rows, inserts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids = make(map[uuid.UUID]int, len(s.ids))
	for k, v := range s.ids {
		ids[k] = v
	}
	return ids, s.rows, s.inserts
}
