package chschema

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/google/uuid"

	"github.com/auditstream/auditstream/event"
)

// ddlColumnTypes returns the ClickHouse type of every column of a rendered CREATE TABLE,
// without its CODEC.
func ddlColumnTypes(t *testing.T, sql string) map[string]string {
	t.Helper()
	body := sql[strings.Index(sql, "(")+1 : strings.Index(sql, "\nENGINE")]
	out := map[string]string{}
	for _, line := range strings.Split(body, "\n") {
		name, typ, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || !strings.HasPrefix(line, "    ") || name == "INDEX" {
			continue
		}
		typ = strings.TrimSuffix(strings.TrimSpace(typ), ",")
		if i := strings.Index(typ, " CODEC("); i >= 0 {
			typ = typ[:i]
		}
		out[name] = typ
	}
	return out
}

// eventTimes returns the values the event_time column(s) of profile p must decode to.
func eventTimes(p Profile, ts time.Time) map[string]any {
	if p == Legacy {
		return map[string]any{
			"event_time":    ts.Truncate(time.Second),
			"event_time_ms": uint16(ts.Nanosecond() / int(time.Millisecond)),
		}
	}
	return map[string]any{"event_time": ts.Truncate(time.Millisecond)}
}

func orUnknown[T ~string](v T, known bool) string {
	if !known {
		return "UNKNOWN"
	}
	return string(v)
}

// cobrowseRow is the test's own statement of what each column holds for e: the oracle the
// builder's output is decoded against.
func cobrowseRow(p Profile, e *event.Cobrowse) map[string]any {
	r := map[string]any{
		"event_id": uuid.UUID(e.EventID), "tenant_id": e.TenantID, "session_id": e.SessionID,
		"seq": uint64(e.Seq), "actor": orUnknown(e.Actor, e.Actor == event.ActorAgent || e.Actor == event.ActorCustomer),
		"type": orUnknown(e.Type, e.Type.Known()), "element": "", "scroll_x": int64(0), "scroll_y": int64(0),
		"form": "", "input_text": "", "input_masked": uint8(0), "page": "", "custom_type": "",
		"custom_value": "", "page_url": e.PageURL,
	}
	switch {
	case e.Click != nil:
		r["element"] = e.Click.Element
	case e.Scroll != nil:
		r["element"], r["scroll_x"], r["scroll_y"] = e.Scroll.Element, e.Scroll.X, e.Scroll.Y
	case e.Form != nil:
		r["form"] = e.Form.Form
	case e.Input != nil:
		r["element"], r["input_text"], r["input_masked"] = e.Input.Element, e.Input.Text, uint8(0)
		if e.Input.Masked {
			r["input_masked"] = uint8(1)
		}
	case e.PageChange != nil:
		r["page"] = e.PageChange.Page
	case e.CustomEvent != nil:
		r["custom_type"], r["custom_value"] = e.CustomEvent.EventType, e.CustomEvent.Value
	}
	for k, v := range eventTimes(p, e.Time) {
		r[k] = v
	}
	return r
}

func auditRow(p Profile, e *event.Audit) map[string]any {
	arr := func(s []string) []string { return append([]string{}, s...) }
	r := map[string]any{
		"event_id": uuid.UUID(e.EventID), "tenant_id": e.TenantID, "user_id": e.TenantUserID,
		"type": orUnknown(e.Type, e.Type.Known()), "call_id": "", "customer_id": "", "session_id": "",
		"status": "", "message_id": "", "role_name": "", "target_user_id": "", "permissions": []string{},
		"data_json": "", "operation": "UNKNOWN", "joined_agents": []string{}, "tags": []string{},
	}
	switch {
	case e.StartCall != nil:
		r["call_id"], r["customer_id"] = e.StartCall.CallID, e.StartCall.CustomerID
	case e.MessengerSend != nil:
		r["customer_id"] = e.MessengerSend.CustomerID
	case e.LiveView != nil:
		r["session_id"] = e.LiveView.SessionID
	case e.StatusChange != nil:
		r["customer_id"], r["status"], r["message_id"] = e.StatusChange.CustomerID, e.StatusChange.Status, e.StatusChange.MessageID
	case e.RoleChange != nil:
		r["role_name"], r["target_user_id"] = e.RoleChange.RoleName, e.RoleChange.TargetUserID
	case e.PermissionChange != nil:
		r["role_name"], r["permissions"] = e.PermissionChange.RoleName, arr(e.PermissionChange.Permissions)
	case e.PluginChange != nil:
		r["data_json"] = e.PluginChange.JSON
	case e.SettingsChange != nil:
		r["data_json"] = e.SettingsChange.JSON
	case e.MeetingChange != nil:
		r["data_json"], r["operation"] = e.MeetingChange.ConferenceJSON, string(e.MeetingChange.Operation)
	case e.ConferenceAgent != nil:
		r["call_id"], r["customer_id"] = e.ConferenceAgent.CallID, e.ConferenceAgent.CustomerID
	case e.ConferenceRecording != nil:
		c := e.ConferenceRecording
		r["call_id"], r["customer_id"], r["joined_agents"], r["tags"] = c.CallID, c.CustomerID, arr(c.JoinedAgents), arr(c.Tags)
	}
	for k, v := range eventTimes(p, e.Time) {
		r[k] = v
	}
	return r
}

