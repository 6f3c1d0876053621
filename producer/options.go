package producer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/auditstream/auditstream/event"
)

// Default values of the options. They are frozen API: each one is chosen to be
// safe for latency and memory in an emitting service, not to win a benchmark.
const (
	// DefaultAuditTopic is the topic audit events go to.
	DefaultAuditTopic = "auditstream.audit"
	// DefaultCobrowseTopic is the topic co-browsing events go to.
	DefaultCobrowseTopic = "auditstream.cobrowse"
	// DefaultClientID is the Kafka client ID the producer announces.
	DefaultClientID = "auditstream-producer"
	// DefaultLinger is how long a partition waits for more records before a batch
	// is sent: short enough that one event is on the broker a few milliseconds after
	// it was emitted, long enough to batch a busy service's events.
	DefaultLinger = 5 * time.Millisecond
	// DefaultBatchMaxBytes is the largest record batch, before compression; it is
	// also the bound on one encoded event. It is franz-go's default, a little
	// below the broker's default max.message.bytes (1048588).
	DefaultBatchMaxBytes = 1_000_012
	// DefaultMaxBufferedRecords bounds how many events are buffered (emitted but
	// not yet acknowledged by Kafka).
	DefaultMaxBufferedRecords = 50_000
	// DefaultMaxBufferedBytes bounds the bytes of buffered events (key + value).
	DefaultMaxBufferedBytes = 64 << 20
	// DefaultDeliveryTimeout is how long a buffered event may wait to be
	// acknowledged before its callback fails with kgo.ErrRecordTimeout; it is the
	// Java client's delivery.timeout.ms default.
	DefaultDeliveryTimeout = 2 * time.Minute
)

// DefaultCompression is the compression codec preference of produce batches: lz4,
// with no compression as the fallback for brokers that cannot take it. Measured on
// co-browsing events (bench/producebench, see producer/doc.go): lz4 costs
// the least CPU per event; zstd compresses best but costs more CPU.
var DefaultCompression = []kgo.CompressionCodec{kgo.Lz4Compression(), kgo.NoCompression()}

// FullBufferPolicy says what an emit does when MaxBufferedRecords or
// MaxBufferedBytes are reached.
type FullBufferPolicy int

const (
	// BlockWhenFull makes an emit wait until enough buffered events are
	// acknowledged, or until its context is done (the emit then returns the
	// context's error and nothing is buffered). This is the default: backpressure
	// without loss.
	BlockWhenFull FullBufferPolicy = iota
	// FailWhenFull makes an emit return ErrBufferFull at once: load shedding for
	// callers that must never wait on Kafka.
	FailWhenFull
)

// String returns the policy's name.
func (p FullBufferPolicy) String() string {
	switch p {
	case BlockWhenFull:
		return "block"
	case FailWhenFull:
		return "fail"
	default:
		return fmt.Sprintf("FullBufferPolicy(%d)", int(p))
	}
}

// cfg is the producer configuration; defaultCfg holds every default.
type cfg struct {
	brokers         []string
	auditTopic      string
	cobrowseTopic   string
	clientID        string
	codec           *event.Codec
	registryURL     string
	masker          event.Masker
	linger          time.Duration
	batchMaxBytes   int32
	compression     []kgo.CompressionCodec
	maxBufRecords   int
	maxBufBytes     int
	fullPolicy      FullBufferPolicy
	deliveryTimeout time.Duration
	logger          *slog.Logger
	registerer      prometheus.Registerer
	kgoOpts         []kgo.Opt
}

func defaultCfg() cfg {
	return cfg{
		auditTopic:      DefaultAuditTopic,
		cobrowseTopic:   DefaultCobrowseTopic,
		clientID:        DefaultClientID,
		masker:          event.DefaultMasker,
		linger:          DefaultLinger,
		batchMaxBytes:   DefaultBatchMaxBytes,
		compression:     DefaultCompression,
		maxBufRecords:   DefaultMaxBufferedRecords,
		maxBufBytes:     DefaultMaxBufferedBytes,
		fullPolicy:      BlockWhenFull,
		deliveryTimeout: DefaultDeliveryTimeout,
		logger:          slog.New(slog.DiscardHandler),
	}
}

// minBatchMaxBytes is franz-go's lower bound for a record batch.
const minBatchMaxBytes = 512

