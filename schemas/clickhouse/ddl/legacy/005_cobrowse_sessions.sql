-- Session summaries for ClickHouse 18.16: times are epoch milliseconds (no DateTime64) and
-- distinct counts use uniqExact (groupBitmap does not exist there). Small granules: the
-- session list reads the states of only the page's sessions.
CREATE TABLE IF NOT EXISTS {{.Database}}.cobrowse_sessions
(
    tenant_id         String,
    session_id        String,
    day               Date,
    first_event_time  AggregateFunction(min, UInt64),
    last_event_time   AggregateFunction(max, UInt64),
    events            AggregateFunction(uniqExact, UInt64),
    agent_events      AggregateFunction(uniqExactIf, UInt64, UInt8),
    customer_events   AggregateFunction(uniqExactIf, UInt64, UInt8),
    pages             AggregateFunction(uniqExactIf, String, UInt8),
    agent_involved    AggregateFunction(max, UInt8),
    customer_involved AggregateFunction(max, UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, session_id, day)
SETTINGS index_granularity = 256
