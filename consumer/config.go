package consumer

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"go.yaml.in/yaml/v3"
)

// Defaults. They are part of the API: changing one changes every deployment that relies
// on it. Batch sizes follow the measurements in the design notes (100k-row inserts are
// ~45% faster than 10k-row inserts on a 2-core ClickHouse).
const (
	DefaultBrokers          = "127.0.0.1:19092"
	DefaultGroup            = "auditstream-consumer"
	DefaultAuditTopic       = "auditstream.audit"
	DefaultCobrowseTopic    = "auditstream.cobrowse"
	DefaultDLQTopic         = "auditstream.dlq"
	DefaultClickHouseAddr   = "127.0.0.1:19000"
	DefaultDatabase         = "auditstream"
	DefaultDialTimeout      = 5 * time.Second
	DefaultBatchMaxRows     = 100_000
	DefaultBatchMaxBytes    = 64 << 20
	DefaultBatchMaxAge      = 2 * time.Second
	DefaultMaxBufferedBytes = 256 << 20
	DefaultMaxPollRecords   = 10_000
	DefaultInsertTimeout    = time.Minute
	DefaultRetryBackoff     = 200 * time.Millisecond
	DefaultRetryMaxBackoff  = 15 * time.Second
	DefaultRevokeTimeout    = 30 * time.Second
	DefaultSessionTimeout   = 45 * time.Second
	DefaultShutdownTimeout  = 25 * time.Second
	DefaultHTTPAddr         = ":9464"
	DefaultLogLevel         = "info"
	DefaultSchemaMissTTL    = time.Minute
)

// Topics names the Kafka topics.
type Topics struct {
	Audit    string `yaml:"audit"`    // default DefaultAuditTopic
	Cobrowse string `yaml:"cobrowse"` // default DefaultCobrowseTopic
	DLQ      string `yaml:"dlq"`      // default DefaultDLQTopic
}

// SchemaRegistryConfig points the consumer at a Confluent-compatible Schema Registry.
// With an empty URL (the default) the consumer decodes only the static schema IDs pinned
// in package schemas.
type SchemaRegistryConfig struct {
	// URL of the registry, e.g. http://schema-registry:8081. When set, the consumer builds
	// its decoder with event.NewRegistryCodec (subjects TopicSubject(topic) of the
	// configured topics; it registers the newest schemas, which returns their existing
	// IDs) and asks the registry for schema IDs it meets and does not know.
	URL string `yaml:"url"`
	// MissTTL is how long an ID the registry could not resolve (unknown, not an
	// auditstream schema, or a failed request) is not asked for again; records with it
	// go straight to the dead-letter topic meanwhile. Default DefaultSchemaMissTTL.
	MissTTL time.Duration `yaml:"miss_ttl"`
	// ClientOpts are extra franz-go sr client options (TLS, basic auth, ...), applied
	// after the URL.
	ClientOpts []sr.ClientOpt `yaml:"-"`
}

