package integration_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/consumer"
	"github.com/auditstream/auditstream/consumer/consumertest"
	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/internal/migrate"
	"github.com/auditstream/auditstream/internal/testenv"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// pipeline is one consumer test's private topics, group and migrated database.
type pipeline struct {
	env                  *testenv.Env
	audit, cobrowse, dlq string
	group, db            string
	ch                   driver.Conn
	gen                  *consumertest.Generator
}

func newPipeline(t *testing.T, partitions int) *pipeline {
	t.Helper()
	env := testenv.Require(t)
	p := &pipeline{env: env, audit: env.Topic(t, partitions), cobrowse: env.Topic(t, partitions),
		dlq: env.Topic(t, 1), group: env.Group(t), db: env.Database(t)}
	p.ch = env.ClickHouse(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	profile, err := chschema.DetectProfile(ctx, p.ch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Up(ctx, p.ch, p.db, profile); err != nil {
		t.Fatal(err)
	}
	codec, err := event.NewStaticCodec()
	if err != nil {
		t.Fatal(err)
	}
	p.gen = consumertest.NewGenerator(codec, uint64(time.Now().UnixNano()))
	return p
}

// config returns a consumer config for the pipeline with small, fast batches.
func (p *pipeline) config() consumer.Config {
	return consumer.Config{
		Brokers:      p.env.KafkaBrokers,
		Group:        p.group,
		Topics:       consumer.Topics{Audit: p.audit, Cobrowse: p.cobrowse, DLQ: p.dlq},
		ClickHouse:   consumer.ClickHouseConfig{Addr: []string{p.env.ClickHouseAddr}, Database: p.db, Username: p.env.ClickHouseUser, Password: p.env.ClickHousePassword},
		Batch:        consumer.BatchPolicy{MaxRows: 5000, MaxAge: 200 * time.Millisecond},
		RetryBackoff: 50 * time.Millisecond, RetryMaxBackoff: 500 * time.Millisecond,
	}
}

func (p *pipeline) produce(t *testing.T, recs []*kgo.Record) {
	t.Helper()
	cl := p.env.KafkaClient(t, kgo.ProducerLinger(5*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := 0; i < len(recs); i += 10_000 {
		if err := cl.ProduceSync(ctx, recs[i:min(i+10_000, len(recs))]...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// runConsumer runs an in-process consumer until the test ends (or stop is called).
func (p *pipeline) runConsumer(t *testing.T, cfg consumer.Config) (stop func(), reg *prometheus.Registry) {
	t.Helper()
	reg = prometheus.NewRegistry()
	cfg.Registerer = reg
	ctx, cancel := context.WithCancel(context.Background())
	c, err := consumer.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("consumer: %v", err)
				}
			case <-time.After(time.Minute):
				t.Error("consumer did not stop within a minute")
			}
		})
	}
	t.Cleanup(stop)
	return stop, reg
}

// visible returns how many times each event_id is stored in table (raw rows, before any
// merge) and how many rows the deduplicated view (FINAL) holds.
func (p *pipeline) visible(t *testing.T, table string) (raw map[uuid.UUID]int, final uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := p.ch.Query(ctx, fmt.Sprintf("SELECT event_id FROM %s.%s", p.db, table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	raw = map[uuid.UUID]int{}
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		raw[id]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if err := p.ch.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s.%s FINAL", p.db, table)).Scan(&final); err != nil {
		t.Fatal(err)
	}
	return raw, final
}

// rowCount is a cheap progress probe.
func (p *pipeline) rowCount(t *testing.T, table string) uint64 {
	t.Helper()
	var n uint64
	if err := p.ch.QueryRow(context.Background(), fmt.Sprintf("SELECT count() FROM %s.%s", p.db, table)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// requireExactly fails unless table shows exactly the ids through its deduplicated view
// (every id present, nothing else, FINAL count equal). It returns the physical duplicate
// rows (redeliveries ReplacingMergeTree collapses).
func (p *pipeline) requireExactly(t *testing.T, table string, ids []uuid.UUID) (dupRows int) {
	t.Helper()
	raw, final := p.visible(t, table)
	for _, id := range ids {
		if raw[id] == 0 {
			t.Fatalf("%s: event %s lost", table, id)
		}
	}
	if len(raw) != len(ids) {
		t.Fatalf("%s: %d distinct events stored, produced %d", table, len(raw), len(ids))
	}
	if final != uint64(len(ids)) {
		t.Fatalf("%s: FINAL shows %d rows, want %d", table, final, len(ids))
	}
	for _, n := range raw {
		dupRows += n - 1
	}
	return dupRows
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tcpProxy forwards a local port to a target; Cut closes the listener and every
// connection (the target looks down: connection refused), Restore listens again on the
// same port. It simulates an unavailable ClickHouse without touching the shared server.
type tcpProxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{target: target, conns: map[net.Conn]struct{}{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *tcpProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // cut while dialing
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.mu.Unlock()
	go func() { _, _ = io.Copy(up, c); up.Close(); c.Close() }()
	_, _ = io.Copy(c, up)
	c.Close()
	up.Close()
}

// Cut makes the target unreachable.
func (p *tcpProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Restore makes the target reachable again on the same address.
func (p *tcpProxy) Restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

// buildBinary builds cmd/auditstream once per test into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "auditstream")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/auditstream").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// binaryEnv is the environment of an `auditstream consume` process for this pipeline,
// with ClickHouse at chAddr (the server, or a proxy in front of it) and extra settings.
func (p *pipeline) binaryEnv(chAddr string, extra ...string) []string {
	return append(append(os.Environ(),
		"AUDITSTREAM_KAFKA_BROKERS="+strings.Join(p.env.KafkaBrokers, ","),
		"AUDITSTREAM_GROUP="+p.group,
		"AUDITSTREAM_TOPICS_AUDIT="+p.audit,
		"AUDITSTREAM_TOPICS_COBROWSE="+p.cobrowse,
		"AUDITSTREAM_TOPICS_DLQ="+p.dlq,
		"AUDITSTREAM_CLICKHOUSE_ADDR="+chAddr,
		"AUDITSTREAM_CLICKHOUSE_DATABASE="+p.db,
		"AUDITSTREAM_CLICKHOUSE_USERNAME="+p.env.ClickHouseUser,
		"AUDITSTREAM_CLICKHOUSE_PASSWORD="+p.env.ClickHousePassword,
		"AUDITSTREAM_HTTP_ADDR=127.0.0.1:0",
	), extra...)
}

// startBinary starts `auditstream consume`, collects its log lines, and kills it at cleanup.
func startBinary(t *testing.T, bin string, env []string) (*exec.Cmd, *syncBuilder) {
	t.Helper()
	cmd := exec.Command(bin, "consume")
	cmd.Env = env
	logs := &syncBuilder{}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, logs
}

// syncBuilder is a strings.Builder safe for one writer and concurrent readers.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) WriteString(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.WriteString(v)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
