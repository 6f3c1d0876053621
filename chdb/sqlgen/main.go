// Command sqlgen prints, as JSON, everything chdb/prove.py needs to check the modern
// profile on chDB with the exact SQL of this repository: the DDL of package chschema, sample
// rows (inserted twice in part, as a redelivery would), and the statements of package query
// with their arguments inlined (Statement.Inline, the same text clickhouse-go sends), each
// with the result the query package's contract expects.
//
//	go run ./chdb/sqlgen -database proof > plan.json
//	go run ./chdb/sqlgen -bench -rows 2000000 > bench.json   # generator + query templates
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/auditstream/auditstream/bench/querybench/datagen"
	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/query"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// Check is one query and the rows it must return (first Columns columns of each row,
// compared as strings).
type Check struct {
	Name    string     `json:"name"`
	SQL     string     `json:"sql"`
	Columns int        `json:"columns"`
	Want    [][]string `json:"want"`
}

// Plan is the proof plan.
type Plan struct {
	Setup  []string `json:"setup"`
	Checks []Check  `json:"checks"`
}

// BenchPlan is the load and the query templates for the chDB benchmark. Templates carry
// the literal '__TENANT__', '__SESSION__' and '__USER__', replaced by the runner with
// sampled values (plain identifiers of the generated data).
type BenchPlan struct {
	Setup   []string          `json:"setup"`
	Load    []string          `json:"load"`
	Queries map[string]string `json:"queries"`
}

func main() {
	db := flag.String("database", "proof", "database name")
	bench := flag.Bool("bench", false, "print the benchmark plan instead of the proof plan")
	rows := flag.Int("rows", 2_000_000, "bench: co-browsing rows")
	sessions := flag.Int("sessions", 10_000, "bench: sessions")
	auditRows := flag.Int("audit-rows", 1_000_000, "bench: audit rows")
	flag.Parse()
	var out any
	var err error
	if *bench {
		out, err = benchPlan(*db, *rows, *sessions, *auditRows)
	} else {
		out, err = proofPlan(*db)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqlgen:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		os.Exit(1)
	}
}

func setup(db string) ([]string, error) {
	migs, err := chschema.Migrations(chschema.Modern, chschema.Config{Database: db})
	if err != nil {
		return nil, err
	}
	out := []string{"CREATE DATABASE IF NOT EXISTS " + db}
	for _, m := range migs {
		out = append(out, m.SQL)
	}
	return out, nil
}

func must(st query.Statement, err error) string {
	if err != nil {
		panic(err)
	}
	s, err := st.Inline()
	if err != nil {
		panic(err)
	}
	return s
}

// lit renders one value as a SQL literal through Statement.Inline.
func lit(v any) string { return must(query.Statement{SQL: "?", Args: []any{v}}, nil) }

