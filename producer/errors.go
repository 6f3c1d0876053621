package producer

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	// ErrClosed is returned by an emit on a closed (or closing) Producer. Nothing
	// was buffered.
	ErrClosed = errors.New("producer: closed")

	// ErrBufferFull is returned by an emit under the FailWhenFull policy when
	// MaxBufferedRecords or MaxBufferedBytes are reached. Nothing was buffered;
	// the caller may retry later or shed the event.
	ErrBufferFull = errors.New("producer: buffer full")

	// ErrTooLarge is matched (errors.Is) by a *TooLargeError.
	ErrTooLarge = errors.New("producer: event too large")
)

// TooLargeError is returned by an emit whose encoded event (key + value) cannot
// fit one record batch (BatchMaxBytes). Nothing was buffered. Typically a
// PLUGIN_CHANGE or SETTINGS_CHANGE configuration, or a MEETING_CHANGE conference
// document, is too big: store it elsewhere and emit a reference.
type TooLargeError struct {
	Category string // "audit" or "cobrowse"
	Type     string // the event type, as in the catalogue
	Size     int    // key + encoded value, in bytes
	Limit    int    // the largest key + value a batch can hold
}

// Error implements error.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("producer: %s event %s is %d bytes encoded, above the %d-byte limit (BatchMaxBytes less record overhead)",
		e.Category, e.Type, e.Size, e.Limit)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// FlushError is returned by Flush and Close when events failed delivery since
// the previous Flush or Close returned. Each failed event was also reported to
// its own callback (if it had one) and counted in
// auditstream_producer_failed_total.
type FlushError struct {
	Failed int64 // how many events failed
	First  error // the first failure's error
}

// Error implements error.
func (e *FlushError) Error() string {
	return fmt.Sprintf("producer: %d event(s) failed delivery, first: %v", e.Failed, e.First)
}

// Unwrap returns the first failure's error.
func (e *FlushError) Unwrap() error { return e.First }

// IsRetryable reports whether a delivery error (from a callback, a Sync emit, or
// a FlushError) is transient, so emitting the same event again (same EventID,
// deduplicated downstream) may succeed: the buffer was full, the delivery timed
// out or exhausted its retries, or the broker answered with a retriable Kafka
// error. Validation errors, oversize events and a closed producer are not
// retryable.
func IsRetryable(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, ErrClosed), errors.Is(err, ErrTooLarge), errors.Is(err, kgo.ErrClientClosed):
		return false
	case errors.Is(err, ErrBufferFull), errors.Is(err, kgo.ErrRecordTimeout), errors.Is(err, kgo.ErrRecordRetries):
		return true
	}
	return kerr.IsRetriable(err)
}
