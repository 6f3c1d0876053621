package event

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/auditstream/auditstream/schemas"
)

// Codec errors. Decode errors wrap one of them (test with errors.Is).
var (
	// ErrUnknownSchema: the frame names a schema ID the codec does not know, one of
	// the other category, or one that cannot be resolved to the reader schema.
	ErrUnknownSchema = errors.New("event: unknown schema")
	// ErrMalformed: the bytes are not a Confluent frame or not valid Avro for the
	// writer schema (truncated, trailing bytes, out-of-range enum or union index,
	// impossible lengths).
	ErrMalformed = errors.New("event: malformed record")
)

// The default Schema Registry subjects: TopicNameStrategy ("<topic>-value") for the
// default topics auditstream.audit and auditstream.cobrowse.
const (
	DefaultAuditSubject    = "auditstream.audit-value"
	DefaultCobrowseSubject = "auditstream.cobrowse-value"
)

// TopicSubject returns the subject Confluent's default TopicNameStrategy uses for the
// values of a topic: topic + "-value".
func TopicSubject(topic string) string { return topic + "-value" }

// CodecOpt configures NewRegistryCodec.
type CodecOpt interface{ apply(*codecCfg) }

type codecOpt func(*codecCfg)

func (o codecOpt) apply(c *codecCfg) { o(c) }

type codecCfg struct {
	subjects   map[schemas.Category]string
	lookupOnly bool
}

func defaultCodecCfg() codecCfg {
	return codecCfg{subjects: map[schemas.Category]string{
		schemas.Audit:    DefaultAuditSubject,
		schemas.Cobrowse: DefaultCobrowseSubject,
	}}
}

// AuditSubject sets the Schema Registry subject of audit schemas (default
// DefaultAuditSubject). Use TopicSubject(topic) when the topic is not the default.
func AuditSubject(subject string) CodecOpt {
	return codecOpt(func(c *codecCfg) { c.subjects[schemas.Audit] = subject })
}

// CobrowseSubject sets the Schema Registry subject of co-browsing schemas (default
// DefaultCobrowseSubject).
func CobrowseSubject(subject string) CodecOpt {
	return codecOpt(func(c *codecCfg) { c.subjects[schemas.Cobrowse] = subject })
}

// LookupOnly makes NewRegistryCodec look the newest schemas up instead of registering
// them, for registries where clients may not register (auto.register.schemas=false).
// Default: register (which returns the existing ID when the schema is already there).
func LookupOnly() CodecOpt { return codecOpt(func(c *codecCfg) { c.lookupOnly = true }) }

// Codec encodes events to Confluent-framed Avro (magic byte 0, 4-byte big-endian schema
// ID, Avro binary) with the newest schema of their category, and decodes frames written
// with any known version, resolving the writer schema to the newest (reader) schema.
// It is safe for concurrent use.
type Codec struct {
	serde  *sr.Serde
	client *sr.Client // nil for a static codec
	cfg    codecCfg

	readers map[schemas.Category]*reader // immutable after construction
	mu      sync.Mutex                   // serialises writers updates
	writers atomic.Pointer[map[int]*writer]
}

// reader is the newest schema of a category.
type reader struct {
	category schemas.Category
	schema   avro.Schema
	fast     bool // the hand-written codec implements exactly this schema
	id       int  // the writer ID used for encoding
}

// writer is a schema some producer wrote with, resolved against the reader.
type writer struct {
	id       int
	category schemas.Category
	version  int         // schemas version, 0 if learned from a registry and not one of ours
	fast     bool        // identical to the reader schema and the fast path applies
	resolved avro.Schema // the writer→reader composite for hamba
}

// NewStaticCodec returns a Codec that uses the pinned schema IDs of package schemas
// (audit v1 = 1, cobrowse v1 = 2, cobrowse v2 = 3), for deployments without a Schema
// Registry. Every other ID is ErrUnknownSchema.
func NewStaticCodec() (*Codec, error) {
	c, err := newCodec(nil, defaultCodecCfg())
	if err != nil {
		return nil, err
	}
	for _, s := range schemas.All() {
		if _, err := c.addWriter(s.ID, s.Text, s.Version); err != nil {
			return nil, err
		}
	}
	for _, cat := range schemas.Categories() {
		c.setEncoder(cat, schemas.Reader(cat).ID)
	}
	return c, nil
}

