-- Aggregates every insert block of cobrowse_events into cobrowse_sessions.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{.Database}}.cobrowse_sessions_mv
TO {{.Database}}.cobrowse_sessions
AS SELECT
    tenant_id,
    session_id,
    toDate(event_time) AS day,
    minState(toUInt64(event_time) * 1000 + event_time_ms) AS first_event_time,
    maxState(toUInt64(event_time) * 1000 + event_time_ms) AS last_event_time,
    uniqExactState(seq) AS events,
    uniqExactIfState(seq, actor = 'AGENT') AS agent_events,
    uniqExactIfState(seq, actor = 'CUSTOMER') AS customer_events,
    uniqExactIfState(page, type = 'PAGE-CHANGE') AS pages,
    maxState(toUInt8(actor = 'AGENT')) AS agent_involved,
    maxState(toUInt8(actor = 'CUSTOMER')) AS customer_involved
FROM {{.Database}}.cobrowse_events
GROUP BY tenant_id, session_id, day
