package consumer

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/auditstream/auditstream/event"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

func TestBatchPolicy(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name   string
		policy BatchPolicy
		adds   []int         // row sizes, added one per millisecond
		want   []Trigger     // trigger after each add
		until  time.Duration // UntilNext after the adds
	}{
		{"rows", BatchPolicy{MaxRows: 3, MaxBytes: 1 << 20, MaxAge: time.Second}, []int{1, 1, 1},
			[]Trigger{TriggerNone, TriggerNone, TriggerRows}, time.Second - 2*time.Millisecond},
		{"bytes", BatchPolicy{MaxRows: 100, MaxBytes: 250, MaxAge: time.Second}, []int{100, 100, 100},
			[]Trigger{TriggerNone, TriggerNone, TriggerBytes}, time.Second - 2*time.Millisecond},
		{"age", BatchPolicy{MaxRows: 100, MaxBytes: 1 << 20, MaxAge: 2 * time.Millisecond}, []int{1, 1, 1},
			[]Trigger{TriggerNone, TriggerNone, TriggerAge}, 0},
		{"rows before bytes", BatchPolicy{MaxRows: 1, MaxBytes: 1, MaxAge: time.Second}, []int{5},
			[]Trigger{TriggerRows}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			p.setDefaults()
			s := batchState{policy: p}
			if _, ok := s.UntilNext(t0); ok {
				t.Fatal("an empty batch has a deadline")
			}
			now := t0
			for i, n := range tt.adds {
				now = t0.Add(time.Duration(i) * time.Millisecond)
				if got := s.Add(n, now); got != tt.want[i] {
					t.Fatalf("Add #%d = %q, want %q", i, got, tt.want[i])
				}
			}
			if d, ok := s.UntilNext(now); !ok || d != tt.until {
				t.Fatalf("UntilNext = %v, %v; want %v", d, ok, tt.until)
			}
			s.Reset()
			if _, ok := s.UntilNext(now); ok {
				t.Fatal("deadline after Reset")
			}
		})
	}
}

func TestPolicyDefaults(t *testing.T) {
	var p BatchPolicy
	p.setDefaults()
	if p != (BatchPolicy{DefaultBatchMaxRows, DefaultBatchMaxBytes, DefaultBatchMaxAge}) {
		t.Fatalf("zero policy defaults to %+v", p)
	}
}

func TestPartStateCommitsOnlyTheCompletedPrefix(t *testing.T) {
	a, dlq, b := &unit{}, &unit{}, &unit{}
	ps := newPartState()
	for _, r := range []struct {
		u   *unit
		off int64
	}{{a, 10}, {a, 11}, {dlq, 12}, {a, 13}, {b, 14}, {b, 15}} {
		ps.add(r.u, r.off, 3)
	}
	if len(ps.runs) != 4 {
		t.Fatalf("runs = %d, want 4 (a, dlq, a, b)", len(ps.runs))
	}
	steps := []struct {
		done *unit
		want int64 // next offset to commit, -1 none
	}{
		{b, -1},   // b completes first: nothing before it is done
		{a, 12},   // a done: up to the dead letter at 12
		{dlq, 16}, // dlq done: a's second run and b follow
	}
	for _, s := range steps {
		s.done.done.Store(true)
		ps.advance()
		if ps.next.Offset != s.want {
			t.Fatalf("after completing a unit: next = %d, want %d", ps.next.Offset, s.want)
		}
	}
	if ps.pending() || ps.next.Epoch != 3 {
		t.Fatalf("pending %v epoch %d", ps.pending(), ps.next.Epoch)
	}
	ps.committed = 16
	if ps.advance() {
		t.Fatal("advance reports work after everything was committed")
	}
}

