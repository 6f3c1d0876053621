// Package consumer is the auditstream ingestion pipeline as a library: a Kafka consumer
// group member (franz-go, cooperative-sticky) that decodes Confluent-framed Avro events,
// batches them per ClickHouse table, inserts each batch with one columnar INSERT, and
// commits offsets only for records whose insert (or dead-letter write) succeeded.
// The auditstream consume command, the benchmarks and the chaos tools all run it.
//
//	c, err := consumer.New(ctx, consumer.Config{
//		Brokers:    []string{"127.0.0.1:19092"},
//		ClickHouse: consumer.ClickHouseConfig{Addr: []string{"127.0.0.1:19000"}},
//		Registerer: reg,    // nil: no metrics
//		Logger:     logger, // nil: silent
//	})
//	if err != nil { ... }
//	err = c.Run(ctx) // until ctx is canceled; then flush, commit, leave the group
//
// # Delivery
//
// Each table (cobrowse_events, audit_events) has an open batch governed by a BatchPolicy
// (max rows, max estimated bytes, max age; whichever comes first). A sealed batch goes to
// the table's flusher goroutine, which inserts it through the Sink and retries a failed
// insert forever with capped exponential backoff and jitter: a batch is never dropped or
// cleared before its insert succeeded. On the modern ClickHouse profile every insert
// carries a deterministic insert_deduplication_token (Batch.DedupToken: table and
// topic/partition/first-last offsets), so a retried insert whose first attempt did land is
// discarded by the server; on the legacy profile ReplacingMergeTree and query-side
// deduplication by event_id absorb redeliveries.
//
// Offsets: per partition the consumer tracks runs of consecutive offsets waiting for the
// same unit (a batch, or one poll's dead-letter writes) and commits exactly up to the first
// record that is not yet stored; never past it. Commits happen only while rebalances are
// blocked (kgo.BlockRebalanceOnPoll), so the partitions are still ours. On revocation the
// consumer seals every open batch, waits up to Config.RevokeTimeout for the inserts, and
// commits before giving the partitions up. On lost partitions (the group forgot us) it
// drops their rows that are not yet being inserted and commits nothing for them: the next
// owner redelivers from the last commit. At shutdown it does the same as a revocation,
// bounded by Config.ShutdownTimeout, then leaves the group.
//
// Bad records (bytes that are no Confluent frame, unknown schema IDs, events failing
// validation) go to the dead-letter topic with their original key, value and headers plus
// the auditstream-dlq-* headers (HeaderReason ...); their offsets are committed only after
// that produce succeeded, and consumption continues. ScanDeadLetters and ParseDeadLetter
// read them back (auditstream dlq list|replay).
//
// # Schema Registry
//
// By default the consumer decodes the schema IDs pinned in package schemas. With
// Config.SchemaRegistry.URL set it builds its decoder with event.NewRegistryCodec (subjects
// "<topic>-value" of the configured topics), so it decodes the IDs its producers got from
// the registry. A record whose schema ID the decoder does not know (a newer producer's
// schema version) makes the consumer ask the registry for that ID, once, and retry the
// decode; the record goes to the dead-letter topic as unknown-schema only if that fails.
// IDs the registry could not resolve (unknown, not an auditstream schema, or a failed
// request) are not asked for again for SchemaRegistry.MissTTL, and at most 4096 of them are
// remembered (beyond that, new unknown IDs go to the DLQ without a lookup until entries
// expire), so a flood of bad IDs does not hammer the registry. A lookup runs on the
// polling goroutine (up to 10 s), so a slow registry delays consumption, not correctness.
//
// # Memory
//
// Config.MaxBufferedBytes bounds the estimated bytes of decoded rows that are not yet
// inserted (open, queued and in-flight batches; estimate = record value size + a fixed
// per-row cost of the column buffers, about 230 B for a co-browsing row). At the bound the
// consumer pauses fetching (PauseFetchTopics) and resumes below half of it, so a slow or
// unavailable ClickHouse stops intake instead of growing memory. The bound can be
// overshot by one poll (Config.MaxPollRecords records). The process RSS is roughly
//
//	RSS ≈ 2 × (MaxBufferedBytes + franz-go fetch buffers + one batch being encoded by
//	      clickhouse-go) + ~30 MiB runtime
//
// where 2× is Go's heap growth at GOGC=100 and the fetch buffers are bounded by franz-go's
// FetchMaxBytes (50 MiB per broker by default). Lower MaxBufferedBytes (and batch.max_bytes)
// or set GOMEMLIMIT to cap it.
//
// # Metrics
//
// All under auditstream_consumer_ (registered on Config.Registerer; nil: none). The labelled
// series whose label values are known at start-up (the configured topics, the two tables,
// the reasons, the triggers, the lookup results) exist at 0 from New on, so increase() and
// rate() see the first event:
//
//	records_consumed_total{topic}                records polled from Kafka
//	records_inserted_total{topic}                records stored (counted after the insert succeeded)
//	records_dead_lettered_total{topic,reason}    records written to the DLQ (decode, unknown-schema, validation)
//	batch_rows{table}                            histogram: rows per insert
//	batch_bytes{table}                           histogram: estimated bytes per insert
//	insert_duration_seconds{table}               histogram: duration of successful inserts
//	flushes_total{table,trigger}                 sealed batches by trigger: rows, bytes, age, revoke, shutdown
//	insert_retries_total{table}                  insert attempts retrying a batch
//	insert_failures_total{table}                 failed insert attempts
//	commits_total                                successful offset commits
//	commit_errors_total                          failed offset commits (retried with the next commit)
//	dlq_produce_errors_total                     failed dead-letter writes (retried)
//	buffered_bytes                               gauge: estimated bytes not yet inserted
//	paused                                       gauge: 1 while fetching is paused by backpressure
//	end_to_end_latency_seconds{table}            histogram: insert completion time minus event time, per row
//	lag_records{topic,partition}                 gauge: records behind the high watermark at the last fetch
//	ready                                        gauge: 1 while Run is consuming (as /readyz), else 0
//	assigned_partitions{topic}                   gauge: partitions assigned to this member
//	schema_registry_lookups_total{result}        lookups of unknown schema IDs: loaded, unknown, error
//	                                             (only with a registry)
//
// plus franz-go client metrics from kprom under auditstream_consumer_kafka_ (connects,
// read/write bytes and errors, fetch bytes per topic, buffered records).
//
// # Concurrency
//
// Run may be called once per Consumer; Ready is safe for concurrent use. Internally one
// goroutine polls and decodes, one flusher per table inserts, and franz-go's group
// goroutine runs the revoke/lost callbacks; a mutex guards the shared state, and the
// callbacks never run while a poll is being processed. A Sink is called by one flusher
// per table, so a Sink used for both tables must be safe for concurrent use.
package consumer
