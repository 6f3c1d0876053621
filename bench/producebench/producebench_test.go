package producebench

import (
	"context"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/internal/testenv"
	"github.com/auditstream/auditstream/producer"
)

// burst is how many events one benchmark iteration produces, through each path.
const burst = 50_000

var codecs = []struct {
	name  string
	codec kgo.CompressionCodec
}{
	{"lz4", kgo.Lz4Compression()},
	{"zstd", kgo.ZstdCompression()},
	{"snappy", kgo.SnappyCompression()},
	{"none", kgo.NoCompression()},
}

// BenchmarkCobrowseVsBaseline produces bursts of co-browsing events into a real Kafka, each
// iteration through three paths in turn, all with the producer's client settings and topic:
//
//   - base: plain franz-go producing the same keys and pre-encoded values (the floor);
//   - hand: plain franz-go with the work a service would do by hand per event (UUIDv7,
//     masking, validating Avro encode into a new slice, key);
//   - lib: the producer library (the same work, plus buffer bounds, callbacks, metrics hooks).
//
// It reports each path's rate (events/s; MB/s of key + value before compression), the CPU
// each used in this process per event, the wire compression ratio, records per batch (lib,
// and plain: base and hand share one client), and
// lib/base and lib/hand: the library's wall time over the others'. ns/op is one iteration
// (all three bursts).
func BenchmarkCobrowseVsBaseline(b *testing.B) {
	env := testenv.Require(b)
	events := Cobrowse(burst, 1)
	for _, c := range codecs {
		b.Run("compression="+c.name, func(b *testing.B) {
			topic := env.Topic(b, 6)
			var wire, plainWire wireBytes
			p, err := producer.New(producer.Brokers(env.KafkaBrokers...), producer.CobrowseTopic(topic),
				producer.Compression(c.codec), producer.KafkaOpts(kgo.WithHooks(&wire)))
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close(context.Background())
			// The baseline: the producer's own client settings, used directly.
			base := env.KafkaClient(b, append(baselineOpts(p.Client()), kgo.WithHooks(&plainWire))...)

			keys, values, size := encode(b, events)
			codec, err := event.NewStaticCodec()
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var acked atomic.Int64
			promise := func(_ *kgo.Record, err error) {
				if err != nil {
					b.Error(err)
				}
				acked.Add(1)
			}
			// Warm up both clients: connections, metadata, producer IDs.
			if err := base.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: keys[0], Value: values[0]}).FirstErr(); err != nil {
				b.Fatal(err)
			}
			if err := p.EmitCobrowseSync(ctx, Cobrowse(1, 2)[0]); err != nil {
				b.Fatal(err)
			}
			var lib, baseline, hand phase
			for b.Loop() {
				baseline.run(b, func() {
					for i := range keys {
						base.Produce(ctx, &kgo.Record{Topic: topic, Key: keys[i], Value: values[i]}, promise)
					}
					if err := base.Flush(ctx); err != nil {
						b.Fatal(err)
					}
				})
				resetEvents(events)
				hand.run(b, func() { // what a service would write by hand on plain franz-go
					for _, e := range events {
						e.EventID, e.Time = event.NewID(), time.Now().Truncate(time.Millisecond)
						if e.Input != nil {
							event.DefaultMasker(e.Input)
						}
						v, err := codec.AppendCobrowse(nil, e)
						if err != nil {
							b.Fatal(err)
						}
						base.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(e.TenantID + "\x00" + e.SessionID), Value: v}, promise)
					}
					if err := base.Flush(ctx); err != nil {
						b.Fatal(err)
					}
				})
				resetEvents(events)
				lib.run(b, func() {
					for _, e := range events {
						if err := p.EmitCobrowse(ctx, e, nil); err != nil {
							b.Fatal(err)
						}
					}
					if err := p.Flush(ctx); err != nil {
						b.Fatal(err)
					}
				})
			}
			if got, want := acked.Load(), int64(2*b.N*burst); got != want {
				b.Fatalf("baseline and handmade acked %d, want %d", got, want)
			}
			n := float64(b.N * burst)
			b.ReportMetric(n/lib.wall.Seconds(), "lib-events/s")
			b.ReportMetric(n/baseline.wall.Seconds(), "base-events/s")
			b.ReportMetric(n/hand.wall.Seconds(), "hand-events/s")
			b.ReportMetric(n*float64(size)/1e6/lib.wall.Seconds(), "lib-MB/s")
			b.ReportMetric(n*float64(size)/1e6/baseline.wall.Seconds(), "base-MB/s")
			b.ReportMetric(float64(lib.cpu.Nanoseconds())/n, "lib-cpu-ns/event")
			b.ReportMetric(float64(baseline.cpu.Nanoseconds())/n, "base-cpu-ns/event")
			b.ReportMetric(float64(hand.cpu.Nanoseconds())/n, "hand-cpu-ns/event")
			b.ReportMetric(lib.wall.Seconds()/baseline.wall.Seconds(), "lib/base")
			b.ReportMetric(lib.wall.Seconds()/hand.wall.Seconds(), "lib/hand")
			b.ReportMetric(float64(wire.uncompressed.Load())/float64(wire.compressed.Load()), "compression-x")
			b.ReportMetric(float64(wire.records.Load())/float64(wire.batches.Load()), "lib-records/batch")
			b.ReportMetric(float64(plainWire.records.Load())/float64(plainWire.batches.Load()), "plain-records/batch")
		})
	}
}