// testEvents returns the catalogue samples (every type with its payload) plus values this
// build does not know, at distinct millisecond times.
func testEvents() ([]event.Cobrowse, []event.Audit) {
	ts := time.Date(2026, 11, 25, 10, 0, 1, 234_567_000, time.UTC)
	cob := append(event.SampleCobrowse("t", "s"),
		event.Cobrowse{EventID: event.NewID(), TenantID: "t", SessionID: "s", Seq: 99, Actor: "ROBOT", Type: "HOVER"})
	for i := range cob {
		cob[i].Time = ts.Add(time.Duration(i) * 1001 * time.Millisecond)
	}
	aud := append(event.SampleAudits("t"), event.Audit{EventID: event.NewID(), TenantID: "t", TenantUserID: "u", Type: "NEW_TYPE"})
	for i := range aud {
		aud[i].Time = ts.Add(time.Duration(i) * 1001 * time.Millisecond)
	}
	return cob, aud
}

// TestColumnsThroughDriver appends the builders' columns to clickhouse-go's own column
// encoders, created from the types in the DDL of each profile, and decodes every row back.
// It is how the modern profile's representations (DateTime64(3) from Unix milliseconds,
// Enum8 from codes) are proven here, where only ClickHouse 18.16 can run.
func TestColumnsThroughDriver(t *testing.T) {
	cob, aud := testEvents()
	for _, p := range []Profile{Modern, Legacy} {
		for _, table := range []string{TableCobrowse, TableAudit} {
			t.Run(p.String()+"/"+table, func(t *testing.T) {
				var cols []any
				var want []map[string]any
				if table == TableCobrowse {
					var c CobrowseColumns
					for i := range cob {
						c.Append(&cob[i])
						want = append(want, cobrowseRow(p, &cob[i]))
					}
					cols = c.Columns(p)
				} else {
					var c AuditColumns
					for i := range aud {
						c.Append(&aud[i])
						want = append(want, auditRow(p, &aud[i]))
					}
					cols = c.Columns(p)
				}
				types := ddlColumnTypes(t, migrationByName(t, p, table).SQL)
				if p == Modern && types["event_time"] != "DateTime64(3, 'UTC')" {
					t.Fatalf("event_time is %s: the millisecond representation assumes DateTime64(3)", types["event_time"])
				}
				names := InsertColumns(p, table)
				if len(cols) != len(names) {
					t.Fatalf("%d columns, want %d", len(cols), len(names))
				}
				for i, name := range names {
					col := appendColumn(t, name, types[name], cols[i])
					// A LowCardinality column's rows can be read only after a decode; it
					// accepted the slice above, so read the values back from its inner type.
					if plain := withoutLowCardinality(types[name]); plain != types[name] {
						col = appendColumn(t, name, plain, cols[i])
					}
					if col.Rows() != len(want) {
						t.Fatalf("%s: %d rows, want %d", name, col.Rows(), len(want))
					}
					for r := range want {
						got, exp := col.Row(r, false), want[r][name]
						if gt, ok := got.(time.Time); ok {
							if !gt.Equal(exp.(time.Time)) {
								t.Errorf("row %d %s = %v, want %v", r, name, gt, exp)
							}
						} else if !reflect.DeepEqual(got, exp) {
							t.Errorf("row %d %s = %#v, want %#v", r, name, got, exp)
						}
					}
				}
			})
		}
	}
}

// withoutLowCardinality replaces every LowCardinality(T) in typ by T.
func withoutLowCardinality(typ string) string {
	const lc = "LowCardinality("
	for {
		i := strings.Index(typ, lc)
		if i < 0 {
			return typ
		}
		depth := 1
		for j := i + len(lc); j < len(typ); j++ {
			switch typ[j] {
			case '(':
				depth++
			case ')':
				depth--
			}
			if depth == 0 {
				typ = typ[:i] + typ[i+len(lc):j] + typ[j+1:]
				break
			}
		}
		if depth != 0 {
			return typ // unbalanced: leave it to the driver to reject
		}
	}
}

