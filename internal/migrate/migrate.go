// Package migrate applies the versioned ClickHouse schema of package chschema and records
// what it applied in the table schema_migrations of the same database.
//
//	p, err := chschema.DetectProfile(ctx, conn)
//	...
//	applied, err := migrate.Up(ctx, conn, "auditstream", p)
//	states, err := migrate.Status(ctx, conn, "auditstream", p)
//
// ClickHouse has no transactions and no locks, so safety comes from idempotence instead:
// every migration is one CREATE ... IF NOT EXISTS statement, a version is recorded only
// after its statement succeeded, and the ledger is a ReplacingMergeTree read with
// LIMIT 1 BY version. Two processes running Up at once both execute the pending statements
// (the second execution is a no-op), both record the versions, and converge on the same
// schema and the same ledger. The transient errors concurrent DDL can raise (a table
// "already exists" or "is being created right now") are retried.
//
// Up and Status are safe to call from several goroutines and processes at once.
//
// A migration only runs when its version is missing from the ledger. Changing a shipped
// DDL file therefore does nothing on servers that applied it; Status reports such drift
// (Changed). Add a new version instead. Future ALTER migrations must stay idempotent
// without ADD COLUMN IF NOT EXISTS on 18.16 (check system.columns first).
package migrate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// ErrProfileMismatch is returned when the ledger records migrations applied with a
// different profile than the one requested: the tables were made for another server kind.
var ErrProfileMismatch = errors.New("migrate: database was migrated with a different profile")

// Option configures Up and Status.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	schema   chschema.Config
	runner   string
	logger   *slog.Logger
	attempts int
	backoff  time.Duration
}

func defaultConfig(database string) config {
	host, _ := os.Hostname()
	return config{
		schema:   chschema.Config{Database: database},
		runner:   host + ":" + strconv.Itoa(os.Getpid()),
		logger:   slog.New(slog.DiscardHandler),
		attempts: 8,
		backoff:  50 * time.Millisecond,
	}
}

// WithTTLDays sets the modern profile's retention (see chschema.Config). Zero keeps the
// defaults (chschema.DefaultCobrowseTTLDays, chschema.DefaultAuditTTLDays). It only
// affects tables created by this run.
func WithTTLDays(cobrowse, audit int) Option {
	return optionFunc(func(c *config) { c.schema.CobrowseTTLDays, c.schema.AuditTTLDays = cobrowse, audit })
}

// WithRunner sets the runner name recorded in the ledger. Default: "hostname:pid".
func WithRunner(name string) Option { return optionFunc(func(c *config) { c.runner = name }) }

// WithLogger sets the logger for applied migrations and retries. Default: silent.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.logger = l
		}
	})
}

// State is the status of one migration.
type State struct {
	Version   uint32
	Name      string
	Applied   bool
	AppliedAt time.Time // zero unless Applied
	Runner    string    // who recorded it; empty unless Applied
	// Changed is true when the recorded checksum differs from the shipped DDL: the file
	// was edited after this server applied it.
	Changed bool
}

type record struct {
	Version   uint32    `ch:"version"`
	Name      string    `ch:"name"`
	Checksum  string    `ch:"checksum"`
	Profile   string    `ch:"profile"`
	Runner    string    `ch:"runner"`
	AppliedAt time.Time `ch:"applied_at"`
}

// Up creates database if needed and applies the profile's pending migrations in version
// order. It returns the versions this call applied (empty when the schema is current).
func Up(ctx context.Context, conn driver.Conn, database string, profile chschema.Profile, opts ...Option) ([]uint32, error) {
	cfg := defaultConfig(database)
	for _, o := range opts {
		o.apply(&cfg)
	}
	migs, err := chschema.Migrations(profile, cfg.schema)
	if err != nil {
		return nil, err
	}
	ledger, err := chschema.MigrationsTable(cfg.schema)
	if err != nil {
		return nil, err
	}
	if err := cfg.exec(ctx, conn, "CREATE DATABASE IF NOT EXISTS "+database); err != nil {
		return nil, err
	}
	if err := cfg.exec(ctx, conn, ledger); err != nil {
		return nil, err
	}
	done, err := readLedger(ctx, conn, database)
	if err != nil {
		return nil, err
	}
	if err := checkProfile(done, profile); err != nil {
		return nil, err
	}
	var applied []uint32
	for _, m := range migs {
		if _, ok := done[m.Version]; ok {
			continue
		}
		start := time.Now()
		if err := cfg.exec(ctx, conn, m.SQL); err != nil {
			return applied, fmt.Errorf("migrate: version %d (%s): %w", m.Version, m.Name, err)
		}
		if err := writeRecord(ctx, conn, database, m, profile, cfg.runner); err != nil {
			return applied, fmt.Errorf("migrate: record version %d: %w", m.Version, err)
		}
		applied = append(applied, m.Version)
		cfg.logger.InfoContext(ctx, "applied migration", "version", m.Version, "name", m.Name,
			"profile", profile.String(), "duration", time.Since(start))
	}
	return applied, nil
}

