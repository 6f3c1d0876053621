// Package topics creates the Kafka topics auditstream uses, idempotently.
//
// A Spec describes one topic; Ensure creates every topic that does not exist yet and leaves
// existing ones alone, so it is safe to run on every deploy and from several processes at once.
// Defaults returns the specs of the three auditstream topics:
//
//	adm := kadm.NewClient(kgoClient)
//	if err := topics.Ensure(ctx, adm, topics.Defaults(topics.Config{})...); err != nil {
//		return err
//	}
//
// Ensure never changes an existing topic: a topic created earlier with other partitions or
// configs keeps them (EnsureResults reports what it found, so a caller can warn).
//
// The functions are safe for concurrent use; they hold no state besides the kadm.Client passed in.
package topics

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// The auditstream topic names (see docs/design.md, "Wire contract").
const (
	DefaultAuditTopic    = "auditstream.audit"
	DefaultCobrowseTopic = "auditstream.cobrowse"
	DefaultDLQTopic      = "auditstream.dlq"
)

// Defaults used by Defaults for zero Config fields.
const (
	// DefaultPartitions bounds how many consumers of one group can share a topic's load.
	DefaultPartitions int32 = 6
	// DefaultReplicationFactor -1 lets the broker choose (default.replication.factor), which
	// fits a one-node development cluster and a production cluster alike.
	DefaultReplicationFactor int16 = -1
	// DefaultDLQRetention keeps dead letters long enough to be inspected and replayed after a
	// holiday weekend; the event topics use the broker's retention.
	DefaultDLQRetention = 30 * 24 * time.Hour
)

// ErrInvalidSpec is returned (wrapped) by Ensure for a Spec it cannot create.
var ErrInvalidSpec = errors.New("topics: invalid spec")

// Spec describes one topic.
type Spec struct {
	// Name is the topic name; required.
	Name string
	// Partitions is the partition count; -1 (or 0) uses the broker's num.partitions.
	Partitions int32
	// ReplicationFactor is the replica count; -1 (or 0) uses the broker's
	// default.replication.factor.
	ReplicationFactor int16
	// Configs are topic-level configs (for example "retention.ms"); nil for none.
	Configs map[string]string
}

// Config selects the auditstream topic names and sizes; its zero value gives the defaults.
type Config struct {
	// AuditTopic overrides DefaultAuditTopic.
	AuditTopic string
	// CobrowseTopic overrides DefaultCobrowseTopic.
	CobrowseTopic string
	// DLQTopic overrides DefaultDLQTopic.
	DLQTopic string
	// Partitions overrides DefaultPartitions for every topic.
	Partitions int32
	// ReplicationFactor overrides DefaultReplicationFactor for every topic.
	ReplicationFactor int16
	// DLQRetention overrides DefaultDLQRetention.
	DLQRetention time.Duration
}

// Defaults returns the specs of the audit, co-browsing and dead-letter topics, in that order.
func Defaults(cfg Config) []Spec {
	pick := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	p := cfg.Partitions
	if p == 0 {
		p = DefaultPartitions
	}
	rf := cfg.ReplicationFactor
	if rf == 0 {
		rf = DefaultReplicationFactor
	}
	ret := cfg.DLQRetention
	if ret <= 0 {
		ret = DefaultDLQRetention
	}
	return []Spec{
		{Name: pick(cfg.AuditTopic, DefaultAuditTopic), Partitions: p, ReplicationFactor: rf},
		{Name: pick(cfg.CobrowseTopic, DefaultCobrowseTopic), Partitions: p, ReplicationFactor: rf},
		{
			Name: pick(cfg.DLQTopic, DefaultDLQTopic), Partitions: p, ReplicationFactor: rf,
			Configs: map[string]string{"retention.ms": strconv.FormatInt(ret.Milliseconds(), 10)},
		},
	}
}

// Result says what Ensure did with one topic.
type Result struct {
	// Name is the topic name.
	Name string
	// Created is true when this call created the topic, false when it existed already.
	Created bool
	// Partitions is the topic's partition count (the existing one when Created is false).
	Partitions int32
	// ReplicationFactor is the topic's replica count, when the broker reported it.
	ReplicationFactor int16
}