func arr(s []string) string {
	if len(s) == 0 {
		return "emptyArrayString()"
	}
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = lit(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func ts(t time.Time) string {
	return fmt.Sprintf("fromUnixTimestamp64Milli(toInt64(%d), 'UTC')", t.UnixMilli())
}

func cobrowseValues(db string, evs []event.Cobrowse) string {
	var rows []string
	for _, e := range evs {
		var element, form, input, page, ctype, cvalue string
		var y int64
		masked := 0
		switch {
		case e.Click != nil:
			element = e.Click.Element
		case e.Scroll != nil:
			element, y = e.Scroll.Element, e.Scroll.Y
		case e.Form != nil:
			form = e.Form.Form
		case e.Input != nil:
			element, input = e.Input.Element, e.Input.Text
			if e.Input.Masked {
				masked = 1
			}
		case e.PageChange != nil:
			page = e.PageChange.Page
		case e.CustomEvent != nil:
			ctype, cvalue = e.CustomEvent.EventType, e.CustomEvent.Value
		}
		rows = append(rows, fmt.Sprintf("(toUUID(%s), %s, %s, %d, %s, %s, %s, %s, 0, %d, %s, %s, %d, %s, %s, %s, %s)",
			lit(e.EventID.String()), lit(e.TenantID), lit(e.SessionID), e.Seq, ts(e.Time), lit(string(e.Actor)), lit(string(e.Type)),
			lit(element), y, lit(form), lit(input), masked, lit(page), lit(ctype), lit(cvalue), lit(e.PageURL)))
	}
	return "INSERT INTO " + db + ".cobrowse_events (" + strings.Join(chschema.InsertColumns(chschema.Modern, chschema.TableCobrowse), ", ") +
		") VALUES " + strings.Join(rows, ",\n")
}

func auditValues(db string, evs []event.Audit) string {
	var rows []string
	for _, e := range evs {
		var customer string
		var perms []string
		switch {
		case e.MessengerSend != nil:
			customer = e.MessengerSend.CustomerID
		case e.PermissionChange != nil:
			perms = e.PermissionChange.Permissions
		}
		rows = append(rows, fmt.Sprintf("(toUUID(%s), %s, %s, %s, %s, '', %s, '', '', '', '', '', %s, '', 'UNKNOWN', emptyArrayString(), emptyArrayString())",
			lit(e.EventID.String()), lit(e.TenantID), lit(e.TenantUserID), ts(e.Time), lit(string(e.Type)), lit(customer), arr(perms)))
	}
	return "INSERT INTO " + db + ".audit_events (" + strings.Join(chschema.InsertColumns(chschema.Modern, chschema.TableAudit), ", ") +
		") VALUES " + strings.Join(rows, ",\n")
}

func proofPlan(db string) (*Plan, error) {
	s, err := setup(db)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Setup: s}
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

	// Co-browsing: the catalogue samples plus events sharing milliseconds, in two tenants
	// with the same session ID; a batch inserted twice.
	var a []event.Cobrowse
	a = append(a, event.SampleCobrowse("tenant-a", "sess-1")...)
	for i := range 13 {
		a = append(a, event.Cobrowse{EventID: event.NewID(), TenantID: "tenant-a", SessionID: "sess-1", Seq: int64(7 + i),
			Time: base.Add(time.Hour + time.Duration(i/3)*time.Millisecond), Actor: event.ActorAgent, Type: event.PageChange,
			PageChange: &event.PageChangeData{Page: fmt.Sprintf("p'%d", i%4)}})
	}
	b := event.SampleCobrowse("tenant-b", "sess-1")
	plan.Setup = append(plan.Setup, cobrowseValues(db, a), cobrowseValues(db, a[3:12]), cobrowseValues(db, a), cobrowseValues(db, b))
	sorted := slices.Clone(a)
	slices.SortFunc(sorted, func(x, y event.Cobrowse) int {
		if c := x.Time.Compare(y.Time); c != 0 {
			return c
		}
		return int(x.Seq - y.Seq)
	})
	ids := func(evs []event.Cobrowse) [][]string {
		var out [][]string
		for _, e := range evs {
			out = append(out, []string{e.EventID.String(), fmt.Sprint(e.Seq)})
		}
		return out
	}
	plan.Checks = append(plan.Checks,
		Check{"replay all, deduplicated, (time, seq) order", must(query.BuildReplay(chschema.Modern, db, query.ReplayRequest{Tenant: "tenant-a", Session: "sess-1"})), 2, ids(sorted)},
		Check{"replay page 1 (limit 5 + look-ahead)", must(query.BuildReplay(chschema.Modern, db, query.ReplayRequest{Tenant: "tenant-a", Session: "sess-1", Limit: 5})), 2, ids(sorted[:6])},
		Check{"replay page 2 after keyset cursor", must(query.BuildReplay(chschema.Modern, db, query.ReplayRequest{Tenant: "tenant-a", Session: "sess-1", Limit: 5,
			After: &query.Cursor{Time: sorted[4].Time, Seq: sorted[4].Seq, EventID: sorted[4].EventID}})), 2, ids(sorted[5:11])},
		Check{"replay tenant isolation (same session ID)", must(query.BuildReplay(chschema.Modern, db, query.ReplayRequest{Tenant: "tenant-b", Session: "sess-1"})), 2, ids(b)},
		Check{"replay injection attempt", must(query.BuildReplay(chschema.Modern, db, query.ReplayRequest{Tenant: "tenant-a' OR '1'='1", Session: "sess-1"})), 2, nil},
	)
	pages := map[string]bool{}
	agent, customer := 0, 0
	for _, e := range a {
		if e.PageChange != nil {
			pages[e.PageChange.Page] = true
		}
		if e.Actor == event.ActorAgent {
			agent++
		} else {
			customer++
		}
	}
	plan.Checks = append(plan.Checks,
		Check{"sessions: dedup-correct counts", must(query.BuildSessions(chschema.Modern, db, query.SessionsRequest{Tenant: "tenant-a"})), 8,
			[][]string{{"sess-1", fmt.Sprint(sorted[0].Time.UnixMilli()), fmt.Sprint(sorted[len(sorted)-1].Time.UnixMilli()),
				fmt.Sprint(len(a)), fmt.Sprint(agent), fmt.Sprint(customer), fmt.Sprint(len(pages)), "1"}}},
		Check{"sessions: agent filter, other tenant", must(query.BuildSessions(chschema.Modern, db, query.SessionsRequest{Tenant: "tenant-b", Actor: event.ActorAgent})), 4,
			[][]string{{"sess-1", fmt.Sprint(b[0].Time.UnixMilli()), fmt.Sprint(b[len(b)-1].Time.UnixMilli()), fmt.Sprint(len(b))}}},
	)

	// Audit: two users, ties on one millisecond, a batch inserted twice.
	var au []event.Audit
	for i := range 30 {
		e := event.Audit{EventID: event.NewID(), TenantID: "tenant-a", TenantUserID: []string{"u1", "u2", "u3"}[i%3],
			Time: base.Add(-time.Duration(i) * 17 * time.Minute), Type: event.LoggedIn}
		if i%4 == 0 {
			e.Type, e.MessengerSend = event.MessengerSend, &event.MessengerSendData{CustomerID: "c1"}
		}
		if i%7 == 0 {
			e.Time = base.Add(-2 * time.Hour)
		}
		au = append(au, e)
	}
	other := []event.Audit{{EventID: event.NewID(), TenantID: "tenant-b", TenantUserID: "u1", Time: base, Type: event.LoggedIn}}
	plan.Setup = append(plan.Setup, auditValues(db, au), auditValues(db, au[:10]), auditValues(db, other))
	newest := func(keep func(event.Audit) bool, n int) [][]string {
		var evs []event.Audit
		for _, e := range au {
			if keep(e) {
				evs = append(evs, e)
			}
		}
		slices.SortFunc(evs, func(x, y event.Audit) int {
			if c := y.Time.Compare(x.Time); c != 0 {
				return c
			}
			return strings.Compare(y.EventID.String(), x.EventID.String())
		})
		var out [][]string
		for _, e := range evs[:min(n, len(evs))] {
			out = append(out, []string{e.EventID.String(), e.TenantUserID})
		}
		return out
	}
	all := func(event.Audit) bool { return true }
	wantAll := newest(all, 100)
	cursorAt := func(i int) *query.Cursor {
		for _, e := range au {
			if e.EventID.String() == wantAll[i][0] {
				return &query.Cursor{Time: e.Time, EventID: e.EventID}
			}
		}
		panic("no event")
	}
	from, to := base.Add(-10*time.Hour), base.Add(time.Hour)
	plan.Checks = append(plan.Checks,
		Check{"activity tenant-wide newest first, deduplicated", must(query.BuildActivity(chschema.Modern, db, query.ActivityRequest{Tenant: "tenant-a", From: from, To: to, Limit: 100})), 2, wantAll},
		Check{"activity page 2 before keyset cursor", must(query.BuildActivity(chschema.Modern, db, query.ActivityRequest{Tenant: "tenant-a", From: from, To: to, Limit: 4, Before: cursorAt(3)})), 2, wantAll[4:9]},
		Check{"activity user filter (audit_events_by_user)", must(query.BuildActivity(chschema.Modern, db, query.ActivityRequest{Tenant: "tenant-a", Users: []string{"u2"}, From: from, To: to})),
			2, newest(func(e event.Audit) bool { return e.TenantUserID == "u2" }, 101)},
		Check{"activity users and type", must(query.BuildActivity(chschema.Modern, db, query.ActivityRequest{Tenant: "tenant-a", Users: []string{"u1", "u3"}, Types: []event.AuditType{event.MessengerSend}, From: from, To: to})),
			2, newest(func(e event.Audit) bool { return e.TenantUserID != "u2" && e.Type == event.MessengerSend }, 101)},
		Check{"activity tenant isolation", must(query.BuildActivity(chschema.Modern, db, query.ActivityRequest{Tenant: "tenant-c", From: from, To: to})), 2, nil},
	)
	return plan, nil
}

func benchPlan(db string, rows, sessions, auditRows int) (*BenchPlan, error) {
	s, err := setup(db)
	if err != nil {
		return nil, err
	}
	p := chschema.Modern
	scale := datagen.ZipfScale(rows+rows/1000, sessions, 0.7, 20)
	base := time.Now().Add(-30*24*time.Hour - time.Minute).UnixMilli()
	plan := &BenchPlan{Setup: s, Queries: map[string]string{}}
	for from := 0; from < sessions; from += 10_000 {
		plan.Load = append(plan.Load, datagen.CobrowseInsert(p, db, sessions, 50, scale, 0.7, 20, from, min(from+10_000, sessions), base, "1"))
	}
	for from := 0; from < auditRows; from += 2_000_000 {
		plan.Load = append(plan.Load, datagen.AuditInsert(p, db, auditRows, 50, 300, from, min(from+2_000_000, auditRows), base, "1"))
	}
	keep := "cityHash64(number, 'dup') % 100 < 1"
	plan.Load = append(plan.Load, datagen.CobrowseInsert(p, db, sessions, 50, scale, 0.7, 20, 0, sessions, base, keep),
		datagen.AuditInsert(p, db, auditRows, 50, 300, 0, auditRows, base, keep))
	plan.Queries["replay"] = must(query.BuildReplay(p, db, query.ReplayRequest{Tenant: "__TENANT__", Session: "__SESSION__", Limit: 500}))
	plan.Queries["replay_final_baseline"] = "SELECT * FROM " + db + ".cobrowse_events FINAL WHERE tenant_id = '__TENANT__' AND session_id = '__SESSION__' ORDER BY event_time, seq, event_id LIMIT 501"
	week := time.Now().Add(-7 * 24 * time.Hour)
	plan.Queries["activity_user"] = must(query.BuildActivity(p, db, query.ActivityRequest{Tenant: "__TENANT__", Users: []string{"__USER__"}, From: week, Limit: 100}))
	plan.Queries["activity_user_baseline"] = "SELECT * FROM " + db + ".audit_events WHERE tenant_id = '__TENANT__' AND user_id = '__USER__' ORDER BY event_time DESC, event_id DESC LIMIT 1 BY event_id LIMIT 101"
	plan.Queries["activity_tenant_1h"] = must(query.BuildActivity(p, db, query.ActivityRequest{Tenant: "__TENANT__", From: time.Now().Add(-time.Hour), Limit: 100}))
	plan.Queries["activity_tenant_unbounded"] = must(query.BuildActivity(p, db, query.ActivityRequest{Tenant: "__TENANT__", Limit: 100}))
	plan.Queries["sessions"] = must(query.BuildSessions(p, db, query.SessionsRequest{Tenant: "__TENANT__", Limit: 50}))
	return plan, nil
}
