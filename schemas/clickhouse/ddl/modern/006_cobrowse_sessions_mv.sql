-- Aggregates every insert block of cobrowse_events into cobrowse_sessions.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{.Database}}.cobrowse_sessions_mv
TO {{.Database}}.cobrowse_sessions
AS SELECT
    tenant_id,
    session_id,
    toDate(event_time) AS day,
    minState(event_time) AS first_event_time,
    maxState(event_time) AS last_event_time,
    groupBitmapState(seq) AS events,
    groupBitmapIfState(seq, actor = 'AGENT') AS agent_events,
    groupBitmapIfState(seq, actor = 'CUSTOMER') AS customer_events,
    uniqExactIfState(page, type = 'PAGE-CHANGE') AS pages,
    maxState(toUInt8(actor = 'AGENT')) AS agent_involved,
    maxState(toUInt8(actor = 'CUSTOMER')) AS customer_involved
FROM {{.Database}}.cobrowse_events
GROUP BY tenant_id, session_id, day
