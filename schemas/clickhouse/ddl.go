package chschema

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"text/template"
)

//go:embed ddl
var ddlFS embed.FS

// Default retention of the modern profile (the legacy profile has no TTL).
const (
	DefaultCobrowseTTLDays = 365  // co-browsing events: one year
	DefaultAuditTTLDays    = 1095 // audit events: three years
)

// Config parameterises the DDL. Its zero value is valid only with Database set.
type Config struct {
	// Database the tables live in. Required; must be a plain identifier.
	Database string
	// CobrowseTTLDays is the retention of cobrowse_events and cobrowse_sessions on the
	// modern profile. Zero means DefaultCobrowseTTLDays.
	CobrowseTTLDays int
	// AuditTTLDays is the retention of audit_events and audit_events_by_user on the modern
	// profile. Zero means DefaultAuditTTLDays.
	AuditTTLDays int
}

// ErrInvalidConfig wraps every Config validation error.
var ErrInvalidConfig = errors.New("chschema: invalid config")

func (c Config) withDefaults() (Config, error) {
	if !ValidIdentifier(c.Database) {
		return c, fmt.Errorf("%w: database %q is not a plain identifier", ErrInvalidConfig, c.Database)
	}
	if c.CobrowseTTLDays == 0 {
		c.CobrowseTTLDays = DefaultCobrowseTTLDays
	}
	if c.AuditTTLDays == 0 {
		c.AuditTTLDays = DefaultAuditTTLDays
	}
	if c.CobrowseTTLDays < 0 || c.AuditTTLDays < 0 {
		return c, fmt.Errorf("%w: TTL days must be positive", ErrInvalidConfig)
	}
	return c, nil
}

// Migration is one versioned schema change: a single DDL statement, idempotent (IF NOT
// EXISTS), rendered for one profile and Config.
type Migration struct {
	Version  uint32 // 1, 2, ... in apply order; the same versions exist in both profiles
	Name     string // e.g. "cobrowse_events"
	SQL      string // the statement, without a trailing semicolon
	Checksum string // hex SHA-256 of the unrendered template: changes when the DDL file changes
}

// Migrations returns the profile's migrations in version order, rendered for cfg.
func Migrations(p Profile, cfg Config) ([]Migration, error) {
	if !p.valid() {
		return nil, fmt.Errorf("%w: profile %v", ErrInvalidConfig, p)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	dir := path.Join("ddl", p.String())
	entries, err := fs.ReadDir(ddlFS, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries { // ReadDir sorts by name: 001_..., 002_...
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		num, rest, ok := strings.Cut(name, "_")
		v, err := strconv.ParseUint(num, 10, 32)
		if !ok || err != nil || v == 0 {
			return nil, fmt.Errorf("chschema: bad migration file name %s", e.Name())
		}
		if want := uint32(len(out) + 1); uint32(v) != want {
			return nil, fmt.Errorf("chschema: migration %s: want version %d", e.Name(), want)
		}
		m, err := render(path.Join(dir, e.Name()), cfg)
		if err != nil {
			return nil, err
		}
		m.Version, m.Name = uint32(v), rest
		out = append(out, m)
	}
	return out, nil
}

// MigrationsTable returns the CREATE TABLE IF NOT EXISTS statement of the migration ledger
// (TableSchemaMigration); it is the same for both profiles.
func MigrationsTable(cfg Config) (string, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return "", err
	}
	m, err := render("ddl/schema_migrations.sql", cfg)
	return m.SQL, err
}

func render(file string, cfg Config) (Migration, error) {
	src, err := ddlFS.ReadFile(file)
	if err != nil {
		return Migration{}, err
	}
	tmpl, err := template.New(file).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return Migration{}, fmt.Errorf("chschema: %s: %w", file, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, cfg); err != nil {
		return Migration{}, fmt.Errorf("chschema: %s: %w", file, err)
	}
	sum := sha256.Sum256(src)
	// Drop whole-line comments: they document the files, not the statements.
	var lines []string
	for _, line := range strings.Split(buf.String(), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			lines = append(lines, line)
		}
	}
	return Migration{
		SQL:      strings.TrimRight(strings.TrimSpace(strings.Join(lines, "\n")), ";"),
		Checksum: hex.EncodeToString(sum[:]),
	}, nil
}
