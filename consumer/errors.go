package consumer

import (
	"errors"

	"github.com/auditstream/auditstream/event"
)

// Decoder turns Kafka record values (Confluent-framed Avro) into events. *event.Codec
// implements it; tests may pass their own. Implementations must be safe for use by one
// goroutine at a time with different target structs.
type Decoder interface {
	DecodeAudit(b []byte, a *event.Audit) error
	DecodeCobrowse(b []byte, c *event.Cobrowse) error
}

// Reason is why a record was dead-lettered: the value of the auditstream-dlq-reason header.
type Reason string

// The dead-letter reasons (docs/design.md).
const (
	ReasonDecode        Reason = "decode"         // the value is not a decodable framed Avro record
	ReasonUnknownSchema Reason = "unknown-schema" // the schema ID is not known to the codec
	ReasonValidation    Reason = "validation"     // decoded, but the event is invalid
)

// Errors of this package.
var (
	// ErrUnknownColumn means an insert column list names a column this consumer does not
	// know how to fill: the ClickHouse schema is newer than this build.
	ErrUnknownColumn = errors.New("consumer: unknown column")
	// ErrClosed is returned by Run when the consumer was already run or closed.
	ErrClosed = errors.New("consumer: closed")
	// ErrInvalidConfig wraps configuration errors from New and LoadConfig.
	ErrInvalidConfig = errors.New("consumer: invalid config")
)

// recordError is why one record cannot be inserted; it sends the record to the DLQ.
type recordError struct {
	Reason Reason
	Err    error
}

func (e *recordError) Error() string { return string(e.Reason) + ": " + e.Err.Error() }
func (e *recordError) Unwrap() error { return e.Err }

// decodeError classifies a codec error.
func decodeError(err error) *recordError {
	if errors.Is(err, event.ErrUnknownSchema) {
		return &recordError{Reason: ReasonUnknownSchema, Err: err}
	}
	return &recordError{Reason: ReasonDecode, Err: err}
}
