-- Audit events sorted for the tenant-wide activity log: newest first within a tenant.
CREATE TABLE IF NOT EXISTS {{.Database}}.audit_events
(
    event_id       UUID CODEC(ZSTD(1)),
    tenant_id      LowCardinality(String) CODEC(ZSTD(1)),
    user_id        String CODEC(ZSTD(1)),
    event_time     DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    type           Enum8('UNKNOWN' = 0, 'START_CALL' = 1, 'MESSENGER_SEND' = 2, 'LIVE_VIEW' = 3, 'LOGGED_IN' = 4, 'ONLINE_STATUS_ONLINE' = 5, 'ONLINE_STATUS_OFFLINE' = 6, 'STATUS_CHANGE' = 7, 'ROLE_CHANGE' = 8, 'PERMISSION_CHANGE' = 9, 'PLUGIN_CHANGE' = 10, 'SETTINGS_CHANGE' = 11, 'MEETING_CHANGE' = 12, 'CONFERENCE_AGENT' = 13, 'CONFERENCE_RECORDING' = 14) CODEC(ZSTD(1)),
    call_id        String CODEC(ZSTD(1)),
    customer_id    String CODEC(ZSTD(1)),
    session_id     String CODEC(ZSTD(1)),
    status         LowCardinality(String) CODEC(ZSTD(1)),
    message_id     String CODEC(ZSTD(1)),
    role_name      LowCardinality(String) CODEC(ZSTD(1)),
    target_user_id String CODEC(ZSTD(1)),
    permissions    Array(LowCardinality(String)) CODEC(ZSTD(1)),
    data_json      String CODEC(ZSTD(3)),
    operation      Enum8('UNKNOWN' = 0, 'CREATE_OR_UPDATE' = 1, 'DELETE' = 2) CODEC(ZSTD(1)),
    joined_agents  Array(String) CODEC(ZSTD(1)),
    tags           Array(LowCardinality(String)) CODEC(ZSTD(1)),
    -- The activity log filters by type; a set index skips granules without the wanted types.
    INDEX idx_type type TYPE set(16) GRANULARITY 4,
    -- Analysts look up "everything about customer X"; a bloom filter skips the rest.
    INDEX idx_customer customer_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, event_time, event_id)
TTL toDateTime(event_time) + INTERVAL {{.AuditTTLDays}} DAY
SETTINGS index_granularity = 1024, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000
