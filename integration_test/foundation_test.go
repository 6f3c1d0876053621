package integration_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/internal/testenv"
	"github.com/auditstream/auditstream/internal/topics"
)

// TestFoundationKafkaGroupCommit proves the Kafka side is real: records produced to a
// multi-partition topic are consumed exactly once through a consumer group, in offset order per
// partition; the offsets it commits are what kadm reads back; and a new member of the same group
// resumes after them.
func TestFoundationKafkaGroupCommit(t *testing.T) {
	env := testenv.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const partitions, n, more = 3, 5000, 500
	topic := env.Topic(t, partitions)
	group := env.Group(t)

	// The topics package is what production uses; a second Ensure of an existing topic is a no-op.
	res, err := topics.EnsureResults(ctx, env.Admin(), topics.Spec{Name: topic, Partitions: 7})
	if err != nil {
		t.Fatalf("Ensure on existing topic: %v", err)
	}
	if res[0].Created || res[0].Partitions != partitions {
		t.Fatalf("Ensure on existing topic: %+v, want not created with %d partitions", res[0], partitions)
	}

	produce(ctx, t, env, topic, 0, n)
	consumeAndCommit(ctx, t, env, topic, group, 0, n)

	offsets, err := env.Admin().FetchOffsets(ctx, group)
	if err != nil {
		t.Fatalf("fetch committed offsets: %v", err)
	}
	if err := offsets.Error(); err != nil {
		t.Fatalf("fetch committed offsets: %v", err)
	}
	ends, err := env.Admin().ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	var committed int64
	for p := int32(0); p < partitions; p++ {
		o, ok := offsets.Lookup(topic, p)
		if !ok {
			t.Fatalf("no committed offset for partition %d", p)
		}
		end, _ := ends.Lookup(topic, p)
		if o.At != end.Offset {
			t.Errorf("partition %d: committed %d, end offset %d", p, o.At, end.Offset)
		}
		committed += o.At
	}
	if committed != n {
		t.Fatalf("committed offsets sum to %d, want %d", committed, n)
	}

	// A new member of the same group starts at the committed offsets: it sees only new records.
	produce(ctx, t, env, topic, n, more)
	consumeAndCommit(ctx, t, env, topic, group, n, more)
}

// produce writes records with values "first".."first+count-1", keyed so they spread over the
// partitions.
func produce(ctx context.Context, t *testing.T, env *testenv.Env, topic string, first, count int) {
	t.Helper()
	cl := env.KafkaClient(t, kgo.DefaultProduceTopic(topic))
	recs := make([]*kgo.Record, 0, count)
	for i := first; i < first+count; i++ {
		recs = append(recs, &kgo.Record{Key: []byte("k" + strconv.Itoa(i%97)), Value: []byte(strconv.Itoa(i))})
	}
	start := time.Now()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	t.Logf("produced %d records in %v", count, time.Since(start).Round(time.Millisecond))
}

// consumeAndCommit consumes exactly the values first..first+count-1 through group, checks each
// arrives once and partitions advance in order, commits, and leaves the group.
func consumeAndCommit(ctx context.Context, t *testing.T, env *testenv.Env, topic, group string, first, count int) {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(env.KafkaBrokers...),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topic),
		kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close() // leaves the group

	seen := make(map[int]bool, count)
	lastOffset := map[int32]int64{}
	start := time.Now()
	for len(seen) < count {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records before timeout: %v", len(seen), count, err)
		}
		fetches.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fetches.EachRecord(func(r *kgo.Record) {
			v, err := strconv.Atoi(string(r.Value))
			if err != nil || v < first || v >= first+count {
				t.Fatalf("unexpected record %q at %d/%d", r.Value, r.Partition, r.Offset)
			}
			if seen[v] {
				t.Fatalf("record %d delivered twice", v)
			}
			seen[v] = true
			if last, ok := lastOffset[r.Partition]; ok && r.Offset <= last {
				t.Fatalf("partition %d: offset %d after %d", r.Partition, r.Offset, last)
			}
			lastOffset[r.Partition] = r.Offset
		})
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("commit: %v", err)
	}
	t.Logf("consumed and committed %d records from %d partitions in %v", count, len(lastOffset), time.Since(start).Round(time.Millisecond))

	// Nothing beyond what was produced may arrive.
	extraCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if extra := cl.PollFetches(extraCtx).NumRecords(); extra != 0 {
		t.Fatalf("%d unexpected extra records", extra)
	}
}

