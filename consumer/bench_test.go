package consumer_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/consumer"
	"github.com/auditstream/auditstream/consumer/consumertest"
	"github.com/auditstream/auditstream/event"
)

// BenchmarkConsumeHotPath measures the consumer's own cost per event on kfake with a
// discarding sink: poll, decode, build columns, track offsets, commit. Kafka and
// ClickHouse costs are excluded (see bench/ingestbench for the end-to-end numbers).
//
//	go test ./consumer -run '^$' -bench ConsumeHotPath -benchtime 200000x -cpuprofile cpu.out
func BenchmarkConsumeHotPath(b *testing.B) {
	c, addrs := newClusterB(b)
	_ = c
	codec, err := event.NewStaticCodec()
	if err != nil {
		b.Fatal(err)
	}
	recs, _ := consumertest.NewGenerator(codec, 7).Cobrowse(cobrowseTopic, b.N, 1000)
	var size int
	for _, r := range recs {
		size += len(r.Value)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		b.Fatal(err)
	}
	cl.Close()
	sink := &consumertest.RecordingSink{Discard: true}
	reg := newReg()
	ctx, cancel := context.WithCancel(context.Background())
	cons, err := consumer.New(ctx, consumer.Config{Brokers: addrs, Group: group, Sink: sink, Registerer: reg,
		Batch: consumer.BatchPolicy{MaxAge: 100 * time.Millisecond}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size / b.N))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- cons.Run(ctx) }()
	for {
		if _, rows, _ := sink.Counts(); rows >= b.N {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
