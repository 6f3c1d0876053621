package event

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// NewID returns a new UUIDv7: 48 bits of Unix milliseconds, then random bits (with
// google/uuid's monotonic counter within one millisecond in this process), so IDs
// generated later sort later. Safe for concurrent use.
func NewID() ID {
	// NewV7 fails only if crypto/rand fails, which since Go 1.24 crashes the program
	// instead of returning an error.
	return ID(uuid.Must(uuid.NewV7()))
}

// ParseID parses the textual forms of a UUID (canonical 36-character, urn:uuid:, braced,
// or 32 hex digits) into an ID.
func ParseID(s string) (ID, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return ID{}, fmt.Errorf("event: parse id %q: %w", s, err)
	}
	return ID(u), nil
}

// String returns the canonical form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
func (id ID) String() string { return uuid.UUID(id).String() }

// IsZero reports whether id is the zero (nil) UUID, i.e. not set.
func (id ID) IsZero() bool { return id == ID{} }

// Time returns the creation time embedded in a UUIDv7, or the zero time for other
// versions.
func (id ID) Time() time.Time {
	if id[6]>>4 != 7 {
		return time.Time{}
	}
	ms := int64(id[0])<<40 | int64(id[1])<<32 | int64(id[2])<<24 | int64(id[3])<<16 | int64(id[4])<<8 | int64(id[5])
	return time.UnixMilli(ms).UTC()
}

// MarshalText implements encoding.TextMarshaler (the canonical form).
func (id ID) MarshalText() ([]byte, error) { return uuid.UUID(id).MarshalText() }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *ID) UnmarshalText(b []byte) error {
	p, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = p
	return nil
}
