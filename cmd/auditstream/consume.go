package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/oklog/run"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/auditstream/auditstream/consumer"
	"github.com/auditstream/auditstream/internal/migrate"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// runConsume runs the consumer group until SIGINT/SIGTERM (ctx), then stops within the
// configured shutdown timeout: final flush, commit, leave the group.
func runConsume(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("consume", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: auditstream consume [flags]\n\nConsume the audit and co-browsing topics into ClickHouse. Settings come from\n"+
			"defaults < -config YAML file < AUDITSTREAM_* environment < flags.\n\nflags:")
		fs.PrintDefaults()
	}
	loader := consumer.NewLoader(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loader.Load(os.LookupEnv)
	if err != nil {
		return err
	}
	level, _ := consumer.ParseLogLevel(cfg.LogLevel) // validated by Load
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	log := logger.With("component", "main")

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	conn, err := consumer.OpenClickHouse(cfg.ClickHouse)
	if err != nil {
		return fmt.Errorf("open clickhouse: %w", err)
	}
	defer conn.Close()
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	profile, err := chschema.DetectProfile(startCtx, conn)
	if err != nil {
		return err
	}
	if !cfg.SkipMigrate {
		applied, err := migrate.Up(startCtx, conn, cfg.ClickHouse.Database, profile,
			migrate.WithLogger(logger.With("component", "migrate")))
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		log.Info("migrations applied", "versions", applied, "profile", profile.String())
	}
	sink, err := consumer.NewClickHouseSink(conn, cfg.ClickHouse.Database, profile)
	if err != nil {
		return err
	}
	cfg.Sink, cfg.Logger, cfg.Registerer = sink, logger, reg
	c, err := consumer.New(ctx, cfg)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !c.Ready() {
			http.Error(w, "not consuming", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Info("http listening", "addr", ln.Addr().String())

	var g run.Group
	runCtx, stop := context.WithCancel(ctx)
	g.Add(func() error { return c.Run(runCtx) }, func(error) { stop() })
	g.Add(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, func(error) {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("http server shutdown", "err", err)
		}
	})
	err = g.Run()
	log.Info("exiting", "err", err)
	return err
}
