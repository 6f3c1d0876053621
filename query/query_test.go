package query

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/auditstream/auditstream/event"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

func TestInline(t *testing.T) {
	tests := []struct {
		st      Statement
		want    string
		wantErr bool
	}{
		{Statement{"a = ? AND b = ?", []any{"x'y", int64(-3)}}, `a = 'x\'y' AND b = -3`, false},
		{Statement{"a = ?", []any{`back\slash` + "\x00"}}, `a = 'back\\slash\0'`, false},
		{Statement{"a IN ?", []any{clickhouse.GroupSet{Value: []any{"u1", "u'2"}}}}, `a IN ('u1', 'u\'2')`, false},
		{Statement{"LIMIT ?", []any{uint64(7)}}, "LIMIT 7", false},
		{Statement{"a = ? AND b = ?", []any{"x"}}, "", true},
		{Statement{"a = ?", []any{"x", "y"}}, "", true},
		{Statement{"a = ?", []any{3.5}}, "", true},
	}
	for _, tt := range tests {
		got, err := tt.st.Inline()
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Inline(%q, %v) = %q, %v; want %q, err=%v", tt.st.SQL, tt.st.Args, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c := Cursor{Time: time.UnixMilli(1764064800123).UTC(), Seq: 42, EventID: event.NewID()}
	got, err := ParseCursor(c.String())
	if err != nil || got != c {
		t.Fatalf("ParseCursor(String()) = %v, %v; want %v", got, err, c)
	}
	sc := SessionCursor{FirstEventTime: time.UnixMilli(1764064800123).UTC(), SessionID: "sess:with:colons"}
	gotS, err := ParseSessionCursor(sc.String())
	if err != nil || gotS != sc {
		t.Fatalf("ParseSessionCursor(String()) = %v, %v; want %v", gotS, err, sc)
	}
	for _, bad := range []string{"", "!!", "MTox", "MToyOnh5eg"} {
		if _, err := ParseCursor(bad); !errors.Is(err, ErrInvalidCursor) {
			t.Errorf("ParseCursor(%q): err = %v, want ErrInvalidCursor", bad, err)
		}
	}
}

// TestStatementsScopedAndParameterised checks, for every query and profile, that the tenant
// is always the first condition, and that no request value ever appears in the SQL text:
// everything travels as a bound argument.
func TestStatementsScopedAndParameterised(t *testing.T) {
	const tenant, user, session = "TENANT'X", "USER'X", "SESSION'X"
	at := time.UnixMilli(1764064800123)
	cur := &Cursor{Time: at, Seq: 3, EventID: event.NewID()}
	for _, p := range []chschema.Profile{chschema.Modern, chschema.Legacy} {
		builds := map[string]func() (Statement, error){
			"replay": func() (Statement, error) {
				return BuildReplay(p, "db", ReplayRequest{Tenant: tenant, Session: session, After: cur})
			},
			"activity": func() (Statement, error) {
				return BuildActivity(p, "db", ActivityRequest{Tenant: tenant, Users: []string{user}, Types: []event.AuditType{event.LoggedIn},
					From: at.Add(-time.Hour), To: at, Before: cur})
			},
			"sessions": func() (Statement, error) {
				return BuildSessions(p, "db", SessionsRequest{Tenant: tenant, From: at, To: at.Add(time.Hour), Actor: event.ActorAgent,
					Before: &SessionCursor{FirstEventTime: at, SessionID: session}})
			},
		}
		for name, build := range builds {
			st, err := build()
			if err != nil {
				t.Fatalf("%v %s: %v", p, name, err)
			}
			for _, v := range []string{"TENANT", "USER", "SESSION", cur.EventID.String()} {
				if strings.Contains(st.SQL, v) {
					t.Errorf("%v %s: request value %q is in the SQL text", p, name, v)
				}
			}
			where := st.SQL[strings.Index(st.SQL, "WHERE")+len("WHERE"):]
			if strings.Contains(st.SQL, "PREWHERE") {
				where = st.SQL[strings.Index(st.SQL, "PREWHERE")+len("PREWHERE"):]
			}
			if !strings.HasPrefix(strings.TrimSpace(where), "tenant_id = ?") || st.Args[0] != tenant {
				t.Errorf("%v %s: tenant is not the first condition:\n%s", p, name, st.SQL)
			}
			if _, err := st.Inline(); err != nil {
				t.Errorf("%v %s: %v", p, name, err)
			}
			uses := strings.Contains(st.SQL, "event_time_ms") || strings.Contains(st.SQL, "toInt64(minMerge")
			if uses != (p == chschema.Legacy) {
				t.Errorf("%v %s: profile-specific time columns wrong:\n%s", p, name, st.SQL)
			}
		}
	}
}

func TestRequestValidation(t *testing.T) {
	p := chschema.Legacy
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"replay no tenant", second(BuildReplay(p, "db", ReplayRequest{Session: "s"})), ErrNoTenant},
		{"replay no session", second(BuildReplay(p, "db", ReplayRequest{Tenant: "t"})), ErrInvalidRequest},
		{"replay limit", second(BuildReplay(p, "db", ReplayRequest{Tenant: "t", Session: "s", Limit: MaxLimit + 1})), ErrInvalidRequest},
		{"activity no tenant", second(BuildActivity(p, "db", ActivityRequest{Users: []string{"u"}})), ErrNoTenant},
		{"activity From after To", second(BuildActivity(p, "db", ActivityRequest{Tenant: "t", From: time.Unix(10, 0), To: time.Unix(5, 0)})), ErrInvalidRequest},
		{"activity negative limit", second(BuildActivity(p, "db", ActivityRequest{Tenant: "t", Limit: -1})), ErrInvalidRequest},
		{"sessions no tenant", second(BuildSessions(p, "db", SessionsRequest{})), ErrNoTenant},
		{"sessions bad actor", second(BuildSessions(p, "db", SessionsRequest{Tenant: "t", Actor: "ROBOT"})), ErrInvalidRequest},
		{"valid", second(BuildReplay(p, "db", ReplayRequest{Tenant: "t", Session: "s"})), nil},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) || (tt.want == nil) != (tt.err == nil) {
			t.Errorf("%s: err = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if _, err := New(nil, "db", p); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("New(nil conn): %v", err)
	}
}

func second(_ Statement, err error) error { return err }

func TestDefaultLimitLookAhead(t *testing.T) {
	st, err := BuildReplay(chschema.Modern, "db", ReplayRequest{Tenant: "t", Session: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Args[len(st.Args)-1]; got != DefaultReplayLimit+1 {
		t.Errorf("LIMIT argument = %v, want the default page size plus one look-ahead row", got)
	}
}

func TestNextWindow(t *testing.T) {
	h := time.Hour
	tests := []struct {
		got, need int
		want      time.Duration
	}{
		{0, 101, 4 * h},                 // nothing found: plain growth
		{100, 1, 4 * h},                 // nearly full: at least the plain growth
		{10, 91, 13*h + 39*time.Minute}, // 1.5 * 91/10 = 13.65
		{1, 1000, 64 * h},               // very sparse: capped
	}
	for _, tt := range tests {
		if got := nextWindow(h, tt.got, tt.need); got != tt.want {
			t.Errorf("nextWindow(1h, %d, %d) = %v, want %v", tt.got, tt.need, got, tt.want)
		}
	}
}