// validate checks the configuration; it does no I/O.
func (c *cfg) validate() error {
	var errs []error
	if len(c.brokers) == 0 {
		errs = append(errs, errors.New("no brokers: use Brokers"))
	}
	for _, b := range c.brokers {
		if b == "" {
			errs = append(errs, errors.New("empty broker address"))
		}
	}
	if c.auditTopic == "" || c.cobrowseTopic == "" {
		errs = append(errs, errors.New("empty topic name"))
	} else if c.auditTopic == c.cobrowseTopic {
		errs = append(errs, fmt.Errorf("audit and co-browsing topics are both %q: each category needs its own topic", c.auditTopic))
	}
	if c.linger < 0 {
		errs = append(errs, fmt.Errorf("linger %v is negative", c.linger))
	}
	if c.batchMaxBytes < minBatchMaxBytes || c.batchMaxBytes > 1<<30 {
		errs = append(errs, fmt.Errorf("batch max bytes %d is outside [%d, %d]", c.batchMaxBytes, minBatchMaxBytes, 1<<30))
	}
	if len(c.compression) == 0 {
		errs = append(errs, errors.New("no compression codec: use kgo.NoCompression() to disable compression"))
	}
	if c.maxBufRecords < 1 {
		errs = append(errs, fmt.Errorf("max buffered records %d is below 1", c.maxBufRecords))
	}
	if c.maxBufBytes < int(c.batchMaxBytes) {
		errs = append(errs, fmt.Errorf("max buffered bytes %d is below batch max bytes %d: the largest event could never be buffered", c.maxBufBytes, c.batchMaxBytes))
	}
	if c.fullPolicy != BlockWhenFull && c.fullPolicy != FailWhenFull {
		errs = append(errs, fmt.Errorf("unknown full-buffer policy %v", c.fullPolicy))
	}
	if c.deliveryTimeout < 0 || c.deliveryTimeout > 0 && c.deliveryTimeout < time.Second {
		errs = append(errs, fmt.Errorf("delivery timeout %v is neither 0 (no bound) nor at least 1s", c.deliveryTimeout))
	}
	if c.logger == nil {
		errs = append(errs, errors.New("nil logger: omit the Logger option for a silent producer"))
	}
	if c.registryURL != "" {
		if u, err := url.Parse(c.registryURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("schema registry URL %q is not an http(s) URL", c.registryURL))
		}
		if c.codec != nil {
			errs = append(errs, errors.New("both Codec and SchemaRegistry given: SchemaRegistry builds the codec, choose one"))
		}
	}
	return errors.Join(errs...)
}

// registryTimeout bounds SchemaRegistry's requests in New, which has no context.
const registryTimeout = 30 * time.Second

