package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/auditstream/auditstream/consumer"
	"github.com/auditstream/auditstream/internal/migrate"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// Defaults of the ClickHouse flags shared by migrate, replay, sessions and activity.
// chFlags are the ClickHouse connection flags of the schema and query commands.
type chFlags struct {
	addr, database, user, profile string
}

func (f *chFlags) register(fs *flag.FlagSet) {
	// The same flag and environment names as `auditstream consume` (consumer.Settings).
	fs.StringVar(&f.addr, "clickhouse-addr", envOr("AUDITSTREAM_CLICKHOUSE_ADDR", consumer.DefaultClickHouseAddr), "ClickHouse native protocol address (env AUDITSTREAM_CLICKHOUSE_ADDR)")
	fs.StringVar(&f.database, "clickhouse-database", envOr("AUDITSTREAM_CLICKHOUSE_DATABASE", consumer.DefaultDatabase), "ClickHouse database (env AUDITSTREAM_CLICKHOUSE_DATABASE)")
	fs.StringVar(&f.user, "clickhouse-username", envOr("AUDITSTREAM_CLICKHOUSE_USERNAME", "default"), "ClickHouse user (env AUDITSTREAM_CLICKHOUSE_USERNAME; password from AUDITSTREAM_CLICKHOUSE_PASSWORD)")
	fs.StringVar(&f.profile, "profile", "auto", "schema profile: auto (from the server version), modern or legacy")
}

// open connects without selecting a database (migrate creates it) and resolves the profile.
func (f *chFlags) open(ctx context.Context) (driver.Conn, chschema.Profile, error) {
	if !chschema.ValidIdentifier(f.database) {
		return nil, 0, fmt.Errorf("-clickhouse-database %q is not a plain identifier", f.database)
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{f.addr},
		Auth:        clickhouse.Auth{Username: f.user, Password: os.Getenv("AUDITSTREAM_CLICKHOUSE_PASSWORD")},
		Protocol:    clickhouse.Native,
		DialTimeout: 10 * time.Second,
	})
	if err != nil {
		return nil, 0, err
	}
	var p chschema.Profile
	if f.profile == "auto" {
		p, err = chschema.DetectProfile(ctx, conn)
	} else {
		p, err = chschema.ParseProfile(f.profile)
	}
	if err != nil {
		_ = conn.Close()
		return nil, 0, err
	}
	return conn, p, nil
}

func runMigrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: auditstream migrate up|status [flags]")
		fs.PrintDefaults()
	}
	var ch chFlags
	ch.register(fs)
	cobrowseTTL := fs.Int("cobrowse-ttl-days", 0, fmt.Sprintf("modern profile: co-browsing retention in days (0 = %d)", chschema.DefaultCobrowseTTLDays))
	auditTTL := fs.Int("audit-ttl-days", 0, fmt.Sprintf("modern profile: audit retention in days (0 = %d)", chschema.DefaultAuditTTLDays))
	if len(args) == 0 {
		fs.Usage()
		return flag.ErrHelp
	}
	action := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if action != "up" && action != "status" {
		fs.Usage()
		return fmt.Errorf("unknown action %q", action)
	}
	conn, p, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("component", "migrate")
	opts := []migrate.Option{migrate.WithTTLDays(*cobrowseTTL, *auditTTL), migrate.WithLogger(logger)}
	if action == "up" {
		applied, err := migrate.Up(ctx, conn, ch.database, p, opts...)
		if err != nil {
			return err
		}
		fmt.Printf("%s (%s profile): applied %d migration(s) %v\n", ch.database, p, len(applied), applied)
		return nil
	}
	states, err := migrate.Status(ctx, conn, ch.database, p, opts...)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "VERSION\tNAME\tSTATE\tAPPLIED AT\tRUNNER\n")
	for _, s := range states {
		state, at := "pending", ""
		if s.Applied {
			state, at = "applied", s.AppliedAt.UTC().Format(time.RFC3339)
			if s.Changed {
				state = "applied (DDL changed since)"
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", s.Version, s.Name, state, at, s.Runner)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Printf("profile: %s, database: %s\n", p, ch.database)
	return nil
}
