-- Co-browsing events for ClickHouse 18.16: no DateTime64 (event_time_ms holds the millisecond
-- part), no codecs, TTL or skip indexes; LowCardinality is experimental there, so plain String.
CREATE TABLE IF NOT EXISTS {{.Database}}.cobrowse_events
(
    event_id      UUID,
    tenant_id     String,
    session_id    String,
    seq           UInt64,
    event_time    DateTime('UTC'),
    event_time_ms UInt16,
    actor         Enum8('UNKNOWN' = 0, 'AGENT' = 1, 'CUSTOMER' = 2),
    type          Enum8('UNKNOWN' = 0, 'CLICK' = 1, 'SCROLL' = 2, 'FORM' = 3, 'INPUT' = 4, 'PAGE-CHANGE' = 5, 'SELECTION' = 6, 'CUSTOM_EVENT' = 7),
    element       String,
    scroll_x      Int64,
    scroll_y      Int64,
    form          String,
    input_text    String,
    input_masked  UInt8,
    page          String,
    custom_type   String,
    custom_value  String,
    page_url      String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, session_id, event_time, event_time_ms, seq, event_id)
SETTINGS index_granularity = 1024
