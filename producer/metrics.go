package producer

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/auditstream/auditstream/event"
)

// Category label values.
const (
	categoryAudit    = "audit"
	categoryCobrowse = "cobrowse"
)

// Rejection reasons: the "reason" label of auditstream_producer_rejected_total.
const (
	reasonValidation = "validation"  // the event failed event.Validate
	reasonEncode     = "encode"      // the codec could not encode it
	reasonTooLarge   = "too_large"   // encoded, it does not fit a batch
	reasonBufferFull = "buffer_full" // FailWhenFull and the buffer was full
	reasonCanceled   = "canceled"    // ctx ended while waiting for buffer space
	reasonClosed     = "closed"      // the producer was closed
)

// The catalogue's types, to create every labelled series up front: a type
// that never occurred shows as 0, not as a missing series, and the hot path
// does no label lookups.
var (
	auditTypes = []event.AuditType{
		event.StartCall, event.MessengerSend, event.LiveView, event.LoggedIn,
		event.OnlineStatusOnline, event.OnlineStatusOffline, event.StatusChange,
		event.RoleChange, event.PermissionChange, event.PluginChange,
		event.SettingsChange, event.MeetingChange, event.ConferenceAgent,
		event.ConferenceRecording,
	}
	cobrowseTypes = []event.CobrowseType{
		event.Click, event.Scroll, event.Form, event.Input, event.PageChange,
		event.Selection, event.CustomEvent,
	}
	rejectReasons = []string{reasonValidation, reasonEncode, reasonTooLarge, reasonBufferFull, reasonCanceled, reasonClosed}
)

// metrics are the producer's own metrics; a nil *metrics records nothing.
type metrics struct {
	reg        prometheus.Registerer
	collectors []prometheus.Collector

	auditEvents    map[event.AuditType]prometheus.Counter
	cobrowseEvents map[event.CobrowseType]prometheus.Counter
	rejected       *prometheus.CounterVec
	failed         [2]prometheus.Counter // by category index
	bytes          [2]prometheus.Counter
	delivery       [2]prometheus.Observer
}

const (
	idxAudit    = 0
	idxCobrowse = 1
)

var categories = [2]string{idxAudit: categoryAudit, idxCobrowse: categoryCobrowse}

// newMetrics registers the metrics with r; buffered reports the gate's load.
func newMetrics(r prometheus.Registerer, buffered func() (recs, bytes int64)) (*metrics, error) {
	events := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "auditstream_producer_events_total",
		Help: "Events acknowledged by Kafka, by category and type.",
	}, []string{"category", "type"})
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "auditstream_producer_rejected_total",
		Help: "Events refused by an emit before they were buffered (nothing was sent), by category and reason.",
	}, []string{"category", "reason"})
	failed := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "auditstream_producer_failed_total",
		Help: "Buffered events whose delivery failed (timeout, broker error, close), by category.",
	}, []string{"category"})
	encoded := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "auditstream_producer_encoded_bytes_total",
		Help: "Bytes (key + Confluent-framed Avro value, before compression) of events acknowledged by Kafka, by category.",
	}, []string{"category"})
	delivery := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "auditstream_producer_delivery_seconds",
		Help:    "Time from an emit to Kafka's acknowledgement, by category.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"category"})
	bufRecs := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "auditstream_producer_buffered_records",
		Help: "Events emitted and not yet acknowledged or failed.",
	}, func() float64 { n, _ := buffered(); return float64(n) })
	bufBytes := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "auditstream_producer_buffered_bytes",
		Help: "Bytes (key + value) of events emitted and not yet acknowledged or failed.",
	}, func() float64 { _, n := buffered(); return float64(n) })

	m := &metrics{
		reg:            r,
		collectors:     []prometheus.Collector{events, rejected, failed, encoded, delivery, bufRecs, bufBytes},
		auditEvents:    make(map[event.AuditType]prometheus.Counter, len(auditTypes)),
		cobrowseEvents: make(map[event.CobrowseType]prometheus.Counter, len(cobrowseTypes)),
		rejected:       rejected,
	}
	for _, t := range auditTypes {
		m.auditEvents[t] = events.WithLabelValues(categoryAudit, string(t))
	}
	for _, t := range cobrowseTypes {
		m.cobrowseEvents[t] = events.WithLabelValues(categoryCobrowse, string(t))
	}
	for i, c := range categories {
		m.failed[i] = failed.WithLabelValues(c)
		m.bytes[i] = encoded.WithLabelValues(c)
		m.delivery[i] = delivery.WithLabelValues(c)
		for _, r := range rejectReasons {
			rejected.WithLabelValues(c, r)
		}
	}
	for i, c := range m.collectors {
		if err := r.Register(c); err != nil {
			for _, c := range m.collectors[:i] {
				r.Unregister(c)
			}
			return nil, err
		}
	}
	return m, nil
}

// unregister removes the metrics, so that a later Producer can use the same
// Registerer.
func (m *metrics) unregister() {
	if m == nil {
		return
	}
	for _, c := range m.collectors {
		m.reg.Unregister(c)
	}
}

func (m *metrics) reject(cat int, reason string) {
	if m != nil {
		m.rejected.WithLabelValues(categories[cat], reason).Inc()
	}
}

// delivered records one finished delivery; typ is the event type's catalogue
// spelling.
func (m *metrics) delivered(cat int, typ string, size int, start time.Time, err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.failed[cat].Inc()
		return
	}
	var c prometheus.Counter
	if cat == idxAudit {
		c = m.auditEvents[event.AuditType(typ)]
	} else {
		c = m.cobrowseEvents[event.CobrowseType(typ)]
	}
	if c != nil { // validated events have catalogue types
		c.Inc()
	}
	m.bytes[cat].Add(float64(size))
	m.delivery[cat].Observe(time.Since(start).Seconds())
}
