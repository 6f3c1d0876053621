package chschema

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Table and view names. The consumer inserts into TableCobrowse and TableAudit only; the
// other tables are filled by materialized views.
const (
	TableCobrowse        = "cobrowse_events"         // co-browsing events, sorted for replay
	TableAudit           = "audit_events"            // audit events, sorted for the tenant-wide activity log
	TableAuditByUser     = "audit_events_by_user"    // audit events sorted by (tenant, user, time)
	ViewAuditByUser      = "audit_events_by_user_mv" // fills TableAuditByUser from TableAudit
	TableSessions        = "cobrowse_sessions"       // per-session aggregate states
	ViewSessions         = "cobrowse_sessions_mv"    // fills TableSessions from TableCobrowse
	TableSchemaMigration = "schema_migrations"       // the migration ledger (internal/migrate)
)

// The insert column lists. They follow the column order of the DDL; the legacy profile adds
// event_time_ms right after event_time.
var (
	cobrowseColumns = []string{
		"event_id", "tenant_id", "session_id", "seq", "event_time",
		"actor", "type", "element", "scroll_x", "scroll_y", "form", "input_text",
		"input_masked", "page", "custom_type", "custom_value", "page_url",
	}
	auditColumns = []string{
		"event_id", "tenant_id", "user_id", "event_time",
		"type", "call_id", "customer_id", "session_id", "status", "message_id", "role_name",
		"target_user_id", "permissions", "data_json", "operation", "joined_agents", "tags",
	}
)

// InsertColumns returns the columns to name in an INSERT into table (TableCobrowse or
// TableAudit) for profile p, in the order the row builders produce them. It returns nil
// for any other table or an invalid profile. The slice is a fresh copy.
func InsertColumns(p Profile, table string) []string {
	if !p.valid() {
		return nil
	}
	var cols []string
	switch table {
	case TableCobrowse:
		cols = cobrowseColumns
	case TableAudit:
		cols = auditColumns
	default:
		return nil
	}
	out := slices.Clone(cols)
	if p == Legacy {
		i := slices.Index(out, "event_time")
		out = slices.Insert(out, i+1, "event_time_ms")
	}
	return out
}

// InsertStatement returns "INSERT INTO database.table (columns...)" for PrepareBatch, or ""
// when InsertColumns has no list for table. Since clickhouse-go v2.30 an INSERT without a
// column list fails on 18.16, so always use this (or InsertColumns).
func InsertStatement(p Profile, database, table string) string {
	cols := InsertColumns(p, table)
	if cols == nil {
		return ""
	}
	return fmt.Sprintf("INSERT INTO %s (%s)", QualifiedName(database, table), strings.Join(cols, ", "))
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ValidIdentifier reports whether s is a plain ClickHouse identifier (letters, digits and
// underscores, not starting with a digit). Database names are checked with it because they
// are written into SQL text, not bound as values.
func ValidIdentifier(s string) bool { return identRE.MatchString(s) }

// QualifiedName returns "database.table", or just "table" when database is empty. Both must
// be valid identifiers (see ValidIdentifier); callers validate configured names once.
func QualifiedName(database, table string) string {
	if database == "" {
		return table
	}
	return database + "." + table
}
