package producer

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/bench/producebench"
	"github.com/auditstream/auditstream/event"
)

// BenchmarkPrepare measures what an emit adds before franz-go takes the record:
// fill (UUIDv7, time), mask, validate, Avro encode with Confluent framing, key, the
// record, and its recycling after delivery. No broker: New does not connect.
func BenchmarkPrepare(b *testing.B) {
	p, err := New(Brokers("127.0.0.1:1"))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(b.Context())

	b.Run("cobrowse", func(b *testing.B) {
		evs := producebench.Cobrowse(4096, 1)
		b.SetBytes(avgSize(b, evs, p.prepareCobrowse))
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			e := evs[i%len(evs)]
			e.EventID, e.Time = event.ID{}, zeroTime
			pd, err := p.prepareCobrowse(e)
			if err != nil {
				b.Fatal(err)
			}
			recycle(pd) // as the delivery does
		}
	})
	b.Run("audit", func(b *testing.B) {
		samples := event.SampleAudits("tenant-acme")
		evs := make([]*event.Audit, len(samples))
		for i := range samples {
			evs[i] = &samples[i]
		}
		b.SetBytes(avgSize(b, evs, p.prepareAudit))
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			e := evs[i%len(evs)]
			e.EventID, e.Time = event.ID{}, zeroTime
			pd, err := p.prepareAudit(e)
			if err != nil {
				b.Fatal(err)
			}
			recycle(pd)
		}
	})
}

var zeroTime = event.Cobrowse{}.Time

// avgSize returns the mean key + value size of evs.
func avgSize[E any](b *testing.B, evs []E, prepare func(E) (*pending, error)) int64 {
	var total int
	for _, e := range evs {
		pd, err := prepare(e)
		if err != nil {
			b.Fatal(err)
		}
		total += len(pd.rec.Key) + len(pd.rec.Value)
		recycle(pd)
	}
	return int64(total / len(evs))
}

// BenchmarkEmitInMemory produces co-browsing events into an in-process kfake cluster that
// discards them (BlackholeProduce), through the library and, as the baseline, through a plain
// franz-go client with the same settings producing the same pre-encoded records. The
// difference is the library's per-event cost on the produce path; allocs/op includes
// franz-go's.
func BenchmarkEmitInMemory(b *testing.B) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.BlackholeProduce(), kfake.SeedTopics(6, DefaultCobrowseTopic))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := b.Context()
	evs := producebench.Cobrowse(4096, 1)

	b.Run("library", func(b *testing.B) {
		p, err := New(Brokers(c.ListenAddrs()...))
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close(ctx)
		b.SetBytes(avgSize(b, evs, p.prepareCobrowse))
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			e := evs[i%len(evs)]
			e.EventID, e.Time = event.ID{}, zeroTime
			if err := p.EmitCobrowse(ctx, e, nil); err != nil {
				b.Fatal(err)
			}
		}
		if err := p.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("baseline", func(b *testing.B) {
		p, err := New(Brokers(c.ListenAddrs()...)) // only to encode the records the same way
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close(ctx)
		keys, vals := make([][]byte, len(evs)), make([][]byte, len(evs))
		var total int
		for i, e := range evs {
			pd, err := p.prepareCobrowse(e)
			if err != nil {
				b.Fatal(err)
			}
			keys[i], vals[i] = pd.rec.Key, pd.rec.Value // never recycled: kept for the whole run
			total += len(keys[i]) + len(vals[i])
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...),
			kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)), kgo.ProducerLinger(DefaultLinger),
			kgo.ProducerBatchCompression(DefaultCompression...), kgo.MaxBufferedRecords(DefaultMaxBufferedRecords),
			kgo.MaxBufferedBytes(DefaultMaxBufferedBytes), kgo.RecordDeliveryTimeout(DefaultDeliveryTimeout))
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		promise := func(_ *kgo.Record, err error) {
			if err != nil {
				b.Error(err)
			}
		}
		b.SetBytes(int64(total / len(evs)))
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			j := i % len(evs)
			cl.Produce(ctx, &kgo.Record{Topic: DefaultCobrowseTopic, Key: keys[j], Value: vals[j]}, promise)
		}
		if err := cl.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	})
}
