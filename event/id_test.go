package event

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestNewIDIsUUIDv7(t *testing.T) {
	before := time.Now().Truncate(time.Millisecond)
	seen := make(map[ID]bool, 100_000)
	for range 100_000 {
		id := NewID()
		u := uuid.UUID(id)
		if u.Version() != 7 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("%s: version %d variant %v, want 7 RFC 4122", id, u.Version(), u.Variant())
		}
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
	id := NewID()
	if got := id.Time(); got.Before(before) || got.After(time.Now()) {
		t.Fatalf("Time() = %v, want between %v and now", got, before)
	}
	back, err := ParseID(id.String())
	if err != nil || back != id {
		t.Fatalf("ParseID(String()) = %v, %v; want %v", back, err, id)
	}
}

func TestIDsOfLaterMillisecondsSortLater(t *testing.T) {
	// Worst case for ordering: the earlier ID has all random bits set, the later none.
	early := newIDAt(1_700_000_000_000<<16|0xffff, ^uint64(0)>>6)
	late := newIDAt(1_700_000_000_001<<16, 0)
	if bytes.Compare(early[:], late[:]) >= 0 {
		t.Fatalf("%s does not sort before %s", early, late)
	}
	if got := late.Time().UnixMilli(); got != 1_700_000_000_001 {
		t.Fatalf("Time() = %d ms, want 1700000000001", got)
	}
}

func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = NewID()
	}
}
