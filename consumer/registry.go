package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/schemas"
)

// schemaLoader is implemented by decoders that can learn a schema ID at run time
// (*event.Codec: from its Schema Registry).
type schemaLoader interface {
	LoadSchema(ctx context.Context, id int) (schemas.Category, error)
	Category(id int) (schemas.Category, bool)
}

// Bounds of the schema lookups: the registry is asked with the poll loop's lock held, so
// one lookup must not stall the pipeline for long, and a flood of distinct bad IDs must
// neither hammer the registry nor grow memory without bound.
const (
	schemaLookupTimeout = 10 * time.Second
	maxSchemaMisses     = 4096
)

// The result label values of schema_lookups_total.
const (
	lookupLoaded  = "loaded"  // the registry had the schema; the ID now decodes
	lookupUnknown = "unknown" // not in the registry, or not an auditstream schema
	lookupError   = "error"   // the request failed (registry down, timeout)
)

// newRegistryCodec builds the decoder for cfg.SchemaRegistry: subjects follow the
// configured topics (Confluent's TopicNameStrategy).
func newRegistryCodec(ctx context.Context, cfg Config) (*event.Codec, error) {
	cl, err := sr.NewClient(append([]sr.ClientOpt{sr.URLs(cfg.SchemaRegistry.URL)}, cfg.SchemaRegistry.ClientOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("consumer: schema registry client: %w", err)
	}
	codec, err := event.NewRegistryCodec(ctx, cl,
		event.AuditSubject(event.TopicSubject(cfg.Topics.Audit)),
		event.CobrowseSubject(event.TopicSubject(cfg.Topics.Cobrowse)))
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	return codec, nil
}

// schemaResolver asks the decoder's registry, once, for a schema ID that failed to
// decode, and remembers the IDs it could not resolve for a while. It is used by the
// polling goroutine only (under Consumer.mu), so it needs no lock of its own.
type schemaResolver struct {
	loader schemaLoader
	ttl    time.Duration
	misses map[int]time.Time // ID -> when it may be asked for again
	m      *metrics
	log    *slog.Logger
}

// resolve reports whether the schema ID of value became decodable. It asks the loader
// unless the ID failed within the TTL.
func (r *schemaResolver) resolve(ctx context.Context, value []byte, now time.Time) bool {
	id, err := event.SchemaID(value)
	if err != nil {
		return false
	}
	if _, known := r.loader.Category(id); known {
		return false // known ID, failed for another reason (other category, bad body)
	}
	if until, ok := r.misses[id]; ok && now.Before(until) {
		return false
	}
	if len(r.misses) >= maxSchemaMisses {
		for k, until := range r.misses {
			if !now.Before(until) {
				delete(r.misses, k)
			}
		}
		if len(r.misses) >= maxSchemaMisses {
			return false // a flood of bad IDs: protect the registry; the DLQ keeps the records
		}
	}
	lctx, cancel := context.WithTimeout(ctx, schemaLookupTimeout)
	defer cancel()
	cat, err := r.loader.LoadSchema(lctx, id)
	switch {
	case err == nil:
		delete(r.misses, id)
		r.m.schemaLookups.WithLabelValues(lookupLoaded).Inc()
		r.log.Info("learned schema from the registry", "schema_id", id, "category", cat)
		return true
	case ctx.Err() != nil:
		return false // shutting down: not the registry's answer, do not remember it
	case errors.Is(err, event.ErrUnknownSchema):
		r.m.schemaLookups.WithLabelValues(lookupUnknown).Inc()
		r.log.Warn("schema ID unknown to the registry; its records go to the dead-letter topic",
			"schema_id", id, "retry_after", r.ttl, "err", err)
	default:
		r.m.schemaLookups.WithLabelValues(lookupError).Inc()
		r.log.Error("schema registry lookup failed; the records go to the dead-letter topic",
			"schema_id", id, "retry_after", r.ttl, "err", err)
	}
	r.misses[id] = now.Add(r.ttl)
	return false
}
