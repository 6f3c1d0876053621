package chschema

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auditstream/auditstream/event"
)

func TestProfileForVersion(t *testing.T) {
	tests := []struct {
		version string
		want    Profile
		wantErr bool
	}{
		{"18.16.1", Legacy, false},
		{"19.17.6.36", Legacy, false},
		{"23.8.16.40", Legacy, false},
		{"24.3.5.47", Legacy, false},
		{"24.8.4.13", Modern, false},
		{"24.12.1.1", Modern, false},
		{"25.8.1.1", Modern, false},
		{"26.9.2.1", Modern, false},
		{"18.14.19", 0, true},
		{"1.1.54394", 0, true},
		{"garbage", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := ProfileForVersion(tt.version)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ProfileForVersion(%q) = %v, %v; want %v, err=%v", tt.version, got, err, tt.want, tt.wantErr)
		}
	}
	if _, err := ProfileForVersion("18.14.19"); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("old version: err = %v, want ErrUnsupportedVersion", err)
	}
}

func TestParseProfile(t *testing.T) {
	for _, p := range []Profile{Modern, Legacy} {
		got, err := ParseProfile(p.String())
		if err != nil || got != p {
			t.Errorf("ParseProfile(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := ParseProfile("ancient"); err == nil {
		t.Error("ParseProfile(ancient): want error")
	}
}

// ddlColumns extracts the column names of a rendered CREATE TABLE, in order.
func ddlColumns(t *testing.T, sql string) []string {
	t.Helper()
	body := sql[strings.Index(sql, "(")+1 : strings.Index(sql, "\nENGINE")]
	col := regexp.MustCompile(`^\s{4}([a-z_]+)\s`)
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if m := col.FindStringSubmatch(line); m != nil && m[1] != "INDEX" {
			out = append(out, m[1])
		}
	}
	return out
}

func migrationByName(t *testing.T, p Profile, name string) Migration {
	t.Helper()
	ms, err := Migrations(p, Config{Database: "db"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("%v: no migration %s", p, name)
	return Migration{}
}

// TestInsertColumnsMatchDDL keeps the exported insert column lists, the DDL files and the
// row builders in step: a column added to one and not the others fails here.
func TestInsertColumnsMatchDDL(t *testing.T) {
	for _, p := range []Profile{Modern, Legacy} {
		for _, table := range []string{TableCobrowse, TableAudit} {
			t.Run(p.String()+"/"+table, func(t *testing.T) {
				want := ddlColumns(t, migrationByName(t, p, table).SQL)
				got := InsertColumns(p, table)
				if !slices.Equal(got, want) {
					t.Fatalf("InsertColumns = %v\nDDL columns  = %v", got, want)
				}
				if table == TableAudit {
					byUser := ddlColumns(t, migrationByName(t, p, TableAuditByUser).SQL)
					if !slices.Equal(byUser, want) { // the MV copies with SELECT *
						t.Fatalf("audit_events_by_user columns %v differ from audit_events %v", byUser, want)
					}
				}
				stmt := InsertStatement(p, "db", table)
				if !strings.HasPrefix(stmt, "INSERT INTO db."+table+" (event_id, ") {
					t.Fatalf("InsertStatement = %q", stmt)
				}
			})
		}
	}
	if InsertColumns(Modern, TableSessions) != nil || InsertColumns(0, TableAudit) != nil {
		t.Error("InsertColumns: want nil for a non-insert table or invalid profile")
	}
	// The result is a copy: changing it must not change the next call's result.
	cols := InsertColumns(Modern, TableAudit)
	cols[0] = "x"
	if InsertColumns(Modern, TableAudit)[0] != "event_id" {
		t.Error("InsertColumns returned shared state")
	}
}

func TestMigrations(t *testing.T) {
	modern, err := Migrations(Modern, Config{Database: "auditstream", CobrowseTTLDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := Migrations(Legacy, Config{Database: "auditstream"})
	if err != nil {
		t.Fatal(err)
	}
	if len(modern) != len(legacy) || len(modern) < 6 {
		t.Fatalf("got %d modern and %d legacy migrations", len(modern), len(legacy))
	}
	for i := range modern {
		m, l := modern[i], legacy[i]
		if m.Version != uint32(i+1) || m.Version != l.Version || m.Name != l.Name {
			t.Errorf("migration %d: modern %d %s, legacy %d %s", i, m.Version, m.Name, l.Version, l.Name)
		}
		for _, mig := range []Migration{m, l} {
			if strings.Contains(mig.SQL, "{{") || !strings.Contains(mig.SQL, "auditstream.") ||
				!strings.Contains(mig.SQL, "IF NOT EXISTS") || len(mig.Checksum) != 64 {
				t.Errorf("migration %d %s is not rendered, qualified and idempotent:\n%s", mig.Version, mig.Name, mig.SQL)
			}
		}
		for _, banned := range []string{"CODEC", "TTL", "DateTime64", "LowCardinality", "INDEX", "groupBitmap"} {
			if strings.Contains(l.SQL, banned) {
				t.Errorf("legacy migration %s uses %s, which 18.16 lacks", l.Name, banned)
			}
		}
	}
	if !strings.Contains(modern[0].SQL, "INTERVAL 30 DAY") {
		t.Errorf("CobrowseTTLDays not applied:\n%s", modern[0].SQL)
	}
	if !strings.Contains(modern[1].SQL, "INTERVAL 1095 DAY") {
		t.Errorf("default AuditTTLDays not applied:\n%s", modern[1].SQL)
	}
	for _, cfg := range []Config{{}, {Database: "a;DROP"}, {Database: "db", AuditTTLDays: -1}} {
		if _, err := Migrations(Modern, cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Migrations(%+v): err = %v, want ErrInvalidConfig", cfg, err)
		}
	}
	if sql, err := MigrationsTable(Config{Database: "db"}); err != nil || !strings.Contains(sql, "db.schema_migrations") {
		t.Errorf("MigrationsTable = %q, %v", sql, err)
	}
}

func TestColumnBuilders(t *testing.T) {
	ts := time.Date(2026, 11, 25, 10, 0, 1, 234_567_000, time.UTC)
	cob := []event.Cobrowse{
		{TenantID: "t", SessionID: "s", Seq: 1, Time: ts, Actor: event.ActorAgent, Type: event.Click, Click: &event.ElementData{Element: "#buy"}},
		{TenantID: "t", SessionID: "s", Seq: 2, Time: ts, Actor: event.ActorCustomer, Type: event.Input, Input: &event.InputData{Element: "#q", Text: "***", Masked: true}},
		{TenantID: "t", SessionID: "s", Seq: 3, Time: ts, Actor: "ROBOT", Type: "HOVER"},
	}
	aud := []event.Audit{
		{TenantID: "t", TenantUserID: "u", Time: ts, Type: event.LoggedIn},
		{TenantID: "t", TenantUserID: "u", Time: ts, Type: event.MeetingChange, MeetingChange: &event.MeetingChangeData{Operation: event.MeetingDelete, ConferenceJSON: "{}"}},
	}
	for _, p := range []Profile{Modern, Legacy} {
		var c CobrowseColumns
		c.Reset(p)
		for i := range cob {
			c.Append(&cob[i])
		}
		checkColumns(t, p, TableCobrowse, c.Columns(), len(cob))
		cols := c.Columns()
		if got := cols[slices.Index(InsertColumns(p, TableCobrowse), "type")].([]int8); !slices.Equal(got, []int8{1, 4, 0}) {
			t.Errorf("%v: type codes = %v, want [1 4 0] (unknown type stored as UNKNOWN)", p, got)
		}
		var a AuditColumns
		a.Reset(p)
		for i := range aud {
			a.Append(&aud[i])
		}
		checkColumns(t, p, TableAudit, a.Columns(), len(aud))
		acols := a.Columns()
		if got := acols[slices.Index(InsertColumns(p, TableAudit), "operation")].([]int8); !slices.Equal(got, []int8{0, 2}) {
			t.Errorf("%v: operation codes = %v", p, got)
		}
		times := acols[slices.Index(InsertColumns(p, TableAudit), "event_time")].([]time.Time)
		if p == Legacy {
			ms := acols[slices.Index(InsertColumns(p, TableAudit), "event_time_ms")].([]uint16)
			if !times[0].Equal(ts.Truncate(time.Second)) || ms[0] != 234 {
				t.Errorf("legacy time split = %v + %d ms", times[0], ms[0])
			}
		} else if !times[0].Equal(ts.Truncate(time.Millisecond)) {
			t.Errorf("modern time = %v", times[0])
		}
		c.Reset(p)
		if c.Len() != 0 || reflect.ValueOf(c.Columns()[0]).Len() != 0 {
			t.Error("Reset did not empty the builder")
		}
	}
}

func checkColumns(t *testing.T, p Profile, table string, cols []any, rows int) {
	t.Helper()
	names := InsertColumns(p, table)
	if len(cols) != len(names) {
		t.Fatalf("%v %s: %d columns, want %d", p, table, len(cols), len(names))
	}
	for i, col := range cols {
		if n := reflect.ValueOf(col).Len(); n != rows {
			t.Errorf("%v %s: column %s has %d rows, want %d", p, table, names[i], n, rows)
		}
	}
}
