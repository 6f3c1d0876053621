package consumer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The headers a dead-letter record carries in addition to the original record's headers
// (docs/design.md, "Dead-letter record").
const (
	HeaderReason    = "auditstream-dlq-reason"    // Reason: decode, unknown-schema, validation
	HeaderError     = "auditstream-dlq-error"     // the error message
	HeaderTopic     = "auditstream-dlq-topic"     // source topic
	HeaderPartition = "auditstream-dlq-partition" // source partition (decimal)
	HeaderOffset    = "auditstream-dlq-offset"    // source offset (decimal)
	HeaderTime      = "auditstream-dlq-time"      // when it was dead-lettered (RFC 3339)
)

// maxErrorHeader bounds the error text stored in a header.
const maxErrorHeader = 1024

// deadLetterRecord builds the DLQ record for r: its key, value and headers, plus the
// reason headers.
func deadLetterRecord(r *kgo.Record, dlqTopic string, reason Reason, err error, now time.Time) *kgo.Record {
	msg := err.Error()
	if len(msg) > maxErrorHeader {
		msg = msg[:maxErrorHeader]
	}
	h := make([]kgo.RecordHeader, 0, len(r.Headers)+6)
	h = append(h, r.Headers...)
	h = append(h,
		kgo.RecordHeader{Key: HeaderReason, Value: []byte(reason)},
		kgo.RecordHeader{Key: HeaderError, Value: []byte(msg)},
		kgo.RecordHeader{Key: HeaderTopic, Value: []byte(r.Topic)},
		kgo.RecordHeader{Key: HeaderPartition, Value: strconv.AppendInt(nil, int64(r.Partition), 10)},
		kgo.RecordHeader{Key: HeaderOffset, Value: strconv.AppendInt(nil, r.Offset, 10)},
		kgo.RecordHeader{Key: HeaderTime, Value: []byte(now.UTC().Format(time.RFC3339))},
	)
	return &kgo.Record{Topic: dlqTopic, Key: r.Key, Value: r.Value, Headers: h}
}

// DeadLetter is a parsed dead-letter record.
type DeadLetter struct {
	Reason    Reason
	Error     string
	Topic     string // source topic
	Partition int32  // source partition
	Offset    int64  // source offset
	Time      time.Time
	Key       []byte
	Value     []byte
	Headers   []kgo.RecordHeader // the original record's headers (without the dlq headers)

	DLQPartition int32 // where the dead letter itself sits
	DLQOffset    int64
}

// ErrNotDeadLetter is returned by ParseDeadLetter for a record without the dlq headers.
var ErrNotDeadLetter = errors.New("consumer: not a dead-letter record")

// ParseDeadLetter reads a record of the dead-letter topic.
func ParseDeadLetter(r *kgo.Record) (DeadLetter, error) {
	d := DeadLetter{Key: r.Key, Value: r.Value, DLQPartition: r.Partition, DLQOffset: r.Offset}
	var seen int
	for _, h := range r.Headers {
		if !strings.HasPrefix(h.Key, "auditstream-dlq-") {
			d.Headers = append(d.Headers, h)
			continue
		}
		seen++
		v := string(h.Value)
		var err error
		switch h.Key {
		case HeaderReason:
			d.Reason = Reason(v)
		case HeaderError:
			d.Error = v
		case HeaderTopic:
			d.Topic = v
		case HeaderPartition:
			var p int64
			p, err = strconv.ParseInt(v, 10, 32)
			d.Partition = int32(p)
		case HeaderOffset:
			d.Offset, err = strconv.ParseInt(v, 10, 64)
		case HeaderTime:
			d.Time, err = time.Parse(time.RFC3339, v)
		}
		if err != nil {
			return d, fmt.Errorf("consumer: dead letter %d/%d: header %s: %w", r.Partition, r.Offset, h.Key, err)
		}
	}
	if seen == 0 || d.Topic == "" {
		return d, fmt.Errorf("%w (partition %d offset %d)", ErrNotDeadLetter, r.Partition, r.Offset)
	}
	return d, nil
}

// Original returns the record as it was before it was dead-lettered, addressed to its
// source topic: what a replay produces.
func (d DeadLetter) Original() *kgo.Record {
	return &kgo.Record{Topic: d.Topic, Key: d.Key, Value: d.Value, Headers: d.Headers}
}

// ScanDeadLetters reads the dead-letter topic from its start up to its end as of the
// call and calls fn for every record, in partition order per partition. Records that do
// not parse are passed with a non-nil error. opts must name the brokers (kgo.SeedBrokers);
// ScanDeadLetters adds the consumption options itself. It stops at fn's first error.
func ScanDeadLetters(ctx context.Context, topic string, fn func(DeadLetter, error) error, opts ...kgo.Opt) error {
	admin, err := kgo.NewClient(opts...)
	if err != nil {
		return err
	}
	ends, err := kadm.NewClient(admin).ListEndOffsets(ctx, topic)
	admin.Close()
	if err != nil {
		return fmt.Errorf("consumer: end offsets of %s: %w", topic, err)
	}
	if err := ends.Error(); err != nil {
		return fmt.Errorf("consumer: end offsets of %s: %w", topic, err)
	}
	remaining := map[int32]int64{}
	start := map[string]map[int32]kgo.Offset{topic: {}}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			remaining[o.Partition] = o.Offset
			start[topic][o.Partition] = kgo.NewOffset().AtStart()
		}
	})
	if len(remaining) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(append(opts, kgo.ConsumePartitions(start))...)
	if err != nil {
		return err
	}
	defer cl.Close()
	for len(remaining) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) { ferr = fmt.Errorf("consumer: fetch %s/%d: %w", t, p, err) })
		if ferr != nil {
			return ferr
		}
		for it := fs.RecordIter(); !it.Done(); {
			r := it.Next()
			end, ok := remaining[r.Partition]
			if !ok || r.Offset >= end {
				continue
			}
			d, perr := ParseDeadLetter(r)
			if err := fn(d, perr); err != nil {
				return err
			}
			if r.Offset+1 >= end {
				delete(remaining, r.Partition)
			}
		}
	}
	return nil
}