func TestBatchDropAndDedupToken(t *testing.T) {
	b, err := newBatch(chschema.TableCobrowse, "cob")
	if err != nil {
		t.Fatal(err)
	}
	rows := b.rows.(*cobrowseRows)
	evs := event.SampleCobrowse("t", "s")
	for i, p := range []int32{1, 2, 1, 2, 3} {
		ev := evs[i]
		ev.EventID = event.NewID()
		rows.Append(&ev)
		b.note(p, int64(100+i), 10+i)
	}
	if got, want := b.DedupToken(), "cobrowse_events,cob/1/100-102,cob/2/101-103,cob/3/104-104"; got != want {
		t.Fatalf("token %q, want %q", got, want)
	}
	keep := []uuid.UUID{b.EventIDs()[0], b.EventIDs()[2], b.EventIDs()[4]}
	if released := b.drop(map[int32]bool{2: true}); released != 11+13 {
		t.Fatalf("released %d bytes, want 24", released)
	}
	if b.Len() != 3 || b.Bytes() != 10+12+14 {
		t.Fatalf("after drop: %d rows %d bytes", b.Len(), b.Bytes())
	}
	for i, id := range b.EventIDs() {
		if id != keep[i] {
			t.Fatalf("row %d is %s, want %s", i, id, keep[i])
		}
	}
	for _, p := range []chschema.Profile{chschema.Modern, chschema.Legacy} {
		for _, name := range chschema.InsertColumns(p, chschema.TableCobrowse) {
			v, err := column(b, name, timeType(p))
			if err != nil {
				t.Fatal(err)
			}
			if n := lenOf(v); n != 3 {
				t.Fatalf("%v: column %s has %d rows after drop, want 3", p, name, n)
			}
		}
	}
	if got, want := b.DedupToken(), "cobrowse_events,cob/1/100-102,cob/3/104-104"; got != want {
		t.Fatalf("token after drop %q, want %q", got, want)
	}
	u := b.unit
	b.reset()
	if b.Len() != 0 || b.Bytes() != 0 || b.unit == u || len(b.Ranges()) != 0 {
		t.Fatal("reset kept state or the old unit")
	}
}

func lenOf(v any) int {
	switch v := v.(type) {
	case []string:
		return len(v)
	case []uuid.UUID:
		return len(v)
	case []int64:
		return len(v)
	case []uint64:
		return len(v)
	case []uint16:
		return len(v)
	case []uint8:
		return len(v)
	case []int8:
		return len(v)
	case [][]string:
		return len(v)
	}
	return -1
}

// column looks up one insert column of b by name, the profile taken from the ClickHouse
// type of event_time (DateTime64: modern), so tests can assert on columns by name.
func column(b *Batch, name, chType string) (any, error) {
	p := chschema.Legacy
	if strings.HasPrefix(chType, "DateTime64") {
		p = chschema.Modern
	}
	i := slices.Index(chschema.InsertColumns(p, b.table), name)
	if i < 0 {
		return nil, fmt.Errorf("%w: %s.%s", ErrUnknownColumn, b.table, name)
	}
	return b.Columns(p)[i], nil
}

// timeType is the ClickHouse type of event_time in profile p.
func timeType(p chschema.Profile) string {
	if p == chschema.Modern {
		return "DateTime64(3, 'UTC')"
	}
	return "DateTime('UTC')"
}

func TestBatchColumnEventTime(t *testing.T) {
	b, err := newBatch(chschema.TableAudit, "aud")
	if err != nil {
		t.Fatal(err)
	}
	rows := b.rows.(*auditRows)
	for i, ms := range []int64{1_700_000_000_123, 1_700_000_001_999} {
		ev := event.Audit{EventID: event.NewID(), TenantID: "t", TenantUserID: "u", Type: event.LoggedIn, Time: time.UnixMilli(ms)}
		rows.Append(&ev)
		b.note(0, int64(i), 1)
	}
	tests := []struct {
		name, chType string
		want         any
	}{
		{"event_time", "DateTime64(3, 'UTC')", []int64{1_700_000_000_123, 1_700_000_001_999}},
		{"event_time", "DateTime('UTC')", []int64{1_700_000_000, 1_700_000_001}},
		{"event_time", "", []int64{1_700_000_000, 1_700_000_001}},
		{"event_time_ms", "UInt16", []uint16{123, 999}},
		{"type", "Enum8('UNKNOWN' = 0, 'START_CALL' = 1)", []int8{4, 4}},
	}
	for _, tt := range tests {
		got, err := column(b, tt.name, tt.chType)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Column(%s, %s) = %v, %v; want %v", tt.name, tt.chType, got, err, tt.want)
		}
	}
	if !reflect.DeepEqual(rows.EventMillis(), []int64{1_700_000_000_123, 1_700_000_001_999}) {
		t.Errorf("EventMillis = %v", rows.EventMillis())
	}
}

func TestEveryInsertColumnIsKnown(t *testing.T) {
	for _, p := range []chschema.Profile{chschema.Modern, chschema.Legacy} {
		for _, table := range []string{chschema.TableCobrowse, chschema.TableAudit} {
			b, err := newBatch(table, "x")
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range chschema.InsertColumns(p, table) {
				if _, err := column(b, c, timeType(p)); err != nil {
					t.Errorf("%v %s: %v", p, table, err)
				}
			}
			if _, err := column(b, "no_such_column", timeType(p)); !errors.Is(err, ErrUnknownColumn) {
				t.Errorf("%v %s: unknown column: err = %v, want ErrUnknownColumn", p, table, err)
			}
		}
	}
}
