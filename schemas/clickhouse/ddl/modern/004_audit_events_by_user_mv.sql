-- Copies every insert into audit_events to audit_events_by_user (same columns).
CREATE MATERIALIZED VIEW IF NOT EXISTS {{.Database}}.audit_events_by_user_mv
TO {{.Database}}.audit_events_by_user
AS SELECT * FROM {{.Database}}.audit_events