// Status reports every migration of the profile, applied or not. A database or ledger
// that does not exist yet means nothing is applied.
func Status(ctx context.Context, conn driver.Conn, database string, profile chschema.Profile, opts ...Option) ([]State, error) {
	cfg := defaultConfig(database)
	for _, o := range opts {
		o.apply(&cfg)
	}
	migs, err := chschema.Migrations(profile, cfg.schema)
	if err != nil {
		return nil, err
	}
	var exists uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?",
		database, chschema.TableSchemaMigration).Scan(&exists); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	done := map[uint32]record{}
	if exists > 0 {
		if done, err = readLedger(ctx, conn, database); err != nil {
			return nil, err
		}
		if err := checkProfile(done, profile); err != nil {
			return nil, err
		}
	}
	out := make([]State, 0, len(migs))
	for _, m := range migs {
		s := State{Version: m.Version, Name: m.Name}
		if r, ok := done[m.Version]; ok {
			s.Applied, s.AppliedAt, s.Runner, s.Changed = true, r.AppliedAt, r.Runner, r.Checksum != m.Checksum
		}
		out = append(out, s)
	}
	return out, nil
}

// writeRecord writes one ledger row. A batch insert, not INSERT ... VALUES through Exec, which
// clickhouse-go cannot complete against 18.16.
func writeRecord(ctx context.Context, conn driver.Conn, database string, m chschema.Migration, p chschema.Profile, runner string) error {
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+chschema.QualifiedName(database, chschema.TableSchemaMigration)+
		" (version, name, checksum, profile, runner, applied_at)")
	if err != nil {
		return err
	}
	defer batch.Close()
	if err := batch.Append(m.Version, m.Name, m.Checksum, p.String(), runner, time.Now().UTC().Truncate(time.Second)); err != nil {
		return err
	}
	return batch.Send()
}

func readLedger(ctx context.Context, conn driver.Conn, database string) (map[uint32]record, error) {
	var recs []record
	// Concurrent runners may both have recorded a version: keep the first.
	err := conn.Select(ctx, &recs, "SELECT version, name, checksum, profile, runner, applied_at FROM "+
		chschema.QualifiedName(database, chschema.TableSchemaMigration)+
		" ORDER BY version, applied_at LIMIT 1 BY version")
	if err != nil {
		return nil, fmt.Errorf("migrate: read ledger: %w", err)
	}
	out := make(map[uint32]record, len(recs))
	for _, r := range recs {
		out[r.Version] = r
	}
	return out, nil
}

func checkProfile(done map[uint32]record, p chschema.Profile) error {
	for _, r := range done {
		if r.Profile != p.String() {
			return fmt.Errorf("%w: version %d was applied as %s, not %s", ErrProfileMismatch, r.Version, r.Profile, p)
		}
	}
	return nil
}

// Error codes concurrent CREATE ... IF NOT EXISTS statements can raise on a race between
// the existence check and the creation; a retry then finds the object and does nothing.
var retryableCodes = map[int32]bool{
	57: true, // TABLE_ALREADY_EXISTS, also "is creating or attaching right now"
	82: true, // DATABASE_ALREADY_EXISTS
}

// retryable reports whether err is a transient DDL race.
func retryable(err error) bool {
	var ex *clickhouse.Exception
	return errors.As(err, &ex) && retryableCodes[ex.Code]
}

// exec runs one idempotent DDL statement, retrying the transient races above.
func (c *config) exec(ctx context.Context, conn driver.Conn, sql string) error {
	var err error
	for attempt := 1; attempt <= c.attempts; attempt++ {
		if err = conn.Exec(ctx, sql); err == nil || !retryable(err) {
			return err
		}
		c.logger.DebugContext(ctx, "retrying DDL after a concurrent change", "attempt", attempt, "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(c.backoff * time.Duration(attempt)):
		}
	}
	return err
}
