package consumer

import "time"

// Trigger says why a batch was flushed; it is the "trigger" label of
// auditstream_consumer_flushes_total.
type Trigger string

// The flush triggers.
const (
	TriggerNone     Trigger = ""         // Add: no flush needed yet
	TriggerRows     Trigger = "rows"     // the batch reached MaxRows
	TriggerBytes    Trigger = "bytes"    // the batch reached MaxBytes
	TriggerAge      Trigger = "age"      // the batch's first row is MaxAge old
	TriggerRevoke   Trigger = "revoke"   // partitions are being revoked: flush before giving them up
	TriggerShutdown Trigger = "shutdown" // the consumer is stopping
)

// BatchPolicy decides when a batch is flushed: whichever of its limits is reached first.
// A zero limit is replaced by its Default* value; the policy itself never flushes an
// empty batch.
type BatchPolicy struct {
	MaxRows  int           `yaml:"max_rows"`  // rows per insert; default DefaultBatchMaxRows
	MaxBytes int           `yaml:"max_bytes"` // estimated bytes per insert; default DefaultBatchMaxBytes
	MaxAge   time.Duration `yaml:"max_age"`   // age of the oldest row; default DefaultBatchMaxAge
}

func (p *BatchPolicy) setDefaults() {
	if p.MaxRows <= 0 {
		p.MaxRows = DefaultBatchMaxRows
	}
	if p.MaxBytes <= 0 {
		p.MaxBytes = DefaultBatchMaxBytes
	}
	if p.MaxAge <= 0 {
		p.MaxAge = DefaultBatchMaxAge
	}
}

// batchState is the running state of one open batch under a BatchPolicy. Not safe for
// concurrent use; the consumer guards it with its mutex.
type batchState struct {
	policy BatchPolicy
	rows   int
	bytes  int
	first  time.Time // when the first row was added; zero while empty
}

// Add records one row of n bytes added at now and says whether the batch must be flushed.
func (s *batchState) Add(n int, now time.Time) Trigger {
	if s.rows == 0 {
		s.first = now
	}
	s.rows++
	s.bytes += n
	switch {
	case s.rows >= s.policy.MaxRows:
		return TriggerRows
	case s.bytes >= s.policy.MaxBytes:
		return TriggerBytes
	case now.Sub(s.first) >= s.policy.MaxAge:
		return TriggerAge
	}
	return TriggerNone
}

// UntilNext returns how long until the open batch is due by age; ok is false while the
// batch is empty (nothing to flush, no timer needed).
func (s *batchState) UntilNext(now time.Time) (d time.Duration, ok bool) {
	if s.rows == 0 {
		return 0, false
	}
	return max(0, s.policy.MaxAge-now.Sub(s.first)), true
}

// Reset empties the state after the batch was sealed.
func (s *batchState) Reset() { s.rows, s.bytes, s.first = 0, 0, time.Time{} }