// appendColumn appends v to a new clickhouse-go column of type typ.
func appendColumn(t *testing.T, name, typ string, v any) column.Interface {
	t.Helper()
	col, err := column.Type(typ).Column(name, &column.ServerContext{Timezone: time.UTC})
	if err != nil {
		t.Fatalf("%s %s: %v", name, typ, err)
	}
	if _, err := col.Append(v); err != nil {
		t.Fatalf("append %s (%T) to %s: %v", name, v, typ, err)
	}
	return col
}

func TestLegacyTimeSplit(t *testing.T) {
	tests := []struct {
		millis int64
		secs   int64
		ms     uint16
	}{
		{1_700_000_000_123, 1_700_000_000, 123},
		{0, 0, 0},
		{999, 0, 999},
		{-1, -1, 999}, // floor, not truncation toward zero
		{-1000, -1, 0},
		{-1001, -2, 999},
	}
	var l legacyTime
	millis := make([]int64, len(tests))
	for i, tt := range tests {
		millis[i] = tt.millis
	}
	l.split(millis)
	for i, tt := range tests {
		if l.secs[i] != tt.secs || l.ms[i] != tt.ms {
			t.Errorf("split(%d) = %d s + %d ms, want %d s + %d ms", tt.millis, l.secs[i], l.ms[i], tt.secs, tt.ms)
		}
	}
}

func TestFilterAndReset(t *testing.T) {
	cob, aud := testEvents()
	cob, aud = cob[:5], aud[:5]
	keep := []bool{true, false, true, false, true}
	kept := func(n int) []int { return []int{0, 2, 4}[:n] }

	var c CobrowseColumns
	var a AuditColumns
	for i := range cob {
		c.Append(&cob[i])
		a.Append(&aud[i])
	}
	c.Filter(keep)
	a.Filter(keep)
	for _, b := range []struct {
		name   string
		ids    []uuid.UUID
		millis []int64
		table  string
		cols   func(Profile) []any
		want   func(i int) (event.ID, time.Time)
	}{
		{"cobrowse", c.EventIDs(), c.EventMillis(), TableCobrowse, c.Columns,
			func(i int) (event.ID, time.Time) { return cob[i].EventID, cob[i].Time }},
		{"audit", a.EventIDs(), a.EventMillis(), TableAudit, a.Columns,
			func(i int) (event.ID, time.Time) { return aud[i].EventID, aud[i].Time }},
	} {
		if len(b.ids) != 3 || len(b.millis) != 3 {
			t.Fatalf("%s: %d ids, %d times after Filter, want 3", b.name, len(b.ids), len(b.millis))
		}
		for j, i := range kept(3) {
			id, ts := b.want(i)
			if b.ids[j] != uuid.UUID(id) || b.millis[j] != ts.UnixMilli() {
				t.Errorf("%s row %d: id %s time %d, want event %d", b.name, j, b.ids[j], b.millis[j], i)
			}
		}
		for _, p := range []Profile{Modern, Legacy} {
			for k, col := range b.cols(p) {
				if n := reflect.ValueOf(col).Len(); n != 3 {
					t.Errorf("%s %v: column %s has %d rows after Filter, want 3", b.name, p, InsertColumns(p, b.table)[k], n)
				}
			}
		}
	}
	// The dropped rows' strings are no longer referenced from the backing arrays.
	if tail := c.tenant[3:5]; tail[0] != "" || tail[1] != "" {
		t.Errorf("Filter left references behind: %q", tail)
	}
	capBefore := cap(c.tenant)
	c.Reset()
	a.Reset()
	if c.Len() != 0 || a.Len() != 0 || len(c.EventMillis()) != 0 || len(a.EventIDs()) != 0 {
		t.Fatal("Reset did not empty the builders")
	}
	if cap(c.tenant) != capBefore {
		t.Error("Reset dropped the capacity")
	}
	if slices.ContainsFunc(c.tenant[:3], func(s string) bool { return s != "" }) ||
		slices.ContainsFunc(a.tags[:3], func(s []string) bool { return s != nil }) {
		t.Error("Reset left references to the previous batch")
	}
	if c.Columns(0) != nil || a.Columns(Profile(9)) != nil {
		t.Error("Columns of an invalid profile: want nil")
	}
}