// NewRegistryCodec returns a Codec whose schema IDs come from a Confluent-compatible
// Schema Registry. It registers the newest schema of each category under its subject
// (or only looks it up, with LookupOnly) and looks up the older versions, skipping
// those the registry does not have. Frames with other IDs decode after LoadSchema.
func NewRegistryCodec(ctx context.Context, cl *sr.Client, opts ...CodecOpt) (*Codec, error) {
	if cl == nil {
		return nil, errors.New("event: NewRegistryCodec: nil *sr.Client")
	}
	cfg := defaultCodecCfg()
	for _, o := range opts {
		o.apply(&cfg)
	}
	c, err := newCodec(cl, cfg)
	if err != nil {
		return nil, err
	}
	for _, cat := range schemas.Categories() {
		subject := cfg.subjects[cat]
		versions := schemas.Versions(cat)
		for i, s := range versions {
			newest := i == len(versions)-1
			in := sr.Schema{Schema: s.Text, Type: sr.TypeAvro}
			var ss sr.SubjectSchema
			if newest && !cfg.lookupOnly {
				ss, err = cl.CreateSchema(ctx, subject, in)
			} else {
				ss, err = cl.LookupSchema(ctx, subject, in)
			}
			if err != nil {
				if !newest && isNotFound(err) {
					continue // nobody registered this old version here: no data to read
				}
				return nil, fmt.Errorf("event: schema registry: %s version %d under subject %q: %w", cat, s.Version, subject, err)
			}
			if _, err := c.addWriter(ss.ID, s.Text, s.Version); err != nil {
				return nil, err
			}
			if newest {
				c.setEncoder(cat, ss.ID)
			}
		}
	}
	return c, nil
}