// Config configures a Consumer. The zero value is valid: every zero field takes its
// Default* value. Negative numbers and durations are errors.
//
// The fields tagged yaml:"-" are for library users; the rest can also come from a YAML
// file (LoadConfig), AUDITSTREAM_* environment variables and flags (Settings).
type Config struct {
	Brokers    []string         `yaml:"kafka_brokers"` // seed brokers; default DefaultBrokers
	Group      string           `yaml:"group"`         // consumer group; default DefaultGroup
	ClientID   string           `yaml:"client_id"`     // Kafka client ID; default the group
	Topics     Topics           `yaml:"topics"`
	ClickHouse ClickHouseConfig `yaml:"clickhouse"`
	// SchemaRegistry is optional; without it the static pinned schema IDs are used.
	SchemaRegistry SchemaRegistryConfig `yaml:"schema_registry"`
	// Batch is the flush policy; each table has its own batch under the same policy.
	Batch BatchPolicy `yaml:"batch"`
	// MaxBufferedBytes bounds the estimated bytes of decoded rows not yet inserted. At the
	// bound the consumer pauses fetching; it resumes below half of it. Must be at least
	// Batch.MaxBytes. Default DefaultMaxBufferedBytes.
	MaxBufferedBytes int `yaml:"max_buffered_bytes"`
	// MaxPollRecords bounds the records taken per poll. Default DefaultMaxPollRecords.
	MaxPollRecords int `yaml:"max_poll_records"`
	// InsertTimeout bounds one insert attempt. Default DefaultInsertTimeout.
	InsertTimeout time.Duration `yaml:"insert_timeout"`
	// RetryBackoff and RetryMaxBackoff shape the capped exponential backoff (with full
	// jitter) between insert and dead-letter attempts. Defaults DefaultRetryBackoff,
	// DefaultRetryMaxBackoff.
	RetryBackoff    time.Duration `yaml:"retry_backoff"`
	RetryMaxBackoff time.Duration `yaml:"retry_max_backoff"`
	// RevokeTimeout bounds how long a revocation waits for the inserts holding the revoked
	// partitions' records; past it, their uncommitted records are left to the next owner.
	// Keep it below the group's rebalance timeout (60 s). Default DefaultRevokeTimeout.
	RevokeTimeout time.Duration `yaml:"revoke_timeout"`
	// SessionTimeout is the Kafka group session timeout: how long the group waits for a
	// member that stopped heartbeating (crashed, killed, partitioned) before giving its
	// partitions to others. Lower means faster fail-over after a crash, but a member
	// stalled longer than this (GC, CPU starvation) loses its partitions. The broker bounds
	// it (group.min/max.session.timeout.ms, 6 s to 30 min by default). Default
	// DefaultSessionTimeout (Kafka's own default).
	SessionTimeout time.Duration `yaml:"session_timeout"`
	// ShutdownTimeout bounds the final flush and commit on shutdown. Default DefaultShutdownTimeout.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`

	// Used by the auditstream consume command only.
	HTTPAddr    string `yaml:"http_addr"`    // /metrics, /healthz, /readyz; default DefaultHTTPAddr
	LogLevel    string `yaml:"log_level"`    // debug, info, warn, error; default DefaultLogLevel
	SkipMigrate bool   `yaml:"skip_migrate"` // do not run the ClickHouse migrations on start

	// Logger receives the consumer's logs; nil discards them.
	Logger *slog.Logger `yaml:"-"`
	// Registerer receives the consumer's metrics (and kprom's client metrics); nil: none.
	Registerer prometheus.Registerer `yaml:"-"`
	// Sink stores batches; nil: a ClickHouseSink built from ClickHouse (the consumer
	// opens and closes its connection and detects the profile).
	Sink Sink `yaml:"-"`
	// Decoder decodes record values; nil: event.NewStaticCodec(), or the registry codec
	// when SchemaRegistry.URL is set (then Decoder must be nil). If the Decoder has
	// *event.Codec's LoadSchema and Category methods (e.g. a registry codec built with
	// your own sr client), the consumer learns unknown schema IDs through it, as with
	// SchemaRegistry.URL.
	Decoder Decoder `yaml:"-"`
	// KafkaOpts are extra franz-go options (TLS, SASL, tests), applied last.
	KafkaOpts []kgo.Opt `yaml:"-"`
}

