package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/consumer"
	"github.com/auditstream/auditstream/internal/topics"
)

// defaultBrokers is the Kafka of deploy/local unless AUDITSTREAM_KAFKA_BROKERS says otherwise.
func defaultBrokers() string { return envOr("AUDITSTREAM_KAFKA_BROKERS", consumer.DefaultBrokers) }

// runTopics creates the auditstream topics (or the named ones) if they do not exist.
func runTopics(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("topics", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `usage: auditstream topics [flags] [topic...]

Creates the Kafka topics if they do not exist; existing topics are left unchanged.
Without topic names: %s, %s and %s (dead letters, retention %s).

flags:
`, topics.DefaultAuditTopic, topics.DefaultCobrowseTopic, topics.DefaultDLQTopic, topics.DefaultDLQRetention)
		fs.PrintDefaults()
	}
	brokers := fs.String("kafka-brokers", defaultBrokers(), "Kafka seed brokers, comma-separated (env AUDITSTREAM_KAFKA_BROKERS)")
	partitions := fs.Int("partitions", int(topics.DefaultPartitions), "partitions per topic (-1: broker default)")
	replication := fs.Int("replication", int(topics.DefaultReplicationFactor), "replication factor (-1: broker default)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *partitions == 0 || *partitions < -1 || *partitions > 1<<20 {
		return fmt.Errorf("-partitions %d: want -1 or 1..%d", *partitions, 1<<20)
	}
	if *replication == 0 || *replication < -1 || *replication > 1<<15-1 {
		return fmt.Errorf("-replication %d: want -1 or a positive count", *replication)
	}

	specs := topics.Defaults(topics.Config{Partitions: int32(*partitions), ReplicationFactor: int16(*replication)})
	if names := fs.Args(); len(names) > 0 {
		specs = specs[:0]
		for _, n := range names {
			specs = append(specs, topics.Spec{Name: n, Partitions: int32(*partitions), ReplicationFactor: int16(*replication)})
		}
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(*brokers, ",")...))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	results, err := topics.EnsureResults(ctx, kadm.NewClient(cl), specs...)
	for _, r := range results {
		state := "exists "
		if r.Created {
			state = "created"
		}
		note := ""
		if !r.Created && *partitions > 0 && r.Partitions != int32(*partitions) {
			note = fmt.Sprintf(" (left unchanged; %d requested)", *partitions)
		}
		fmt.Printf("%s %-30s partitions=%d replication=%d%s\n", state, r.Name, r.Partitions, r.ReplicationFactor, note)
	}
	return err
}
