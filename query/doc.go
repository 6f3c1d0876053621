// Package query holds the tenant-scoped read queries of auditstream: session replay, the
// session list and the activity log. It is the only read path the CLI and the read API use.
//
//	conn, _ := clickhouse.Open(&clickhouse.Options{Addr: []string{"127.0.0.1:9000"}})
//	p, _ := chschema.DetectProfile(ctx, conn)
//	q, err := query.New(conn, "auditstream", p)
//	page, err := q.Replay(ctx, query.ReplayRequest{Tenant: "acme", Session: "s-1", Limit: 500})
//	for _, e := range page.Events { ... }
//	if page.Next != nil { /* ask again with After: page.Next */ }
//
// Tenant isolation: every request needs a tenant (ErrNoTenant otherwise) and every
// statement filters on it first; there is no call that reads across tenants.
//
// Deduplication: rows redelivered by Kafka may sit unmerged next to their originals until
// ReplacingMergeTree merges them. Queries collapse them with LIMIT 1 BY event_id over the
// few rows they read (not FINAL, which merges the whole range at read time), and page with
// keysets that include event_id, so pages are stable and never repeat or skip an event.
//
// Profiles: results are identical on the modern and legacy (18.16) schema; the statements
// differ only in how they read event_time. In the activity log, events of the same
// millisecond are ordered by the event ID's text form, which orders the same on every
// server version; in a replay (time, seq) is unique by contract.
//
// Values are never spliced into SQL by this package: statements use ? placeholders and
// clickhouse-go binds them client-side with proper quoting (18.16 has no server-side
// parameters). Statement.Inline produces the same text for tools that take plain SQL.
//
// A Client is safe for concurrent use; it holds no state besides the connection pool.
package query