func (c *Config) setDefaults() {
	if len(c.Brokers) == 0 {
		c.Brokers = []string{DefaultBrokers}
	}
	if c.Group == "" {
		c.Group = DefaultGroup
	}
	if c.ClientID == "" {
		c.ClientID = c.Group
	}
	if c.Topics.Audit == "" {
		c.Topics.Audit = DefaultAuditTopic
	}
	if c.Topics.Cobrowse == "" {
		c.Topics.Cobrowse = DefaultCobrowseTopic
	}
	if c.Topics.DLQ == "" {
		c.Topics.DLQ = DefaultDLQTopic
	}
	c.ClickHouse.setDefaults()
	setDefault(&c.SchemaRegistry.MissTTL, DefaultSchemaMissTTL)
	c.Batch.setDefaults()
	setDefault(&c.MaxBufferedBytes, DefaultMaxBufferedBytes)
	setDefault(&c.MaxPollRecords, DefaultMaxPollRecords)
	setDefault(&c.InsertTimeout, DefaultInsertTimeout)
	setDefault(&c.RetryBackoff, DefaultRetryBackoff)
	setDefault(&c.RetryMaxBackoff, DefaultRetryMaxBackoff)
	setDefault(&c.RevokeTimeout, DefaultRevokeTimeout)
	setDefault(&c.SessionTimeout, DefaultSessionTimeout)
	setDefault(&c.ShutdownTimeout, DefaultShutdownTimeout)
	if c.HTTPAddr == "" {
		c.HTTPAddr = DefaultHTTPAddr
	}
	if c.LogLevel == "" {
		c.LogLevel = DefaultLogLevel
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// validate reports the first invalid setting; call it before setDefaults so that a
// negative value is an error instead of being replaced.
func (c *Config) validate() error {
	bad := func(key string, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, key, fmt.Sprintf(format, args...))
	}
	for _, n := range []struct {
		key string
		v   int64
	}{
		{"batch.max_rows", int64(c.Batch.MaxRows)}, {"batch.max_bytes", int64(c.Batch.MaxBytes)},
		{"batch.max_age", int64(c.Batch.MaxAge)}, {"max_buffered_bytes", int64(c.MaxBufferedBytes)},
		{"max_poll_records", int64(c.MaxPollRecords)}, {"insert_timeout", int64(c.InsertTimeout)},
		{"retry_backoff", int64(c.RetryBackoff)}, {"retry_max_backoff", int64(c.RetryMaxBackoff)},
		{"revoke_timeout", int64(c.RevokeTimeout)}, {"shutdown_timeout", int64(c.ShutdownTimeout)},
		{"session_timeout", int64(c.SessionTimeout)},
		{"clickhouse.dial_timeout", int64(c.ClickHouse.DialTimeout)},
		{"schema_registry.miss_ttl", int64(c.SchemaRegistry.MissTTL)},
	} {
		if n.v < 0 {
			return bad(n.key, "must not be negative")
		}
	}
	d := *c
	d.setDefaults()
	if d.MaxBufferedBytes < d.Batch.MaxBytes {
		return bad("max_buffered_bytes", "%d is below batch.max_bytes %d", d.MaxBufferedBytes, d.Batch.MaxBytes)
	}
	if d.RetryMaxBackoff < d.RetryBackoff {
		return bad("retry_max_backoff", "%v is below retry_backoff %v", d.RetryMaxBackoff, d.RetryBackoff)
	}
	t := d.Topics
	if t.Audit == t.Cobrowse || t.DLQ == t.Audit || t.DLQ == t.Cobrowse {
		return bad("topics", "audit, cobrowse and dlq must be three different topics")
	}
	if _, err := ParseLogLevel(d.LogLevel); err != nil {
		return bad("log_level", "%v", err)
	}
	for _, b := range d.Brokers {
		if b == "" {
			return bad("kafka_brokers", "empty address")
		}
	}
	if u := d.SchemaRegistry.URL; u != "" {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return bad("schema_registry.url", "%q is not an http(s) URL", u)
		}
		if d.Decoder != nil {
			return bad("schema_registry.url", "set together with a Decoder: the consumer builds the registry codec itself")
		}
	}
	return nil
}

// ParseLogLevel parses debug, info, warn or error.
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("unknown log level %q (want debug, info, warn or error)", s)
	}
	return l, nil
}

