-- The migration ledger. Concurrent runners may both record a version; ReplacingMergeTree
-- and reads with LIMIT 1 BY version make them converge on one row per version.
CREATE TABLE IF NOT EXISTS {{.Database}}.schema_migrations
(
    version    UInt32,
    name       String,
    checksum   String,
    profile    String,
    runner     String,
    applied_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY version
