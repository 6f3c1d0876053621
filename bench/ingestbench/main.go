// Command ingestbench measures sustained Kafka -> ClickHouse ingestion through the
// consumer library against a ceiling measured in the same run on the same machine.
//
//	go run ./bench/ingestbench -n 2000000
//
// Phases, each on fresh topics and databases (nothing shared with other runs):
//
//  1. produce: N co-browsing events (the consumertest generator: all 7 types, 166-byte
//     rows, keyed by session) are pre-produced to a new topic;
//  2. ceiling: the same number of rows, decoded from the same kind of frames into
//     chschema.CobrowseColumns, inserted directly with clickhouse-go columnar 100k-row
//     batches (no Kafka, no consumer), timed around Append+Send;
//  3. consume: a consumer.Consumer drains the topic into ClickHouse; timed from start to
//     the last row inserted; CPU (getrusage of this process) and peak RSS (VmRSS sampled
//     every 100 ms) are the consumer's, since nothing else runs in this process then.
//
// It prints events/s of both, their ratio (goal >= 0.70), consumer CPU and RSS.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/consumer"
	"github.com/auditstream/auditstream/consumer/consumertest"
	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/internal/migrate"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ingestbench:", err)
		os.Exit(1)
	}
}

func run() error {
	n := flag.Int("n", 2_000_000, "events to ingest")
	partitions := flag.Int("partitions", 4, "partitions of the co-browsing topic")
	brokers := flag.String("kafka-brokers", "127.0.0.1:19092", "Kafka brokers")
	chAddr := flag.String("clickhouse-addr", "127.0.0.1:19000", "ClickHouse native address")
	batchRows := flag.Int("batch-rows", consumer.DefaultBatchMaxRows, "consumer batch.max_rows (the ceiling always uses 100k)")
	keep := flag.Bool("keep", false, "keep the topics and databases")
	verbose := flag.Bool("v", false, "consumer logs to stderr")
	flag.Parse()
	ctx := context.Background()
	suffix := strconv.FormatInt(time.Now().Unix(), 36)
	topic, dlq := "bench.cobrowse."+suffix, "bench.dlq."+suffix
	auditTopic := "bench.audit." + suffix
	ceilDB, consDB := "bench_ceiling_"+suffix, "bench_consumer_"+suffix

	kcl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(*brokers, ",")...),
		kgo.ProducerLinger(10*time.Millisecond), kgo.ProducerBatchMaxBytes(1<<20))
	if err != nil {
		return err
	}
	defer kcl.Close()
	adm := kadm.NewClient(kcl)
	if _, err := adm.CreateTopic(ctx, int32(*partitions), -1, nil, topic); err != nil {
		return err
	}
	if _, err := adm.CreateTopics(ctx, 1, -1, nil, dlq, auditTopic); err != nil {
		return err
	}
	conn, err := consumer.OpenClickHouse(consumer.ClickHouseConfig{Addr: []string{*chAddr}})
	if err != nil {
		return err
	}
	defer conn.Close()
	profile, err := chschema.DetectProfile(ctx, conn)
	if err != nil {
		return err
	}
	for _, db := range []string{ceilDB, consDB} {
		if _, err := migrate.Up(ctx, conn, db, profile); err != nil {
			return err
		}
	}
	if !*keep {
		defer func() {
			_, _ = adm.DeleteTopics(context.Background(), topic, dlq, auditTopic)
			for _, db := range []string{ceilDB, consDB} {
				_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
			}
		}()
	}
	codec, err := event.NewStaticCodec()
	if err != nil {
		return err
	}
	fmt.Printf("ingestbench: n=%d partitions=%d clickhouse profile=%v GOMAXPROCS=%d\n", *n, *partitions, profile, runtime.GOMAXPROCS(0))

	// 1. produce
	gen := consumertest.NewGenerator(codec, 42)
	start := time.Now()
	var bytes int
	for done := 0; done < *n; {
		k := min(100_000, *n-done)
		recs, _ := gen.Cobrowse(topic, k, 10_000)
		for _, r := range recs {
			bytes += len(r.Value)
		}
		if err := kcl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return err
		}
		done += k
	}
	prodDur := time.Since(start)
	fmt.Printf("produce:  %d events (%.0f B/event) in %v: %.0f events/s\n", *n, float64(bytes)/float64(*n), prodDur.Round(time.Millisecond), float64(*n)/prodDur.Seconds())

	// 2. ceiling
	ceil, err := ceiling(ctx, conn, codec, gen, profile, ceilDB, *n)
	if err != nil {
		return err
	}
	fmt.Printf("ceiling:  %d rows, clickhouse-go columnar 100k batches, no Kafka: %.0f rows/s\n", *n, ceil)
	runtime.GC()

	// 3. consume
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	reg := prometheus.NewRegistry()
	sink, err := consumer.NewClickHouseSink(conn, consDB, profile)
	if err != nil {
		return err
	}
	c, err := consumer.New(ctx, consumer.Config{
		Brokers: strings.Split(*brokers, ","), Group: "bench-" + suffix,
		Topics: consumer.Topics{Audit: auditTopic, Cobrowse: topic, DLQ: dlq},
		Batch:  consumer.BatchPolicy{MaxRows: *batchRows},
		Sink:   sink, Registerer: reg, Logger: logger,
	})
	if err != nil {
		return err
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	ru0 := rusage()
	start = time.Now()
	go func() { done <- c.Run(cctx) }()
	var peakRSS int64
	for {
		peakRSS = max(peakRSS, rssBytes())
		if inserted(reg) >= float64(*n) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	consDur := time.Since(start)
	cpu := rusage() - ru0
	cancel()
	if err := <-done; err != nil {
		return err
	}
	rate := float64(*n) / consDur.Seconds()
	fmt.Printf("consumer: %d events Kafka -> ClickHouse in %v: %.0f events/s\n", *n, consDur.Round(time.Millisecond), rate)
	fmt.Printf("consumer: CPU %.2f cores (%.1f µs/event), peak RSS %d MiB (max_buffered_bytes %d MiB)\n",
		cpu.Seconds()/consDur.Seconds(), float64(cpu.Microseconds())/float64(*n), peakRSS>>20, consumer.DefaultMaxBufferedBytes>>20)
	fmt.Printf("ratio:    consumer / ceiling = %.2f (goal >= 0.70)\n", rate/ceil)
	return nil
}

// ceiling inserts n generated rows straight into ClickHouse in 100k-row columnar batches
// and returns rows/s measured around Append+Send (building the columns is not timed).
func ceiling(ctx context.Context, conn driver.Conn, codec *event.Codec, gen *consumertest.Generator,
	profile chschema.Profile, db string, n int) (float64, error) {
	stmt := chschema.InsertStatement(profile, db, chschema.TableCobrowse)
	var cols chschema.CobrowseColumns
	var ev event.Cobrowse
	var spent time.Duration
	for done := 0; done < n; {
		k := min(100_000, n-done)
		recs, _ := gen.Cobrowse("x", k, 10_000)
		cols.Reset()
		for _, r := range recs {
			if err := codec.DecodeCobrowse(r.Value, &ev); err != nil {
				return 0, err
			}
			cols.Append(&ev)
		}
		start := time.Now()
		b, err := conn.PrepareBatch(ctx, stmt)
		if err != nil {
			return 0, err
		}
		for i, v := range cols.Columns(profile) {
			if err := b.Column(i).Append(v); err != nil {
				b.Close()
				return 0, err
			}
		}
		if err := b.Send(); err != nil {
			b.Close()
			return 0, err
		}
		b.Close()
		spent += time.Since(start)
		done += k
	}
	return float64(n) / spent.Seconds(), nil
}

func inserted(reg *prometheus.Registry) float64 {
	mfs, _ := reg.Gather()
	var v float64
	for _, mf := range mfs {
		if mf.GetName() == "auditstream_consumer_records_inserted_total" {
			for _, m := range mf.GetMetric() {
				v += m.GetCounter().GetValue()
			}
		}
	}
	return v
}

func rusage() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru) // cannot fail for RUSAGE_SELF
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
