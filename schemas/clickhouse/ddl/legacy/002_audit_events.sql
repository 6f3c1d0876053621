-- Audit events for ClickHouse 18.16, sorted for the tenant-wide activity log.
CREATE TABLE IF NOT EXISTS {{.Database}}.audit_events
(
    event_id       UUID,
    tenant_id      String,
    user_id        String,
    event_time     DateTime('UTC'),
    event_time_ms  UInt16,
    type           Enum8('UNKNOWN' = 0, 'START_CALL' = 1, 'MESSENGER_SEND' = 2, 'LIVE_VIEW' = 3, 'LOGGED_IN' = 4, 'ONLINE_STATUS_ONLINE' = 5, 'ONLINE_STATUS_OFFLINE' = 6, 'STATUS_CHANGE' = 7, 'ROLE_CHANGE' = 8, 'PERMISSION_CHANGE' = 9, 'PLUGIN_CHANGE' = 10, 'SETTINGS_CHANGE' = 11, 'MEETING_CHANGE' = 12, 'CONFERENCE_AGENT' = 13, 'CONFERENCE_RECORDING' = 14),
    call_id        String,
    customer_id    String,
    session_id     String,
    status         String,
    message_id     String,
    role_name      String,
    target_user_id String,
    permissions    Array(String),
    data_json      String,
    operation      Enum8('UNKNOWN' = 0, 'CREATE_OR_UPDATE' = 1, 'DELETE' = 2),
    joined_agents  Array(String),
    tags           Array(String)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, event_time, event_time_ms, event_id)
SETTINGS index_granularity = 1024
