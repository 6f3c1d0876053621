package consumer

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/auditstream/auditstream/event"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// rowSet is the columns of one table's batch: a chschema column builder (which owns the
// mapping from events to insert columns) plus the consumer's decode-and-validate step,
// which decides what goes to the dead-letter topic instead.
type rowSet interface {
	// decodeAppend decodes one record value, validates it and appends it as a row. On
	// error nothing is appended and the error is a *recordError.
	decodeAppend(dec Decoder, value []byte) error
	// overhead is the fixed in-memory cost of one row in these columns (headers of the
	// slices and strings), added to the record size to estimate buffered bytes.
	overhead() int

	// Implemented by chschema.CobrowseColumns and chschema.AuditColumns.
	Len() int
	Reset()
	Filter(keep []bool)
	EventIDs() []uuid.UUID
	EventMillis() []int64
	Columns(p chschema.Profile) []any
}

func newRowSet(table string) (rowSet, error) {
	switch table {
	case chschema.TableCobrowse:
		return &cobrowseRows{}, nil
	case chschema.TableAudit:
		return &auditRows{}, nil
	}
	return nil, fmt.Errorf("consumer: unknown table %q", table)
}

// cobrowseRows are the columns of cobrowse_events.
type cobrowseRows struct {
	chschema.CobrowseColumns
	scratch event.Cobrowse
}

func (r *cobrowseRows) decodeAppend(dec Decoder, value []byte) error {
	ev := &r.scratch
	*ev = event.Cobrowse{}
	if err := dec.DecodeCobrowse(value, ev); err != nil {
		return decodeError(err)
	}
	if err := ev.Validate(); err != nil {
		return &recordError{Reason: ReasonValidation, Err: err}
	}
	r.Append(ev)
	return nil
}

// overhead: 11 string headers (16 B), a UUID, 4 eight-byte values, 3 one-byte values.
func (r *cobrowseRows) overhead() int { return 11*16 + 16 + 4*8 + 3 }

// auditRows are the columns of audit_events.
type auditRows struct {
	chschema.AuditColumns
	scratch event.Audit
}

func (r *auditRows) decodeAppend(dec Decoder, value []byte) error {
	ev := &r.scratch
	*ev = event.Audit{}
	if err := dec.DecodeAudit(value, ev); err != nil {
		return decodeError(err)
	}
	if err := ev.Validate(); err != nil {
		return &recordError{Reason: ReasonValidation, Err: err}
	}
	r.Append(ev)
	return nil
}

// overhead: 12 string headers, 3 slice headers (24 B), a UUID, an eight-byte value, 2
// one-byte values.
func (r *auditRows) overhead() int { return 12*16 + 3*24 + 16 + 8 + 2 }