// phase accumulates the wall and CPU time of one path over the iterations.
type phase struct{ wall, cpu time.Duration }

func (ph *phase) run(b *testing.B, fn func()) {
	cpu0, t0 := cpuTime(), time.Now()
	fn()
	ph.wall += time.Since(t0)
	ph.cpu += cpuTime() - cpu0
}

// resetEvents clears what an emit fills, so every burst sends new events.
func resetEvents(events []*event.Cobrowse) {
	for _, e := range events {
		e.EventID, e.Time = event.ID{}, time.Time{}
	}
}

// baselineOpts are the options of the producer's client (so the baseline shares them
// exactly), less the ones that tie a client to its owner (hooks, logger).
func baselineOpts(cl *kgo.Client) []kgo.Opt {
	return []kgo.Opt{
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.ProducerLinger(cl.OptValue(kgo.ProducerLinger).(time.Duration)),
		kgo.ProducerBatchMaxBytes(cl.OptValue(kgo.ProducerBatchMaxBytes).(int32)),
		kgo.ProducerBatchCompression(cl.OptValue(kgo.ProducerBatchCompression).([]kgo.CompressionCodec)...),
		kgo.MaxBufferedRecords(int(cl.OptValue(kgo.MaxBufferedRecords).(int64))),
		kgo.MaxBufferedBytes(int(cl.OptValue(kgo.MaxBufferedBytes).(int64))),
		kgo.RecordDeliveryTimeout(cl.OptValue(kgo.RecordDeliveryTimeout).(time.Duration)),
	}
}

// encode pre-encodes the events the way the library does (IDs, times, masking), for the
// baseline, and returns the mean key + value size.
func encode(b *testing.B, events []*event.Cobrowse) (keys, values [][]byte, size int64) {
	codec, err := event.NewStaticCodec()
	if err != nil {
		b.Fatal(err)
	}
	var total int
	for _, e := range events {
		c := *e
		c.EventID, c.Time = event.NewID(), time.Now().Truncate(time.Millisecond)
		if c.Input != nil {
			in := *c.Input
			event.DefaultMasker(&in)
			c.Input = &in
		}
		v, err := codec.AppendCobrowse(nil, &c)
		if err != nil {
			b.Fatal(err)
		}
		k := []byte(c.TenantID + "\x00" + c.SessionID)
		keys, values = append(keys, k), append(values, v)
		total += len(k) + len(v)
	}
	return keys, values, int64(total / len(events))
}

// cpuTime is the user + system CPU time of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// wireBytes counts the produced batches, their records, and their bytes before and after
// compression.
type wireBytes struct{ uncompressed, compressed, records, batches atomic.Int64 }

// OnProduceBatchWritten implements kgo.HookProduceBatchWritten.
func (w *wireBytes) OnProduceBatchWritten(_ kgo.BrokerMetadata, _ string, _ int32, m kgo.ProduceBatchMetrics) {
	w.uncompressed.Add(int64(m.UncompressedBytes))
	w.compressed.Add(int64(m.CompressedBytes))
	w.records.Add(int64(m.NumRecords))
	w.batches.Add(1)
}
