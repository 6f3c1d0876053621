package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/consumer"
)

// runDLQ inspects (list) or re-produces (replay) the dead-letter topic.
func runDLQ(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "replay") {
		fmt.Fprintln(os.Stderr, "usage: auditstream dlq list|replay [flags]\n\n"+
			"  list    print every dead letter: position, time, reason, source topic/partition/offset, error\n"+
			"  replay  re-produce the original records (key, value, headers) to their source topic,\n"+
			"          e.g. after deploying a fix; replayed events are deduplicated by event_id")
		return flag.ErrHelp
	}
	verb := args[0]
	fs := flag.NewFlagSet("dlq "+verb, flag.ContinueOnError)
	brokers := fs.String("kafka-brokers", defaultBrokers(), "Kafka seed brokers, comma-separated (env AUDITSTREAM_KAFKA_BROKERS)")
	topic := fs.String("topic", envOr("AUDITSTREAM_TOPICS_DLQ", consumer.DefaultDLQTopic), "dead-letter topic (env AUDITSTREAM_TOPICS_DLQ)")
	reason := fs.String("reason", "", "only records with this reason (decode, unknown-schema, validation)")
	source := fs.String("source-topic", "", "only records that came from this topic")
	since := fs.Duration("since", 0, "only records dead-lettered within this duration (0: all)")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	dryRun := fs.Bool("dry-run", false, "replay: print what would be re-produced, produce nothing")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	opts := []kgo.Opt{kgo.SeedBrokers(strings.Split(*brokers, ",")...)}

	var prod *kgo.Client
	if verb == "replay" && !*dryRun {
		var err error
		if prod, err = kgo.NewClient(opts...); err != nil {
			return err
		}
		defer prod.Close()
	}
	match := func(d consumer.DeadLetter) bool {
		return (*reason == "" || string(d.Reason) == *reason) &&
			(*source == "" || d.Topic == *source) &&
			(*since == 0 || time.Since(d.Time) <= *since)
	}
	var total, matched, unparsable int
	var (
		mu         sync.Mutex
		produceErr error
	)
	err := consumer.ScanDeadLetters(ctx, *topic, func(d consumer.DeadLetter, perr error) error {
		total++
		if perr != nil {
			unparsable++
			fmt.Fprintf(os.Stderr, "skipping %d/%d: %v\n", d.DLQPartition, d.DLQOffset, perr)
			return nil
		}
		if !match(d) {
			return nil
		}
		matched++
		fmt.Printf("%d/%d\t%s\t%s\t%s/%d/%d\t%s\n", d.DLQPartition, d.DLQOffset, d.Time.Format(time.RFC3339),
			d.Reason, d.Topic, d.Partition, d.Offset, d.Error)
		if prod != nil {
			prod.Produce(ctx, d.Original(), func(_ *kgo.Record, err error) {
				if err != nil {
					mu.Lock()
					produceErr = errors.Join(produceErr, err)
					mu.Unlock()
				}
			})
		}
		return nil
	}, opts...)
	if err != nil {
		return err
	}
	if prod != nil {
		if err := prod.Flush(ctx); err != nil {
			return err
		}
		if produceErr != nil {
			return fmt.Errorf("replay: %w", produceErr)
		}
	}
	action := "matched"
	if prod != nil {
		action = "replayed"
	}
	fmt.Fprintf(os.Stderr, "%d dead letters, %d %s, %d unparsable\n", total, matched, action, unparsable)
	return nil
}
