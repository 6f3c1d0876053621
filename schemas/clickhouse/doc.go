// Package chschema holds the ClickHouse schema of auditstream: the DDL of every table for
// both server profiles (embedded, applied by internal/migrate), the table names, the insert
// column lists the consumer writes, and columnar row builders that turn event values into
// those columns.
//
// Two profiles exist because production runs modern ClickHouse (24.8 and later) while the
// test machines run 18.16, which lacks DateTime64, codecs, TTL and skip indexes. Column
// names are the same in both; Legacy adds event_time_ms (the millisecond part of
// event_time). Choose the profile from the server with DetectProfile:
//
//	p, err := chschema.DetectProfile(ctx, conn)
//	if err != nil { ... }
//	cols := chschema.InsertColumns(p, chschema.TableCobrowse)
//	batch, err := conn.PrepareBatch(ctx, chschema.InsertStatement(p, "auditstream", chschema.TableCobrowse))
//	var b chschema.CobrowseColumns  // reuse across batches: b.Reset()
//	for i := range events { b.Append(&events[i]) }
//	for i, col := range b.Columns(p) { batch.Column(i).Append(col) }  // same order as cols
//
// Everything here is immutable or per-value: safe for concurrent use, except that one
// CobrowseColumns or AuditColumns value must not be used from two goroutines at once
// (Columns writes to it too).
package chschema
