// Command auditstream runs the auditstream pipeline and its tools:
//
//	auditstream consume    run the consumer group: Kafka -> ClickHouse
//	auditstream migrate    apply or show ClickHouse migrations
//	auditstream replay     print a co-browsing session's timeline
//	auditstream sessions   list a tenant's co-browsing sessions
//	auditstream activity   print a tenant's activity log
//	auditstream dlq        inspect and replay the dead-letter topic
//	auditstream topics     create the Kafka topics
//	auditstream emit-demo  emit a burst of every event type through the producer library
//
// Run "auditstream <command> -h" for a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: its name, a one-line summary and its entry point.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = []command{
	{"consume", "run the consumer group: Kafka -> ClickHouse", runConsume},
	{"migrate", "apply (up) or show (status) ClickHouse migrations", runMigrate},
	{"replay", "print a co-browsing session's timeline", runReplay},
	{"sessions", "list a tenant's co-browsing sessions", runSessions},
	{"activity", "print a tenant's activity log", runActivity},
	{"dlq", "inspect and replay the dead-letter topic", runDLQ},
	{"topics", "create the Kafka topics", runTopics},
	{"emit-demo", "emit a burst of every event type through the producer library", runEmitDemo},
}

// envOr returns the environment variable key, or def when it is unset or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: auditstream <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", c.name, c.summary)
	}
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, c := range commands {
		if c.name != os.Args[1] {
			continue
		}
		err := c.run(ctx, os.Args[2:])
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "auditstream %s: %v\n", c.name, err)
			os.Exit(1)
		}
		return
	}
	usage()
	os.Exit(2)
}