// Ensure creates the topics in specs that do not exist yet. A topic that exists already (or is
// created concurrently by another process) is not an error and is left unchanged. Errors for
// individual topics are joined; each names its topic.
func Ensure(ctx context.Context, adm *kadm.Client, specs ...Spec) error {
	_, err := EnsureResults(ctx, adm, specs...)
	return err
}

// EnsureResults is Ensure, also returning one Result per spec, in order, for the topics that
// were created or found.
func EnsureResults(ctx context.Context, adm *kadm.Client, specs ...Spec) ([]Result, error) {
	seen := make(map[string]bool, len(specs))
	for _, s := range specs {
		if err := s.validate(); err != nil {
			return nil, err
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("%w: topic %q listed twice", ErrInvalidSpec, s.Name)
		}
		seen[s.Name] = true
	}

	var (
		results  = make([]Result, 0, len(specs))
		errs     []error
		existing []string
	)
	// One request per spec: kadm applies one partition count and config set per request.
	for _, s := range specs {
		resp, err := adm.CreateTopic(ctx, orDefault(s.Partitions), int16(orDefault(int32(s.ReplicationFactor))), configPtrs(s.Configs), s.Name)
		switch {
		case errors.Is(err, kerr.TopicAlreadyExists):
			existing = append(existing, s.Name)
			results = append(results, Result{Name: s.Name})
		case err != nil:
			msg := ""
			if resp.ErrMessage != "" {
				msg = ": " + resp.ErrMessage
			}
			errs = append(errs, fmt.Errorf("create topic %q: %w%s", s.Name, err, msg))
		default:
			results = append(results, Result{
				Name: s.Name, Created: true,
				Partitions: resp.NumPartitions, ReplicationFactor: resp.ReplicationFactor,
			})
		}
	}
	if len(existing) > 0 {
		if err := describeExisting(ctx, adm, existing, results); err != nil {
			errs = append(errs, err)
		}
	}
	return results, errors.Join(errs...)
}

// describeExisting fills in the partition and replica counts of topics that existed already.
func describeExisting(ctx context.Context, adm *kadm.Client, names []string, results []Result) error {
	details, err := adm.ListTopics(ctx, names...)
	if err != nil {
		return fmt.Errorf("describe existing topics %v: %w", names, err)
	}
	for i := range results {
		d, ok := details[results[i].Name]
		if !ok || results[i].Created {
			continue
		}
		if d.Err != nil {
			return fmt.Errorf("describe topic %q: %w", d.Topic, d.Err)
		}
		results[i].Partitions = int32(len(d.Partitions))
		if rf := d.Partitions.NumReplicas(); rf > 0 {
			results[i].ReplicationFactor = int16(rf)
		}
	}
	return nil
}

func (s Spec) validate() error {
	switch {
	case s.Name == "":
		return fmt.Errorf("%w: empty topic name", ErrInvalidSpec)
	case len(s.Name) > 249:
		return fmt.Errorf("%w: topic name %q longer than 249 characters", ErrInvalidSpec, s.Name)
	case s.Name == "." || s.Name == "..":
		return fmt.Errorf("%w: topic name %q", ErrInvalidSpec, s.Name)
	case s.Partitions < -1:
		return fmt.Errorf("%w: topic %q: partitions %d", ErrInvalidSpec, s.Name, s.Partitions)
	case s.ReplicationFactor < -1:
		return fmt.Errorf("%w: topic %q: replication factor %d", ErrInvalidSpec, s.Name, s.ReplicationFactor)
	}
	for _, r := range s.Name {
		if !legalNameRune(r) {
			return fmt.Errorf("%w: topic name %q: only ASCII letters, digits, '.', '_' and '-' are allowed", ErrInvalidSpec, s.Name)
		}
	}
	return nil
}

// legalNameRune reports whether Kafka allows r in a topic name.
func legalNameRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	default:
		return r == '.' || r == '_' || r == '-'
	}
}

// orDefault maps 0 to -1, Kafka's "broker default" for partitions and replication factor.
func orDefault(n int32) int32 {
	if n == 0 {
		return -1
	}
	return n
}

func configPtrs(m map[string]string) map[string]*string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = kadm.StringPtr(v)
	}
	return out
}
