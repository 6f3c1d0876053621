package event

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// NewID returns a new UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random
// bits, so IDs of later milliseconds sort later and compress well in a sorted column.
// Safe for concurrent use.
//
// The random bits come from math/rand/v2's runtime ChaCha8 generator, not crypto/rand:
// IDs must be unique, not secret, and this saves a system call and an allocation per
// event on the producer's hot path (about 70 ns instead of 200+ ns).
func NewID() ID {
	return newIDAt(time.Now().UnixMilli(), rand.Uint64(), rand.Uint64())
}

// newIDAt lays out a UUIDv7 from a millisecond timestamp and two random words.
func newIDAt(ms int64, r1, r2 uint64) ID {
	var id ID
	binary.BigEndian.PutUint64(id[0:8], uint64(ms)<<16|r1&0x0fff|0x7000)           // version 7 + rand_a
	binary.BigEndian.PutUint64(id[8:16], r2&0x3fffffffffffffff|0x8000000000000000) // variant 10 + rand_b
	return id
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
