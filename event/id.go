package event

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// lastTick is the newest (unix_ms << 16 | counter) handed out by NewID in this process.
var lastTick atomic.Uint64

// node is this process's random 58-bit ID tail, drawn once at start-up.
var node = rand.Uint64() >> 6

// NewID returns a new UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, a 16-bit counter
// within the millisecond (RFC 9562 method 1: 12 bits in rand_a, 4 at the top of rand_b),
// then 58 bits drawn at random once per process. Safe for concurrent use.
//
// Uniqueness: (millisecond, counter) never repeats within a process (past 65536 IDs in one
// millisecond the counter carries into the timestamp, which runs briefly ahead of the clock,
// as the RFC allows); two processes share a tail with probability 2^-58. Order: IDs made
// later in this process sort later.
//
// Why a per-process tail instead of fresh random bits per ID: ClickHouse stores the IDs of a
// session (or a user's actions) next to each other, and they mostly come from one producer.
// With a shared tail, neighbouring IDs differ only in their time and counter bits, so the
// event_id column compresses to a few bytes per row instead of about 8 bytes of incompressible
// randomness (random tails were over a third of the stored bytes). The IDs are identifiers,
// not secrets: do not use them as capabilities. No system call, no allocation (~60 ns).
func NewID() ID {
	now := uint64(time.Now().UnixMilli()) << 16
	for {
		last := lastTick.Load()
		tick := max(now, last+1)
		if lastTick.CompareAndSwap(last, tick) {
			return newIDAt(tick, node)
		}
	}
}

// newIDAt lays out a UUIDv7 from a tick (unix_ms << 16 | counter) and a 58-bit tail.
func newIDAt(tick, tail uint64) ID {
	var id ID
	ms, hi, lo := tick>>16, tick>>4&0xfff, tick&0xf
	binary.BigEndian.PutUint64(id[0:8], ms<<16|0x7000|hi)                                   // unix_ms, version 7, counter high
	binary.BigEndian.PutUint64(id[8:16], 0x8000000000000000|lo<<58|tail&0x03ffffffffffffff) // variant 10, counter low, tail
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