// TestFoundationClickHouseBatchInsert proves the ClickHouse side is real: 200k rows inserted
// with columnar appends (explicit column list) into a MergeTree table read back identical.
func TestFoundationClickHouseBatchInsert(t *testing.T) {
	env := testenv.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	db := env.Database(t)
	conn := env.ClickHouse(t, db)

	// Types this pipeline uses; DateTime (not DateTime64) so the table loads on 18.16 too.
	if err := conn.Exec(ctx, `
		CREATE TABLE rows (
			event_id   UUID,
			tenant_id  String,
			seq        UInt64,
			event_time DateTime,
			kind       Enum8('UNKNOWN' = 0, 'CLICK' = 1, 'SCROLL' = 2),
			scroll_y   Int64,
			tags       Array(String)
		) ENGINE = MergeTree ORDER BY (tenant_id, seq)`); err != nil {
		t.Fatalf("create table: %v", err)
	}

	const batches, perBatch = 2, 100_000
	const total = batches * perBatch
	base := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	type row struct {
		id     uuid.UUID
		tenant string
		seq    uint64
		ts     time.Time
		kind   string
		y      int64
		tags   []string
	}
	want := make([]row, total)
	for i := range want {
		want[i] = row{
			id:     uuid.New(),
			tenant: "tenant-" + strconv.Itoa(i%17),
			seq:    uint64(i),
			ts:     base.Add(time.Duration(i) * time.Second),
			kind:   []string{"UNKNOWN", "CLICK", "SCROLL"}[i%3],
			y:      int64(i%1000) - 500,
			tags:   []string{"t" + strconv.Itoa(i%5), fmt.Sprintf("x%d", i%7)}[:i%3],
		}
	}

	start := time.Now()
	for b := 0; b < batches; b++ {
		part := want[b*perBatch : (b+1)*perBatch]
		var (
			ids     = make([]uuid.UUID, 0, perBatch)
			tenants = make([]string, 0, perBatch)
			seqs    = make([]uint64, 0, perBatch)
			times   = make([]time.Time, 0, perBatch)
			kinds   = make([]string, 0, perBatch)
			ys      = make([]int64, 0, perBatch)
			tags    = make([][]string, 0, perBatch)
		)
		for _, r := range part {
			ids, tenants, seqs, times = append(ids, r.id), append(tenants, r.tenant), append(seqs, r.seq), append(times, r.ts)
			kinds, ys, tags = append(kinds, r.kind), append(ys, r.y), append(tags, r.tags)
		}
		batch, err := conn.PrepareBatch(ctx, "INSERT INTO rows (event_id, tenant_id, seq, event_time, kind, scroll_y, tags)")
		if err != nil {
			t.Fatalf("prepare batch: %v", err)
		}
		for i, col := range []any{ids, tenants, seqs, times, kinds, ys, tags} {
			if err := batch.Column(i).Append(col); err != nil {
				_ = batch.Abort()
				t.Fatalf("append column %d: %v", i, err)
			}
		}
		if err := batch.Send(); err != nil {
			t.Fatalf("send batch %d: %v", b, err)
		}
	}
	elapsed := time.Since(start)
	t.Logf("inserted %d rows in %v (%.0f rows/s, columnar, %d-row batches)", total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), perBatch)

	// Server-side aggregate check, then a full read-back.
	var wantSeqSum, wantY int64
	var wantTags uint64
	for _, r := range want {
		wantSeqSum += int64(r.seq)
		wantY += r.y
		wantTags += uint64(len(r.tags))
	}
	var (
		count, seqSum, tagCount uint64
		ySum                    int64
	)
	if err := conn.QueryRow(ctx, "SELECT count(), sum(seq), sum(scroll_y), sum(length(tags)) FROM rows").
		Scan(&count, &seqSum, &ySum, &tagCount); err != nil {
		t.Fatalf("aggregate: %v", err)
	}
	if count != total || int64(seqSum) != wantSeqSum || ySum != wantY || tagCount != wantTags {
		t.Fatalf("aggregates: count %d sum(seq) %d sum(y) %d tags %d; want %d %d %d %d",
			count, seqSum, ySum, tagCount, total, wantSeqSum, wantY, wantTags)
	}

	rows, err := conn.Query(ctx, "SELECT event_id, tenant_id, seq, event_time, kind, scroll_y, tags FROM rows ORDER BY seq")
	if err != nil {
		t.Fatalf("select: %v", err)
	}
	defer func() { _ = rows.Close() }()
	i := 0
	for ; rows.Next(); i++ {
		var got row
		if err := rows.Scan(&got.id, &got.tenant, &got.seq, &got.ts, &got.kind, &got.y, &got.tags); err != nil {
			t.Fatalf("scan row %d: %v", i, err)
		}
		w := want[i]
		if got.id != w.id || got.tenant != w.tenant || got.seq != w.seq || !got.ts.Equal(w.ts) ||
			got.kind != w.kind || got.y != w.y || fmt.Sprint(got.tags) != fmt.Sprint(w.tags) {
			t.Fatalf("row %d: got %+v, want %+v", i, got, w)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}
	if i != total {
		t.Fatalf("read back %d rows, want %d", i, total)
	}
}
