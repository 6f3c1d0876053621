-- Co-browsing events, one row per event. Sorted so that one session's events are one
-- contiguous range in (time, seq) order: replay reads only that session's granules.
-- event_id closes the sorting key, so ReplacingMergeTree collapses redelivered rows.
CREATE TABLE IF NOT EXISTS {{.Database}}.cobrowse_events
(
    event_id     UUID CODEC(ZSTD(1)),
    tenant_id    LowCardinality(String) CODEC(ZSTD(1)),
    session_id   String CODEC(ZSTD(1)),
    seq          UInt64 CODEC(Delta, ZSTD(1)),
    event_time   DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    actor        Enum8('UNKNOWN' = 0, 'AGENT' = 1, 'CUSTOMER' = 2) CODEC(ZSTD(1)),
    type         Enum8('UNKNOWN' = 0, 'CLICK' = 1, 'SCROLL' = 2, 'FORM' = 3, 'INPUT' = 4, 'PAGE-CHANGE' = 5, 'SELECTION' = 6, 'CUSTOM_EVENT' = 7) CODEC(ZSTD(1)),
    element      LowCardinality(String) CODEC(ZSTD(1)),
    scroll_x     Int64 CODEC(T64, ZSTD(1)),
    scroll_y     Int64 CODEC(T64, ZSTD(1)),
    form         LowCardinality(String) CODEC(ZSTD(1)),
    input_text   String CODEC(ZSTD(3)),
    input_masked UInt8 CODEC(ZSTD(1)),
    page         LowCardinality(String) CODEC(ZSTD(1)),
    custom_type  LowCardinality(String) CODEC(ZSTD(1)),
    custom_value String CODEC(ZSTD(3)),
    page_url     String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, session_id, event_time, seq, event_id)
TTL toDateTime(event_time) + INTERVAL {{.CobrowseTTLDays}} DAY
SETTINGS index_granularity = 1024, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000
