package integration_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/auditstream/auditstream/internal/migrate"
	"github.com/auditstream/auditstream/internal/testenv"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// migrateDB creates a fresh database on the test server and migrates it; it returns the
// connection (using that database), the database name and the server's profile.
func migrateDB(t *testing.T) (driver.Conn, string, chschema.Profile) {
	t.Helper()
	env := testenv.Require(t)
	db := env.Database(t)
	conn := env.ClickHouse(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := chschema.DetectProfile(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Up(ctx, conn, db, p); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	return conn, db, p
}

func tableNames(ctx context.Context, t *testing.T, conn driver.Conn, db string) []string {
	t.Helper()
	var names []string
	rows, err := conn.Query(ctx, "SELECT name FROM system.tables WHERE database = ? ORDER BY name", db)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

// TestMigrateFromEmptyAndRerun applies every migration to an empty database (which Up
// creates), checks the tables and the ledger, and runs Up again: nothing more is applied.
func TestMigrateFromEmptyAndRerun(t *testing.T) {
	env := testenv.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := env.Database(t) + "_fresh" // Up must create it
	conn := env.ClickHouse(t, "")
	t.Cleanup(func() { _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db) })
	p, err := chschema.DetectProfile(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	migs, err := chschema.Migrations(p, chschema.Config{Database: db})
	if err != nil {
		t.Fatal(err)
	}

	before, err := migrate.Status(ctx, conn, db, p)
	if err != nil {
		t.Fatalf("status of a missing database: %v", err)
	}
	if len(before) != len(migs) || slices.ContainsFunc(before, func(s migrate.State) bool { return s.Applied }) {
		t.Fatalf("status before Up = %+v, want %d unapplied", before, len(migs))
	}

	applied, err := migrate.Up(ctx, conn, db, p, migrate.WithRunner("first"))
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(migs) {
		t.Fatalf("first Up applied %v, want all %d", applied, len(migs))
	}
	want := []string{chschema.TableAudit, chschema.TableAuditByUser, chschema.ViewAuditByUser,
		chschema.TableCobrowse, chschema.TableSessions, chschema.ViewSessions, chschema.TableSchemaMigration}
	slices.Sort(want)
	if got := tableNames(ctx, t, conn, db); !slices.Equal(got, want) {
		t.Fatalf("tables = %v, want %v", got, want)
	}

	again, err := migrate.Up(ctx, conn, db, p, migrate.WithRunner("second"))
	if err != nil || len(again) != 0 {
		t.Fatalf("second Up applied %v, %v; want nothing", again, err)
	}
	states, err := migrate.Status(ctx, conn, db, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if !s.Applied || s.Changed || s.Runner != "first" || s.AppliedAt.IsZero() {
			t.Errorf("state %+v: want applied by first, unchanged", s)
		}
	}

	other := chschema.Modern
	if p == chschema.Modern {
		other = chschema.Legacy
	}
	if _, err := migrate.Up(ctx, conn, db, other); err == nil {
		t.Error("Up with the other profile on a migrated database: want ErrProfileMismatch")
	}
}

// TestMigrateConcurrent runs Up from several goroutines with separate connections (as
// separate processes would) against one empty database, several rounds: every runner must
// succeed, and the schema and ledger must converge to one row per version.
func TestMigrateConcurrent(t *testing.T) {
	env := testenv.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const runners, rounds = 4, 3
	conns := make([]driver.Conn, runners)
	for i := range conns {
		conns[i] = env.ClickHouse(t, "")
	}
	p, err := chschema.DetectProfile(ctx, conns[0])
	if err != nil {
		t.Fatal(err)
	}
	base := env.Database(t)
	for round := range rounds {
		db := fmt.Sprintf("%s_r%d", base, round)
		t.Cleanup(func() { _ = conns[0].Exec(context.Background(), "DROP DATABASE IF EXISTS "+db) })
		var wg sync.WaitGroup
		errs := make([]error, runners)
		applied := make([][]uint32, runners)
		start := make(chan struct{})
		for i := range runners {
			wg.Go(func() {
				<-start
				applied[i], errs[i] = migrate.Up(ctx, conns[i], db, p, migrate.WithRunner(fmt.Sprintf("runner-%d", i)))
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d runner %d: %v", round, i, err)
			}
		}
		var total int
		for _, a := range applied {
			total += len(a)
		}
		states, err := migrate.Status(ctx, conns[0], db, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range states {
			if !s.Applied {
				t.Errorf("round %d: version %d not applied", round, s.Version)
			}
		}
		if got := len(tableNames(ctx, t, conns[0], db)); got != 7 {
			t.Errorf("round %d: %d tables, want 7", round, got)
		}
		var versions uint64
		if err := conns[0].QueryRow(ctx, "SELECT uniqExact(version) FROM "+db+".schema_migrations").Scan(&versions); err != nil {
			t.Fatal(err)
		}
		if int(versions) != len(states) || total < len(states) {
			t.Errorf("round %d: ledger has %d versions, runners applied %d statements; want %d versions", round, versions, total, len(states))
		}
		t.Logf("round %d: %d runners applied %d migration statements in total for %d versions", round, runners, total, len(states))
	}
}
