package consumer

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics holds the consumer's collectors. With a nil Registerer every collector still
// exists (so the hot path needs no nil checks) but is registered nowhere.
type metrics struct {
	consumed      *prometheus.CounterVec   // topic
	inserted      *prometheus.CounterVec   // topic
	deadLettered  *prometheus.CounterVec   // topic, reason
	batchRows     *prometheus.HistogramVec // table
	batchBytes    *prometheus.HistogramVec // table
	insertDur     *prometheus.HistogramVec // table
	flushes       *prometheus.CounterVec   // table, trigger
	retries       *prometheus.CounterVec   // table
	failures      *prometheus.CounterVec   // table
	commits       prometheus.Counter
	commitErrors  prometheus.Counter
	dlqErrors     prometheus.Counter
	buffered      prometheus.Gauge
	paused        prometheus.Gauge
	latency       *prometheus.HistogramVec // table
	lag           *prometheus.GaugeVec     // topic, partition
	ready         prometheus.Gauge
	assigned      *prometheus.GaugeVec   // topic
	schemaLookups *prometheus.CounterVec // result
}

const ns, subsystem = "auditstream", "consumer"

func newMetrics(reg prometheus.Registerer) *metrics {
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: ns, Subsystem: subsystem, Name: name, Help: help}
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts(opts(name, help)), labels)
	}
	hist := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: subsystem, Name: name, Help: help, Buckets: buckets,
		}, labels)
	}
	m := &metrics{
		consumed:     counter("records_consumed_total", "Records polled from Kafka.", "topic"),
		inserted:     counter("records_inserted_total", "Records inserted into ClickHouse (counted once the insert succeeded).", "topic"),
		deadLettered: counter("records_dead_lettered_total", "Records written to the dead-letter topic, by reason (decode, unknown-schema, validation).", "topic", "reason"),
		batchRows:    hist("batch_rows", "Rows per ClickHouse insert.", prometheus.ExponentialBuckets(1, 4, 10), "table"),
		batchBytes:   hist("batch_bytes", "Estimated in-memory bytes per ClickHouse insert.", prometheus.ExponentialBuckets(1024, 4, 10), "table"),
		insertDur:    hist("insert_duration_seconds", "Duration of successful ClickHouse inserts.", prometheus.ExponentialBuckets(0.005, 2, 14), "table"),
		flushes:      counter("flushes_total", "Batches sealed for insert, by what triggered the flush (rows, bytes, age, revoke, shutdown).", "table", "trigger"),
		retries:      counter("insert_retries_total", "Insert attempts that retried a batch after a failed attempt.", "table"),
		failures:     counter("insert_failures_total", "Failed insert attempts (each is retried; batches are never dropped).", "table"),
		commits: prometheus.NewCounter(prometheus.CounterOpts(opts("commits_total",
			"Successful offset commits."))),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts(opts("commit_errors_total",
			"Failed offset commits (the offsets are retried with the next commit)."))),
		dlqErrors: prometheus.NewCounter(prometheus.CounterOpts(opts("dlq_produce_errors_total",
			"Failed attempts to write dead letters (retried; their offsets stay uncommitted)."))),
		buffered: prometheus.NewGauge(prometheus.GaugeOpts(opts("buffered_bytes",
			"Estimated bytes of decoded rows held in batches not yet inserted (bounded by max_buffered_bytes)."))),
		paused: prometheus.NewGauge(prometheus.GaugeOpts(opts("paused",
			"1 while fetching is paused because buffered_bytes reached max_buffered_bytes, else 0."))),
		latency: hist("end_to_end_latency_seconds", "Insert completion time minus event time, per row.",
			prometheus.ExponentialBuckets(0.01, 2, 16), "table"),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("lag_records",
			"Records behind the partition's high watermark as of the last fetch.")), []string{"topic", "partition"}),
		ready: prometheus.NewGauge(prometheus.GaugeOpts(opts("ready",
			"1 while Run is consuming (the same as /readyz), else 0."))),
		assigned: prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("assigned_partitions",
			"Partitions of the topic currently assigned to this group member.")), []string{"topic"}),
		schemaLookups: counter("schema_registry_lookups_total",
			"Schema Registry lookups of schema IDs the consumer did not know, by result (loaded, unknown, error).", "result"),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{
			m.consumed, m.inserted, m.deadLettered, m.batchRows, m.batchBytes, m.insertDur,
			m.flushes, m.retries, m.failures, m.commits, m.commitErrors, m.dlqErrors,
			m.buffered, m.paused, m.latency, m.lag, m.ready, m.assigned, m.schemaLookups,
		} {
			reg.MustRegister(c)
		}
	}
	return m
}

// initSeries creates every labelled series whose label values are known at start-up, at
// zero, so that increase() and rate() see the first event instead of a series appearing
// with its first value. tables maps each consumed topic to its table.
func (m *metrics) initSeries(tables map[string]string, registry bool) {
	reasons := []Reason{ReasonDecode, ReasonUnknownSchema, ReasonValidation}
	triggers := []Trigger{TriggerRows, TriggerBytes, TriggerAge, TriggerRevoke, TriggerShutdown}
	for topic, table := range tables {
		m.consumed.WithLabelValues(topic)
		m.inserted.WithLabelValues(topic)
		m.assigned.WithLabelValues(topic)
		for _, r := range reasons {
			m.deadLettered.WithLabelValues(topic, string(r))
		}
		m.batchRows.WithLabelValues(table)
		m.batchBytes.WithLabelValues(table)
		m.insertDur.WithLabelValues(table)
		m.latency.WithLabelValues(table)
		m.retries.WithLabelValues(table)
		m.failures.WithLabelValues(table)
		for _, tr := range triggers {
			m.flushes.WithLabelValues(table, string(tr))
		}
	}
	if registry { // without a registry lookup there is nothing to count
		for _, r := range []string{lookupLoaded, lookupUnknown, lookupError} {
			m.schemaLookups.WithLabelValues(r)
		}
	}
}

func partLabel(p int32) string { return strconv.FormatInt(int64(p), 10) }