// buildRegistryCodec builds the codec of the SchemaRegistry option, if given.
func (c *cfg) buildRegistryCodec() error {
	if c.registryURL == "" {
		return nil
	}
	cl, err := sr.NewClient(sr.URLs(c.registryURL))
	if err != nil {
		return fmt.Errorf("schema registry client: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	codec, err := event.NewRegistryCodec(ctx, cl,
		event.AuditSubject(event.TopicSubject(c.auditTopic)),
		event.CobrowseSubject(event.TopicSubject(c.cobrowseTopic)))
	if err != nil {
		return err
	}
	c.codec = codec
	return nil
}

// Opt configures a Producer. Options are applied in order; a later option
// overrides an earlier one.
type Opt interface{ apply(*cfg) }

type opt func(*cfg)

func (o opt) apply(c *cfg) { o(c) }

// Brokers sets the seed brokers ("host:port"). Required; there is no default.
func Brokers(addrs ...string) Opt {
	return opt(func(c *cfg) { c.brokers = append([]string(nil), addrs...) })
}

// AuditTopic sets the topic of audit events, overriding DefaultAuditTopic.
func AuditTopic(topic string) Opt { return opt(func(c *cfg) { c.auditTopic = topic }) }

// CobrowseTopic sets the topic of co-browsing events, overriding DefaultCobrowseTopic.
func CobrowseTopic(topic string) Opt { return opt(func(c *cfg) { c.cobrowseTopic = topic }) }

// ClientID sets the Kafka client ID, overriding DefaultClientID. Brokers log it
// and apply quotas by it.
func ClientID(id string) Opt { return opt(func(c *cfg) { c.clientID = id }) }

// Codec sets the Avro codec that frames events, overriding the default
// event.NewStaticCodec() (schema IDs pinned in schemas/). Use a codec from
// event.NewRegistryCodec to take schema IDs from a Schema Registry (or
// SchemaRegistry, which builds one). Codec and SchemaRegistry exclude each
// other: New fails when both are given.
func Codec(codec *event.Codec) Opt { return opt(func(c *cfg) { c.codec = codec }) }

// SchemaRegistry makes New take schema IDs from the Confluent-compatible Schema
// Registry at url (e.g. "http://schema-registry:8081") instead of the static
// IDs pinned in schemas/. It is a convenience over Codec: New builds the codec
// with event.NewRegistryCodec, under the subjects event.TopicSubject(topic) of
// the audit and co-browsing topics (Confluent's TopicNameStrategy), registering
// the newest schemas (which returns their IDs when they are already there).
// Unlike the rest of New, this contacts the registry, for up to 30 s: New fails
// if the registry is unreachable or rejects the schemas. For TLS, authentication
// or a registry where clients may not register (event.LookupOnly), build the
// codec yourself and pass it with Codec. Default: no registry. New fails when
// both Codec and SchemaRegistry are given.
func SchemaRegistry(url string) Opt { return opt(func(c *cfg) { c.registryURL = url }) }

// Masker sets the function that masks INPUT text before it is encoded,
// overriding event.DefaultMasker. Masker(nil) disables masking: only do that
// when the emitting service masks the text itself, or the text is never
// sensitive.
func Masker(m event.Masker) Opt { return opt(func(c *cfg) { c.masker = m }) }

// Linger sets how long a partition waits for more records before its batch is
// sent, overriding DefaultLinger (5 ms). 0 sends as soon as possible (smaller
// batches, more requests). Flush and Close do not wait for the linger.
func Linger(d time.Duration) Opt { return opt(func(c *cfg) { c.linger = d }) }

// BatchMaxBytes sets the largest record batch before compression, overriding
// DefaultBatchMaxBytes (1,000,012). It also bounds one event: an emit whose
// encoded event cannot fit a batch fails with a *TooLargeError. Keep it at or
// below the topic's max.message.bytes.
func BatchMaxBytes(n int32) Opt { return opt(func(c *cfg) { c.batchMaxBytes = n }) }

// Compression sets the batch compression preference, overriding
// DefaultCompression (lz4, then none). The first codec the broker supports is
// used; every consumer of the topics must be able to decode it.
func Compression(codecs ...kgo.CompressionCodec) Opt {
	return opt(func(c *cfg) { c.compression = append([]kgo.CompressionCodec(nil), codecs...) })
}

// MaxBufferedRecords bounds how many events may be buffered (emitted and not
// yet acknowledged or failed), overriding DefaultMaxBufferedRecords (50,000).
// What an emit does at the bound is set by WhenBufferFull.
func MaxBufferedRecords(n int) Opt { return opt(func(c *cfg) { c.maxBufRecords = n }) }

// MaxBufferedBytes bounds the bytes (key + encoded value) of buffered events,
// overriding DefaultMaxBufferedBytes (64 MiB). It must be at least
// BatchMaxBytes. What an emit does at the bound is set by WhenBufferFull.
func MaxBufferedBytes(n int) Opt { return opt(func(c *cfg) { c.maxBufBytes = n }) }

// WhenBufferFull sets what an emit does when the buffer bounds are reached,
// overriding the default BlockWhenFull.
func WhenBufferFull(p FullBufferPolicy) Opt { return opt(func(c *cfg) { c.fullPolicy = p }) }

// DeliveryTimeout bounds how long a buffered event may wait for Kafka's
// acknowledgement, overriding DefaultDeliveryTimeout (2 minutes); 0 means no
// bound, otherwise it must be at least 1s (franz-go's minimum) (retry until acknowledged or the producer is closed). An event that
// times out is reported to its callback and counted as failed, never dropped
// silently. As franz-go keeps per-partition order, all later events buffered
// for the same partition fail with it.
func DeliveryTimeout(d time.Duration) Opt { return opt(func(c *cfg) { c.deliveryTimeout = d }) }

// Logger sets the logger of the producer and of its Kafka client (with a
// component=producer attribute), overriding the silent default.
func Logger(l *slog.Logger) Opt { return opt(func(c *cfg) { c.logger = l }) }

// Registerer registers the producer's metrics and its Kafka client metrics
// (franz-go kprom, prefixed auditstream_producer_kafka_) with r, overriding the
// default nil (no metrics). A Registerer takes one open Producer at a time
// (New fails with a prometheus.AlreadyRegisteredError otherwise); Close
// unregisters the metrics. See the package doc for the metric list.
func Registerer(r prometheus.Registerer) Opt { return opt(func(c *cfg) { c.registerer = r }) }

// KafkaOpts appends franz-go client options, applied after the producer's own
// (so they override them): for TLS, SASL, dialers, or tuning not covered here.
// Options that break the producer's guarantees (DisableIdempotentWrite,
// RequiredAcks other than AllISRAcks, ManualFlushing, a different
// RecordPartitioner) are the caller's responsibility.
func KafkaOpts(opts ...kgo.Opt) Opt {
	return opt(func(c *cfg) { c.kgoOpts = append(c.kgoOpts, opts...) })
}
