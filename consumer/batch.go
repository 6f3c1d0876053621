package consumer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/google/uuid"

	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// unit is something offsets wait for: a batch's insert or a poll's dead-letter writes.
// A new unit is made for every batch generation, so a recycled batch never marks an
// old generation's offsets done.
type unit struct{ done atomic.Bool }

// OffsetRange is the span of one partition's offsets held by a batch. The batch holds
// the records of that span that decoded; the rest of the span went to the DLQ.
type OffsetRange struct {
	Topic       string
	Partition   int32
	First, Last int64
}

// Batch is one table's rows for a single insert, with the Kafka offsets they came from.
// A Batch is built by the consumer and handed to a Sink; it is read-only for the sink
// and must not be retained after Insert returns.
type Batch struct {
	table  string
	topic  string
	rows   rowSet
	part   []int32 // partition of each row, to drop a lost partition's rows
	size   []int32 // estimated bytes of each row
	ranges map[int32]*OffsetRange
	bytes  int
	unit   *unit
	// trigger is what sealed the batch (for logs).
	trigger Trigger
}

func newBatch(table, topic string) (*Batch, error) {
	rows, err := newRowSet(table)
	if err != nil {
		return nil, err
	}
	return &Batch{table: table, topic: topic, rows: rows, ranges: map[int32]*OffsetRange{}, unit: &unit{}}, nil
}

// Table returns the ClickHouse table the batch is for.
func (b *Batch) Table() string { return b.table }

// Len returns the number of rows.
func (b *Batch) Len() int { return len(b.part) }

// Bytes returns the estimated in-memory size of the rows (record bytes plus a fixed
// per-row overhead of the column buffers).
func (b *Batch) Bytes() int { return b.bytes }

// Columns returns the rows as one typed slice per column of chschema.InsertColumns(p,
// table), in that order, ready for clickhouse-go's BatchColumn.Append (a custom Sink
// inserts them the way ClickHouseSink does). The slices alias the batch until it is reset.
func (b *Batch) Columns(p chschema.Profile) []any { return b.rows.Columns(p) }

// EventIDs returns the event_id column.
func (b *Batch) EventIDs() []uuid.UUID { return b.rows.EventIDs() }

// Ranges returns the offset span of every partition in the batch, ordered by partition.
func (b *Batch) Ranges() []OffsetRange {
	out := make([]OffsetRange, 0, len(b.ranges))
	for _, r := range b.ranges {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b OffsetRange) int { return int(a.Partition - b.Partition) })
	return out
}

// DedupToken returns a deterministic insert_deduplication_token for the batch:
// table, then topic/partition/first-last for each partition in partition order. A retry
// of the same batch sends the same token, so ClickHouse (modern profile) discards an
// insert that had succeeded but whose acknowledgement was lost.
func (b *Batch) DedupToken() string {
	var sb strings.Builder
	sb.WriteString(b.table)
	for _, r := range b.Ranges() {
		sb.WriteByte(',')
		sb.WriteString(r.Topic)
		sb.WriteByte('/')
		sb.WriteString(strconv.FormatInt(int64(r.Partition), 10))
		sb.WriteByte('/')
		sb.WriteString(strconv.FormatInt(r.First, 10))
		sb.WriteByte('-')
		sb.WriteString(strconv.FormatInt(r.Last, 10))
	}
	return sb.String()
}

func (b *Batch) String() string {
	return fmt.Sprintf("%s batch of %d rows (%d B) %s", b.table, b.Len(), b.bytes, b.DedupToken())
}

// note records that the last appended row came from partition p at offset o.
func (b *Batch) note(p int32, o int64, n int) {
	b.part = append(b.part, p)
	b.size = append(b.size, int32(n))
	b.bytes += n
	if r := b.ranges[p]; r != nil {
		r.Last = o
		return
	}
	b.ranges[p] = &OffsetRange{Topic: b.topic, Partition: p, First: o, Last: o}
}

// drop removes the rows of the given partitions; it returns the bytes released.
// Used only when partitions are lost (never for partitions we still own).
func (b *Batch) drop(parts map[int32]bool) int {
	hit := false
	for p := range parts {
		if b.ranges[p] != nil {
			hit = true
			delete(b.ranges, p)
		}
	}
	if !hit {
		return 0
	}
	keep := make([]bool, len(b.part))
	released := 0
	for i, p := range b.part {
		if keep[i] = !parts[p]; !keep[i] {
			released += int(b.size[i])
		}
	}
	b.rows.Filter(keep)
	b.part, b.size = keepRows(b.part, keep), keepRows(b.size, keep)
	b.bytes -= released
	return released
}

// reset empties the batch for reuse with a fresh unit. The rows' references to decoded
// values are dropped so that they can be collected.
func (b *Batch) reset() {
	b.rows.Reset()
	b.part, b.size = b.part[:0], b.size[:0]
	clear(b.ranges)
	b.bytes = 0
	b.unit = &unit{}
	b.trigger = TriggerNone
}

// keepRows keeps the elements i of s with keep[i], in order.
func keepRows(s []int32, keep []bool) []int32 {
	n := 0
	for i, ok := range keep {
		if ok {
			s[n] = s[i]
			n++
		}
	}
	return s[:n]
}
