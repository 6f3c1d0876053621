package producer

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/auditstream/auditstream/internal/topics"
)

// TopicSpec sizes the topics EnsureTopics creates; its zero value gives the
// project defaults (6 partitions, the broker's default replication factor).
type TopicSpec struct {
	// Partitions is the partition count of each topic; 0 means 6.
	Partitions int32
	// ReplicationFactor is the replica count; 0 means the broker's
	// default.replication.factor.
	ReplicationFactor int16
}

// EnsureTopics creates the producer's audit and co-browsing topics if they do
// not exist, through the producer's own client (so TLS and SASL options
// apply). Existing topics are left unchanged. Run it at deploy time or at
// startup instead of relying on broker auto-creation, which gives topics the
// broker's defaults. The dead-letter topic is the consumer's concern
// ("auditstream topics" creates all three).
func (p *Producer) EnsureTopics(ctx context.Context, spec TopicSpec) error {
	specs := topics.Defaults(topics.Config{
		AuditTopic:        p.auditTopic,
		CobrowseTopic:     p.cobrowseTopic,
		Partitions:        spec.Partitions,
		ReplicationFactor: spec.ReplicationFactor,
	})[:2] // audit, co-browsing; not the dead-letter topic
	if err := topics.Ensure(ctx, kadm.NewClient(p.cl), specs...); err != nil {
		return fmt.Errorf("producer: ensure topics: %w", err)
	}
	return nil
}