// ParseConfig decodes YAML strictly: unknown keys, wrong types and trailing documents are
// errors. The result is not defaulted (New does that), but it is validated.
func ParseConfig(r io.Reader) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%w: more than one YAML document", ErrInvalidConfig)
	}
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// LoadConfig reads a YAML config file (see ParseConfig).
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	c, err := ParseConfig(bytes.NewReader(b))
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Setting is one configuration knob under its three names: the YAML key (dotted path),
// the flag and the environment variable.
type Setting struct {
	Key   string // YAML path, e.g. "batch.max_rows"
	Usage string
	set   func(c *Config, v string) error
	get   func(c *Config) string
}

// Flag returns the setting's flag name: the key with "." and "_" replaced by "-".
func (s Setting) Flag() string { return strings.NewReplacer(".", "-", "_", "-").Replace(s.Key) }

// Env returns the setting's environment variable: AUDITSTREAM_ and the key in upper case
// with "." replaced by "_".
func (s Setting) Env() string {
	return "AUDITSTREAM_" + strings.ToUpper(strings.ReplaceAll(s.Key, ".", "_"))
}

// Default returns the setting's default as text.
func (s Setting) Default() string {
	var c Config
	c.setDefaults()
	return s.get(&c)
}

// Settings returns every knob of Config that can come from a file, the environment or a
// flag, in documentation order.
func Settings() []Setting {
	str := func(key, usage string, f func(*Config) *string) Setting {
		return Setting{key, usage,
			func(c *Config, v string) error { *f(c) = v; return nil },
			func(c *Config) string { return *f(c) }}
	}
	list := func(key, usage string, f func(*Config) *[]string) Setting {
		return Setting{key, usage,
			func(c *Config, v string) error { *f(c) = splitList(v); return nil },
			func(c *Config) string { return strings.Join(*f(c), ",") }}
	}
	num := func(key, usage string, f func(*Config) *int) Setting {
		return Setting{key, usage,
			func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				*f(c) = n
				return err
			},
			func(c *Config) string { return strconv.Itoa(*f(c)) }}
	}
	dur := func(key, usage string, f func(*Config) *time.Duration) Setting {
		return Setting{key, usage,
			func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				*f(c) = d
				return err
			},
			func(c *Config) string { return f(c).String() }}
	}
	boolean := func(key, usage string, f func(*Config) *bool) Setting {
		return Setting{key, usage,
			func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				*f(c) = b
				return err
			},
			func(c *Config) string { return strconv.FormatBool(*f(c)) }}
	}
	return []Setting{
		list("kafka_brokers", "Kafka seed brokers (comma-separated)", func(c *Config) *[]string { return &c.Brokers }),
		str("group", "consumer group", func(c *Config) *string { return &c.Group }),
		str("client_id", "Kafka client ID (default: the group)", func(c *Config) *string { return &c.ClientID }),
		str("topics.audit", "audit event topic", func(c *Config) *string { return &c.Topics.Audit }),
		str("topics.cobrowse", "co-browsing event topic", func(c *Config) *string { return &c.Topics.Cobrowse }),
		str("topics.dlq", "dead-letter topic", func(c *Config) *string { return &c.Topics.DLQ }),
		list("clickhouse.addr", "ClickHouse native addresses (comma-separated)", func(c *Config) *[]string { return &c.ClickHouse.Addr }),
		str("clickhouse.database", "ClickHouse database", func(c *Config) *string { return &c.ClickHouse.Database }),
		str("clickhouse.username", "ClickHouse user", func(c *Config) *string { return &c.ClickHouse.Username }),
		str("clickhouse.password", "ClickHouse password (prefer the environment variable)", func(c *Config) *string { return &c.ClickHouse.Password }),
		dur("clickhouse.dial_timeout", "ClickHouse dial timeout", func(c *Config) *time.Duration { return &c.ClickHouse.DialTimeout }),
		str("schema_registry.url", "Schema Registry URL (empty: the static schema IDs pinned in this build)", func(c *Config) *string { return &c.SchemaRegistry.URL }),
		dur("schema_registry.miss_ttl", "how long a schema ID the registry could not resolve is not asked for again", func(c *Config) *time.Duration { return &c.SchemaRegistry.MissTTL }),
		num("batch.max_rows", "flush a table's batch at this many rows", func(c *Config) *int { return &c.Batch.MaxRows }),
		num("batch.max_bytes", "flush a table's batch at this many estimated bytes", func(c *Config) *int { return &c.Batch.MaxBytes }),
		dur("batch.max_age", "flush a table's batch when its oldest row is this old", func(c *Config) *time.Duration { return &c.Batch.MaxAge }),
		num("max_buffered_bytes", "pause fetching when decoded rows not yet inserted reach this many bytes", func(c *Config) *int { return &c.MaxBufferedBytes }),
		num("max_poll_records", "records taken per poll", func(c *Config) *int { return &c.MaxPollRecords }),
		dur("insert_timeout", "timeout of one insert attempt", func(c *Config) *time.Duration { return &c.InsertTimeout }),
		dur("retry_backoff", "first backoff after a failed insert or dead-letter write", func(c *Config) *time.Duration { return &c.RetryBackoff }),
		dur("retry_max_backoff", "backoff cap", func(c *Config) *time.Duration { return &c.RetryMaxBackoff }),
		dur("revoke_timeout", "how long a partition revocation waits for inserts", func(c *Config) *time.Duration { return &c.RevokeTimeout }),
		dur("session_timeout", "Kafka group session timeout: how soon a crashed member's partitions move", func(c *Config) *time.Duration { return &c.SessionTimeout }),
		dur("shutdown_timeout", "how long shutdown waits for the final flush and commit", func(c *Config) *time.Duration { return &c.ShutdownTimeout }),
		str("http_addr", "address of /metrics, /healthz and /readyz", func(c *Config) *string { return &c.HTTPAddr }),
		str("log_level", "debug, info, warn or error", func(c *Config) *string { return &c.LogLevel }),
		boolean("skip_migrate", "do not apply ClickHouse migrations on start", func(c *Config) *bool { return &c.SkipMigrate }),
	}
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Loader builds a Config from, in increasing precedence: defaults, an optional YAML file,
// AUDITSTREAM_* environment variables, then flags given on the command line.
type Loader struct {
	fs       *flag.FlagSet
	path     *string
	flagVals map[string]string
}

