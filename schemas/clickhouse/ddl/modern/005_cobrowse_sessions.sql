-- One row per (tenant, session, day) of partial aggregate states, filled by
-- cobrowse_sessions_mv; queries merge them per session. Event counts are distinct counts
-- of seq (unique within a session), so redelivered rows do not inflate them; groupBitmap
-- keeps a session's dense seq range in a few bytes. Small granules: the session list
-- reads the states of only the page's sessions (PREWHERE session_id IN ...).
CREATE TABLE IF NOT EXISTS {{.Database}}.cobrowse_sessions
(
    tenant_id         LowCardinality(String),
    session_id        String,
    day               Date,
    first_event_time  AggregateFunction(min, DateTime64(3, 'UTC')),
    last_event_time   AggregateFunction(max, DateTime64(3, 'UTC')),
    events            AggregateFunction(groupBitmap, UInt64),
    agent_events      AggregateFunction(groupBitmapIf, UInt64, UInt8),
    customer_events   AggregateFunction(groupBitmapIf, UInt64, UInt8),
    pages             AggregateFunction(uniqExactIf, String, UInt8),
    agent_involved    AggregateFunction(max, UInt8),
    customer_involved AggregateFunction(max, UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, session_id, day)
TTL day + INTERVAL {{.CobrowseTTLDays}} DAY
SETTINGS index_granularity = 256, ttl_only_drop_parts = 1