func isNotFound(err error) bool {
	var re *sr.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

func newCodec(cl *sr.Client, cfg codecCfg) (*Codec, error) {
	c := &Codec{serde: sr.NewSerde(), client: cl, cfg: cfg, readers: map[schemas.Category]*reader{}}
	c.writers.Store(&map[int]*writer{})
	for _, cat := range schemas.Categories() {
		s := schemas.Reader(cat)
		parsed, err := s.Parse()
		if err != nil {
			return nil, fmt.Errorf("event: parse %s: %w", s.File, err)
		}
		fp := parsed.Fingerprint()
		want := map[schemas.Category]string{schemas.Audit: fastAuditFingerprint, schemas.Cobrowse: fastCobrowseFingerprint}[cat]
		c.readers[cat] = &reader{category: cat, schema: parsed, fast: hex.EncodeToString(fp[:]) == want}
	}
	return c, nil
}

// setEncoder makes id the schema ID that encoding of cat writes.
func (c *Codec) setEncoder(cat schemas.Category, id int) {
	r := c.readers[cat]
	r.id = id
	switch cat {
	case schemas.Audit:
		c.serde.Register(id, &Audit{}, sr.AppendEncodeFn(func(b []byte, v any) ([]byte, error) {
			e := v.(*Audit)
			if r.fast {
				return appendAuditFast(b, e), nil
			}
			return appendHamba(b, r.schema, toAvroAudit(e))
		}))
	case schemas.Cobrowse:
		c.serde.Register(id, &Cobrowse{}, sr.AppendEncodeFn(func(b []byte, v any) ([]byte, error) {
			e := v.(*Cobrowse)
			if r.fast {
				return appendCobrowseFast(b, e), nil
			}
			return appendHamba(b, r.schema, toAvroCobrowse(e))
		}))
	}
}

func appendHamba(b []byte, schema avro.Schema, v any) ([]byte, error) {
	body, err := hambaAPI.Marshal(schema, v)
	if err != nil {
		return b, fmt.Errorf("event: avro encode: %w", err)
	}
	return append(b, body...), nil
}

// categoryOf tells the category of a schema by its top-level record name, which
// never changes between versions.
func categoryOf(s avro.Schema) (schemas.Category, bool) {
	rec, ok := s.(*avro.RecordSchema)
	if !ok {
		return "", false
	}
	switch rec.FullName() {
	case "io.auditstream.audit.AuditEvent":
		return schemas.Audit, true
	case "io.auditstream.cobrowse.CobrowseEvent":
		return schemas.Cobrowse, true
	}
	return "", false
}

// addWriter parses a writer schema, resolves it against its category's reader schema
// and makes id decodable.
func (c *Codec) addWriter(id int, text string, version int) (schemas.Category, error) {
	ws, err := schemas.Parse(text)
	if err != nil {
		return "", fmt.Errorf("%w: id %d: parse: %v", ErrUnknownSchema, id, err)
	}
	cat, ok := categoryOf(ws)
	if !ok {
		return "", fmt.Errorf("%w: id %d: not an auditstream event schema", ErrUnknownSchema, id)
	}
	r := c.readers[cat]
	w := &writer{id: id, category: cat, version: version}
	if ws.Fingerprint() == r.schema.Fingerprint() {
		w.fast, w.resolved = r.fast, r.schema
	} else if w.resolved, err = avro.NewSchemaCompatibility().Resolve(r.schema, ws); err != nil {
		return "", fmt.Errorf("%w: id %d cannot be resolved to the %s reader schema: %v", ErrUnknownSchema, id, cat, err)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.writers.Load()
	next := make(map[int]*writer, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[id] = w
	c.writers.Store(&next)
	return cat, nil
}

// LoadSchema fetches an unknown writer schema by ID from the Schema Registry, checks it
// resolves to the reader schema of its category, and makes the ID decodable. A consumer
// calls it on ErrUnknownSchema, then retries the decode. With a static codec it
// returns ErrUnknownSchema. Safe for concurrent use.
func (c *Codec) LoadSchema(ctx context.Context, id int) (schemas.Category, error) {
	if cat, ok := c.Category(id); ok {
		return cat, nil
	}
	if c.client == nil {
		return "", fmt.Errorf("%w: id %d (static codec)", ErrUnknownSchema, id)
	}
	s, err := c.client.SchemaByID(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return "", fmt.Errorf("%w: id %d: not in the registry: %v", ErrUnknownSchema, id, err)
		}
		return "", fmt.Errorf("event: schema registry: id %d: %w", id, err)
	}
	if s.Type != sr.TypeAvro {
		return "", fmt.Errorf("%w: id %d is a %s schema", ErrUnknownSchema, id, s.Type)
	}
	return c.addWriter(id, s.Schema, 0)
}

// Category returns the category of a decodable schema ID.
func (c *Codec) Category(id int) (schemas.Category, bool) {
	w, ok := (*c.writers.Load())[id]
	if !ok {
		return "", false
	}
	return w.category, true
}

// WriterID returns the schema ID the codec writes for a category.
func (c *Codec) WriterID(cat schemas.Category) int {
	if r, ok := c.readers[cat]; ok {
		return r.id
	}
	return 0
}

// SchemaID returns the schema ID of a Confluent frame, or an error wrapping
// ErrMalformed when b is not one.
func SchemaID(b []byte) (int, error) {
	id, _, err := (*sr.ConfluentHeader)(nil).DecodeID(b)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return id, nil
}

// AppendAudit validates e and appends its Confluent frame to dst. On error (a
// *ValidationError) dst is returned unchanged. It does not allocate when dst has room.
func (c *Codec) AppendAudit(dst []byte, e *Audit) ([]byte, error) {
	if err := e.Validate(); err != nil {
		return dst, err
	}
	out, err := c.serde.AppendEncode(dst, e)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// AppendCobrowse validates e and appends its Confluent frame to dst. On error (a
// *ValidationError) dst is returned unchanged. It does not allocate when dst has room.
func (c *Codec) AppendCobrowse(dst []byte, e *Cobrowse) ([]byte, error) {
	if err := e.Validate(); err != nil {
		return dst, err
	}
	out, err := c.serde.AppendEncode(dst, e)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// writerFor parses the frame header and finds a writer schema of category cat.
func (c *Codec) writerFor(b []byte, cat schemas.Category) (*writer, []byte, error) {
	id, body, err := c.serde.DecodeID(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	w, ok := (*c.writers.Load())[id]
	if !ok {
		return nil, nil, fmt.Errorf("%w: id %d", ErrUnknownSchema, id)
	}
	if w.category != cat {
		return nil, nil, fmt.Errorf("%w: id %d is a %s schema, not %s", ErrUnknownSchema, id, w.category, cat)
	}
	return w, body, nil
}

// DecodeAudit decodes a Confluent frame into e, resetting every field of e first (e
// may be reused). It does not validate the event: a newer writer's type unknown to
// this build decodes as AuditUnknown, which Validate rejects. On error e is zero.
func (c *Codec) DecodeAudit(b []byte, e *Audit) error {
	w, body, err := c.writerFor(b, schemas.Audit)
	if err != nil {
		*e = Audit{}
		return err
	}
	if w.fast {
		return decodeAuditFast(body, e)
	}
	var a avroAudit
	if err := unmarshalHamba(w.resolved, body, &a); err != nil {
		*e = Audit{}
		return err
	}
	if err := fromAvroAudit(&a, e); err != nil {
		*e = Audit{}
		return err
	}
	return nil
}

// DecodeCobrowse decodes a Confluent frame into e, resetting every field of e first (e
// may be reused). It does not validate the event. On error e is zero.
func (c *Codec) DecodeCobrowse(b []byte, e *Cobrowse) error {
	w, body, err := c.writerFor(b, schemas.Cobrowse)
	if err != nil {
		*e = Cobrowse{}
		return err
	}
	if w.fast {
		return decodeCobrowseFast(body, e)
	}
	var a avroCobrowse
	if err := unmarshalHamba(w.resolved, body, &a); err != nil {
		*e = Cobrowse{}
		return err
	}
	if err := fromAvroCobrowse(&a, e); err != nil {
		*e = Cobrowse{}
		return err
	}
	return nil
}

var hambaReaders = sync.Pool{New: func() any { return avro.NewReader(nil, 0, avro.WithReaderConfig(hambaAPI)) }}

// unmarshalHamba decodes body with hamba, rejecting trailing bytes. hamba is
// third-party code fed hostile bytes: a panic in it becomes ErrMalformed instead of
// taking the consumer down.
func unmarshalHamba(schema avro.Schema, body []byte, v any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: avro decoder panicked: %v", ErrMalformed, p)
		}
	}()
	r := hambaReaders.Get().(*avro.Reader)
	defer func() { r.Reset(nil); r.Error = nil; hambaReaders.Put(r) }()
	r.Reset(body)
	r.ReadVal(schema, v)
	if r.Error != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, r.Error)
	}
	if r.Peek(); r.Error == nil {
		return fmt.Errorf("%w: trailing bytes", ErrMalformed)
	}
	return nil
}