// NewLoader registers -config and one flag per Setting on fs.
func NewLoader(fs *flag.FlagSet) *Loader {
	l := &Loader{fs: fs, flagVals: map[string]string{}}
	l.path = fs.String("config", "", "YAML config file (env AUDITSTREAM_CONFIG); unknown keys are errors")
	for _, s := range Settings() {
		fs.Func(s.Flag(), fmt.Sprintf("%s (env %s, yaml %s, default %q)", s.Usage, s.Env(), s.Key, s.Default()),
			func(v string) error { l.flagVals[s.Key] = v; return nil })
	}
	return l
}

// Load builds the Config after fs.Parse. lookupEnv is usually os.LookupEnv.
func (l *Loader) Load(lookupEnv func(string) (string, bool)) (Config, error) {
	var c Config
	path := *l.path
	if path == "" {
		path, _ = lookupEnv("AUDITSTREAM_CONFIG")
	}
	if path != "" {
		var err error
		if c, err = LoadConfig(path); err != nil {
			return Config{}, err
		}
	}
	for _, s := range Settings() {
		if v, ok := lookupEnv(s.Env()); ok {
			if err := s.set(&c, v); err != nil {
				return Config{}, fmt.Errorf("%w: %s: %v", ErrInvalidConfig, s.Env(), err)
			}
		}
	}
	for _, s := range Settings() {
		if v, ok := l.flagVals[s.Key]; ok {
			if err := s.set(&c, v); err != nil {
				return Config{}, fmt.Errorf("%w: -%s: %v", ErrInvalidConfig, s.Flag(), err)
			}
		}
	}
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	c.setDefaults()
	return c, nil
}
