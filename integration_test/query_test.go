package integration_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/internal/testenv"
	"github.com/auditstream/auditstream/query"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// insertCobrowse writes events with one columnar batch, as the consumer does.
func insertCobrowse(ctx context.Context, t *testing.T, conn driver.Conn, db string, p chschema.Profile, events []event.Cobrowse) {
	t.Helper()
	var cols chschema.CobrowseColumns
	for i := range events {
		cols.Append(&events[i])
	}
	sendColumns(ctx, t, conn, chschema.InsertStatement(p, db, chschema.TableCobrowse), cols.Columns(p))
}

func insertAudit(ctx context.Context, t *testing.T, conn driver.Conn, db string, p chschema.Profile, events []event.Audit) {
	t.Helper()
	var cols chschema.AuditColumns
	for i := range events {
		cols.Append(&events[i])
	}
	sendColumns(ctx, t, conn, chschema.InsertStatement(p, db, chschema.TableAudit), cols.Columns(p))
}

func sendColumns(ctx context.Context, t *testing.T, conn driver.Conn, insert string, cols []any) {
	t.Helper()
	batch, err := conn.PrepareBatch(ctx, insert)
	if err != nil {
		t.Fatal(err)
	}
	defer batch.Close()
	for i, c := range cols {
		if err := batch.Column(i).Append(c); err != nil {
			t.Fatalf("column %d: %v", i, err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
}

// querySession builds a co-browsing session: the catalogue samples (every type, with
// payloads) followed by n more events, some sharing a millisecond so that seq decides.
func querySession(tenant, session string, start time.Time, n int) []event.Cobrowse {
	evs := event.SampleCobrowse(tenant, session)
	for i := range evs {
		evs[i].Time = start.Add(time.Duration(i) * 250 * time.Millisecond)
	}
	base := start.Add(10 * time.Second)
	for i := range n {
		seq := int64(len(evs))
		e := event.Cobrowse{
			EventID: event.NewID(), TenantID: tenant, SessionID: session, Seq: seq,
			Time: base.Add(time.Duration(i/3) * 7 * time.Millisecond), Actor: event.ActorCustomer,
			Type: event.Scroll, Scroll: &event.ScrollData{Element: "main", X: 0, Y: int64(i * 40)},
			PageURL: "https://shop.example.com/p/" + session,
		}
		if i%5 == 0 {
			e.Actor, e.Type, e.Scroll = event.ActorAgent, event.Click, nil
			e.Click = &event.ElementData{Element: fmt.Sprintf("a#item-%d", i)}
		}
		if i%11 == 0 {
			e.Actor, e.Type, e.Scroll, e.Click = event.ActorCustomer, event.PageChange, nil, nil
			e.PageChange = &event.PageChangeData{Page: fmt.Sprintf("page-%d", i%3)}
		}
		evs = append(evs, e)
	}
	return evs
}

// normalizeCobrowse returns what a replay should return for inserted events: sorted by
// (time, seq, id text), each once, times at millisecond precision in UTC.
func normalizeCobrowse(evs []event.Cobrowse) []event.Cobrowse {
	out := slices.Clone(evs)
	for i := range out {
		out[i].Time = out[i].Time.UTC().Truncate(time.Millisecond)
	}
	slices.SortFunc(out, func(a, b event.Cobrowse) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		if a.Seq != b.Seq {
			return int(a.Seq - b.Seq)
		}
		return strings.Compare(a.EventID.String(), b.EventID.String())
	})
	return out
}

func replayAll(ctx context.Context, t *testing.T, q *query.Client, tenant, session string, limit int) ([]event.Cobrowse, int) {
	t.Helper()
	var (
		all   []event.Cobrowse
		after *query.Cursor
		pages int
	)
	for {
		page, err := q.Replay(ctx, query.ReplayRequest{Tenant: tenant, Session: session, After: after, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page.Events...)
		if page.Next == nil {
			return all, pages
		}
		if len(page.Events) != limit {
			t.Fatalf("page %d has %d events and a next cursor, want %d", pages, len(page.Events), limit)
		}
		tok, err := query.ParseCursor(page.Next.String()) // round-trip the opaque token
		if err != nil || tok != *page.Next {
			t.Fatalf("cursor round trip: %v, %v != %v", err, tok, *page.Next)
		}
		after = &tok
		if pages > 1000 {
			t.Fatal("replay does not terminate")
		}
	}
}

// TestQueryReplay checks order, pagination, deduplication of a batch delivered twice, and
// tenant isolation of the same session ID in two tenants.
func TestQueryReplay(t *testing.T) {
	conn, db, p := migrateDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second).Add(123 * time.Millisecond)
	a := querySession("tenant-a", "sess-1", start, 60)
	b := querySession("tenant-b", "sess-1", start.Add(time.Minute), 20) // same session ID, other tenant
	insertCobrowse(ctx, t, conn, db, p, a[:40])
	insertCobrowse(ctx, t, conn, db, p, a[30:]) // overlaps the first batch: 10 rows twice
	insertCobrowse(ctx, t, conn, db, p, a)      // the whole batch redelivered
	insertCobrowse(ctx, t, conn, db, p, b)
	q, err := query.New(conn, db, p)
	if err != nil {
		t.Fatal(err)
	}

	want := normalizeCobrowse(a)
	for _, limit := range []int{1, 7, 50, 1000} {
		got, pages := replayAll(ctx, t, q, "tenant-a", "sess-1", limit)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("limit %d: replay returned %d events in %d pages, want the %d inserted events in order\nfirst got:  %+v\nfirst want: %+v",
				limit, len(got), pages, len(want), got[0], want[0])
		}
	}
	gotB, _ := replayAll(ctx, t, q, "tenant-b", "sess-1", 500)
	if !reflect.DeepEqual(gotB, normalizeCobrowse(b)) {
		t.Fatalf("tenant-b sees %d events, want its own %d", len(gotB), len(b))
	}
	for _, tenant := range []string{"tenant-c", "tenant-a' OR 1=1 --", `tenant-a\`} {
		if got, _ := replayAll(ctx, t, q, tenant, "sess-1", 100); len(got) != 0 {
			t.Errorf("tenant %q sees %d events of other tenants", tenant, len(got))
		}
	}
	if _, err := q.Replay(ctx, query.ReplayRequest{Session: "sess-1"}); !errors.Is(err, query.ErrNoTenant) {
		t.Errorf("replay without tenant: err = %v, want ErrNoTenant", err)
	}
}

// auditFixture returns audit events of two users over about two days (so the activity
// log's time windows are crossed) plus every catalogue type.
func auditFixture(tenant string, now time.Time) []event.Audit {
	evs := event.SampleAudits(tenant)
	for i := range evs {
		evs[i].Time = now.Add(-time.Duration(i) * 13 * time.Minute)
		evs[i].EventID = event.NewID()
	}
	for i := range 90 {
		user := "user-1"
		if i%3 == 0 {
			user = "user-2"
		}
		e := event.Audit{EventID: event.NewID(), TenantID: tenant, TenantUserID: user,
			Time: now.Add(-time.Duration(i) * 31 * time.Minute), Type: event.LoggedIn}
		if i%4 == 0 {
			e.Type, e.MessengerSend = event.MessengerSend, &event.MessengerSendData{CustomerID: fmt.Sprintf("cust-%d", i)}
		}
		if i%10 == 0 { // several events in one millisecond: the event ID breaks the tie
			e.Time = now.Add(-5 * time.Hour)
		}
		evs = append(evs, e)
	}
	return evs
}

func normalizeAudit(evs []event.Audit, keep func(*event.Audit) bool) []event.Audit {
	var out []event.Audit
	for _, e := range evs {
		if keep != nil && !keep(&e) {
			continue
		}
		e.Time = e.Time.UTC().Truncate(time.Millisecond)
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b event.Audit) int { // newest first
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(b.EventID.String(), a.EventID.String())
	})
	return out
}

func activityAll(ctx context.Context, t *testing.T, q *query.Client, req query.ActivityRequest) []event.Audit {
	t.Helper()
	var all []event.Audit
	for pages := 0; ; pages++ {
		page, err := q.Activity(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Events...)
		if page.Next == nil {
			return all
		}
		if len(page.Events) != req.Limit || pages > 1000 {
			t.Fatalf("page %d: %d events with a next cursor (limit %d)", pages, len(page.Events), req.Limit)
		}
		req.Before = page.Next
	}
}

// TestQueryActivity checks the activity log newest first, with user, type and time filters,
// pagination, deduplication and tenant isolation.
func TestQueryActivity(t *testing.T) {
	conn, db, p := migrateDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := time.Now().UTC().Add(-time.Minute)
	a := auditFixture("tenant-a", now)
	b := auditFixture("tenant-b", now)
	old := event.Audit{EventID: event.NewID(), TenantID: "tenant-a", TenantUserID: "user-1",
		Time: now.AddDate(0, 0, -400), Type: event.LoggedIn} // far outside the first windows
	a = append(a, old)
	insertAudit(ctx, t, conn, db, p, a)
	insertAudit(ctx, t, conn, db, p, a[:50]) // redelivered part of the batch
	insertAudit(ctx, t, conn, db, p, b)
	q, err := query.New(conn, db, p)
	if err != nil {
		t.Fatal(err)
	}

	from := now.Add(-24 * time.Hour)
	tests := []struct {
		name string
		req  query.ActivityRequest
		keep func(*event.Audit) bool
	}{
		{"tenant-wide", query.ActivityRequest{Tenant: "tenant-a"}, nil},
		{"one user", query.ActivityRequest{Tenant: "tenant-a", Users: []string{"user-2"}},
			func(e *event.Audit) bool { return e.TenantUserID == "user-2" }},
		{"two users", query.ActivityRequest{Tenant: "tenant-a", Users: []string{"user-2", "user-7f3a"}},
			func(e *event.Audit) bool { return e.TenantUserID == "user-2" || e.TenantUserID == "user-7f3a" }},
		{"types", query.ActivityRequest{Tenant: "tenant-a", Types: []event.AuditType{event.MessengerSend, event.RoleChange}},
			func(e *event.Audit) bool { return e.Type == event.MessengerSend || e.Type == event.RoleChange }},
		{"user and type since 24h", query.ActivityRequest{Tenant: "tenant-a", Users: []string{"user-1"}, Types: []event.AuditType{event.LoggedIn}, From: from},
			func(e *event.Audit) bool {
				return e.TenantUserID == "user-1" && e.Type == event.LoggedIn && !e.Time.Before(from)
			}},
		{"bounded window", query.ActivityRequest{Tenant: "tenant-a", From: now.Add(-30 * time.Hour), To: now.Add(-3 * time.Hour)},
			func(e *event.Audit) bool {
				return !e.Time.Before(now.Add(-30*time.Hour)) && e.Time.Before(now.Add(-3*time.Hour))
			}},
		{"other tenant", query.ActivityRequest{Tenant: "tenant-c"}, func(*event.Audit) bool { return false }},
		{"injection", query.ActivityRequest{Tenant: "x' OR tenant_id != '", Users: []string{"user-1') OR (1=1"}}, func(*event.Audit) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := normalizeAudit(a, tt.keep)
			for _, limit := range []int{1, 6, 1000} {
				req := tt.req
				req.Limit = limit
				got := activityAll(ctx, t, q, req)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("limit %d: got %d events, want %d\ngot:  %v\nwant: %v", limit, len(got), len(want), ids(got), ids(want))
				}
			}
		})
	}
	if _, err := q.Activity(ctx, query.ActivityRequest{}); !errors.Is(err, query.ErrNoTenant) {
		t.Errorf("activity without tenant: err = %v, want ErrNoTenant", err)
	}
}

func ids(evs []event.Audit) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Time.Format("15:04:05.000") + "/" + e.EventID.String()[:8]
	}
	return out
}

// TestQuerySessions checks the session summaries: counts are exact under redelivery, the
// list is newest first with pagination, and the actor filter and tenant isolation hold.
func TestQuerySessions(t *testing.T) {
	conn, db, p := migrateDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Millisecond)
	var sessions [][]event.Cobrowse
	for i := range 5 {
		evs := querySession("tenant-a", fmt.Sprintf("sess-%d", i), start.Add(time.Duration(i)*time.Hour), 10+i*10)
		if i == 3 { // a customer-only session
			evs = slices.DeleteFunc(evs, func(e event.Cobrowse) bool { return e.Actor == event.ActorAgent })
		}
		sessions = append(sessions, evs)
		insertCobrowse(ctx, t, conn, db, p, evs)
		insertCobrowse(ctx, t, conn, db, p, evs[:len(evs)/2]) // redelivery
	}
	insertCobrowse(ctx, t, conn, db, p, querySession("tenant-b", "sess-b", start, 5))
	q, err := query.New(conn, db, p)
	if err != nil {
		t.Fatal(err)
	}
	var want []query.Session
	for i := len(sessions) - 1; i >= 0; i-- {
		evs := normalizeCobrowse(sessions[i])
		s := query.Session{TenantID: "tenant-a", SessionID: evs[0].SessionID,
			FirstEventTime: evs[0].Time, LastEventTime: evs[len(evs)-1].Time}
		pages := map[string]bool{}
		for _, e := range evs {
			s.Events++
			switch e.Actor {
			case event.ActorAgent:
				s.AgentEvents++
				s.AgentInvolved = true
			case event.ActorCustomer:
				s.CustomerEvents++
			}
			if e.Type == event.PageChange {
				pages[e.PageChange.Page] = true
			}
		}
		s.DistinctPages = uint64(len(pages))
		want = append(want, s)
	}
	for _, limit := range []int{2, 100} {
		var got []query.Session
		req := query.SessionsRequest{Tenant: "tenant-a", Limit: limit}
		for {
			page, err := q.Sessions(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page.Sessions...)
			if page.Next == nil {
				break
			}
			req.Before = page.Next
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("limit %d:\ngot  %+v\nwant %+v", limit, got, want)
		}
	}
	page, err := q.Sessions(ctx, query.SessionsRequest{Tenant: "tenant-a", Actor: event.ActorAgent})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Sessions) != 4 || slices.ContainsFunc(page.Sessions, func(s query.Session) bool { return s.SessionID == "sess-3" }) {
		t.Errorf("agent filter returned %+v, want the 4 sessions with agent events", page.Sessions)
	}
	page, err = q.Sessions(ctx, query.SessionsRequest{Tenant: "tenant-a", From: start.Add(150 * time.Minute), To: start.Add(210 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Sessions) != 1 || page.Sessions[0].SessionID != "sess-3" {
		t.Errorf("time filter returned %+v, want sess-3 only", page.Sessions)
	}
	page, err = q.Sessions(ctx, query.SessionsRequest{Tenant: "tenant-b"})
	if err != nil || len(page.Sessions) != 1 || page.Sessions[0].SessionID != "sess-b" {
		t.Errorf("tenant-b sessions = %+v, %v; want only sess-b", page.Sessions, err)
	}
}

// recordingConn keeps a copy of everything the client writes.
type recordingConn struct {
	net.Conn
	mu  *sync.Mutex
	out *bytes.Buffer
}

func (c recordingConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.out.Write(b)
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// TestQueryInlineMatchesDriverBinding proves Statement.Inline (used to hand the query text
// to chDB) writes exactly what clickhouse-go's client-side binding sends: the bytes on the
// wire must contain the inlined text, and the server must accept it.
func TestQueryInlineMatchesDriverBinding(t *testing.T) {
	env := testenv.Require(t)
	_, db, p := migrateDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var (
		mu   sync.Mutex
		sent bytes.Buffer
	)
	user := env.ClickHouseUser
	if user == "" {
		user = "default"
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr: []string{env.ClickHouseAddr},
		Auth: clickhouse.Auth{Database: db, Username: user, Password: env.ClickHousePassword},
		DialContext: func(ctx context.Context, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			if err != nil {
				return nil, err
			}
			return recordingConn{Conn: c, mu: &mu, out: &sent}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	id := event.NewID()
	from, to := time.UnixMilli(1764000000123), time.UnixMilli(1764086400456)
	statements := map[string]func() (query.Statement, error){
		"activity": func() (query.Statement, error) {
			return query.BuildActivity(p, db, query.ActivityRequest{
				Tenant: `it's a "tenant" \ with ? marks`, Users: []string{"u'1", "u2"}, Types: []event.AuditType{event.LoggedIn},
				From: from, To: to, Before: &query.Cursor{Time: time.UnixMilli(1764080000789), EventID: id}, Limit: 10,
			})
		},
		"replay": func() (query.Statement, error) {
			return query.BuildReplay(p, db, query.ReplayRequest{Tenant: "t'\\x00", Session: "s?",
				After: &query.Cursor{Time: from, Seq: 42, EventID: id}})
		},
		"sessions": func() (query.Statement, error) {
			return query.BuildSessions(p, db, query.SessionsRequest{Tenant: "t", From: from, To: to, Actor: event.ActorAgent,
				Before: &query.SessionCursor{FirstEventTime: to, SessionID: "s'1"}})
		},
	}
	for name, build := range statements {
		st, err := build()
		if err != nil {
			t.Fatal(err)
		}
		inline, err := st.Inline()
		if err != nil {
			t.Fatal(err)
		}
		rows, err := conn.Query(ctx, st.SQL, st.Args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rows.Close()
		mu.Lock()
		ok := bytes.Contains(sent.Bytes(), []byte(inline))
		mu.Unlock()
		if !ok {
			t.Errorf("%s: the driver did not send the inlined text:\n%s", name, inline)
		}
	}
}
