package chschema

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
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
