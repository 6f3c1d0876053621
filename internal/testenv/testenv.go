// Package testenv gives integration tests a real Kafka and a real ClickHouse, one way for all.
//
//	func TestSomething(t *testing.T) {
//		env := testenv.Require(t) // skips (or fails under AUDITSTREAM_E2E=1) without services
//		topic := env.Topic(t, 3)  // unique topic, deleted at cleanup
//		db := env.Database(t)     // unique ClickHouse database, dropped at cleanup
//		cl := env.KafkaClient(t, kgo.ConsumeTopics(topic))
//		conn := env.ClickHouse(t, db)
//		...
//	}
//
// Require picks the services once per test process, first match wins:
//
//  1. "env": AUDITSTREAM_KAFKA_BROKERS (comma-separated host:port list) and
//     AUDITSTREAM_CLICKHOUSE_ADDR (native protocol host:port), with optional
//     AUDITSTREAM_CLICKHOUSE_USERNAME / AUDITSTREAM_CLICKHOUSE_PASSWORD. Set both or neither;
//     when set, they must work (the test fails rather than trying something else).
//  2. "testcontainers": when a Docker engine answers within 2 s, containers of
//     DefaultKafkaImage and DefaultClickHouseImage (override with AUDITSTREAM_KAFKA_IMAGE,
//     AUDITSTREAM_CLICKHOUSE_IMAGE). Call Shutdown from TestMain to remove them early.
//  3. "local": the processes of deploy/local/up.sh on 127.0.0.1:19092 and 127.0.0.1:19000
//     (AUDITSTREAM_KAFKA_PORT, AUDITSTREAM_CLICKHOUSE_TCP_PORT move them). With
//     AUDITSTREAM_START_LOCAL=1, Require runs up.sh when they are not running.
//
// AUDITSTREAM_TESTENV=env|testcontainers|local forces one provider. When no provider works the
// test is skipped with the reasons, except under AUDITSTREAM_E2E=1 (CI), where it fails: an
// integration test must never pass by skipping when it was asked to run. With go test -short
// (make test-unit) Require skips at once, unless AUDITSTREAM_E2E=1.
//
// Require and every Env method are safe for concurrent use, including from parallel tests.
// Resources made by the helpers are released with t.Cleanup; the shared admin connections live
// for the whole process.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Provider names, as reported in Env.Provider.
const (
	ProviderEnv            = "env"
	ProviderTestcontainers = "testcontainers"
	ProviderLocal          = "local"
)

// Defaults of the local provider, matching deploy/local.
const (
	DefaultLocalKafkaPort      = "19092"
	DefaultLocalClickHousePort = "19000"
)

// Env describes the services a test may use. Treat it as read-only.
type Env struct {
	// KafkaBrokers are seed broker addresses (host:port).
	KafkaBrokers []string
	// ClickHouseAddr is the ClickHouse native protocol address (host:port).
	ClickHouseAddr string
	// ClickHouseUser and ClickHousePassword authenticate to ClickHouse ("default" and empty
	// unless the provider says otherwise).
	ClickHouseUser, ClickHousePassword string
	// Provider is how the services were found: ProviderEnv, ProviderTestcontainers or ProviderLocal.
	Provider string
	// KafkaVersion is the broker version as guessed from its API versions (for example "v4.1").
	KafkaVersion string
	// ClickHouseVersion is the server's version() (for example "18.16.1").
	ClickHouseVersion string

	admin *kadm.Client // shared; lives for the whole process
	ch    driver.Conn  // shared; no database selected
}

var (
	once      sync.Once
	shared    *Env
	resolveEr error
)

// Require returns the test environment, resolving it on the first call in the process. Without
// services it calls t.Skip with the reason, or t.Fatal when AUDITSTREAM_E2E=1.
func Require(t testing.TB) *Env {
	t.Helper()
	if testing.Short() && os.Getenv("AUDITSTREAM_E2E") != "1" {
		t.Skip("testenv: integration test skipped in -short mode")
	}
	once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		shared, resolveEr = resolve(ctx)
		if shared != nil {
			fmt.Fprintf(os.Stderr, "testenv: provider %s: Kafka %s at %s, ClickHouse %s at %s\n",
				shared.Provider, shared.KafkaVersion, strings.Join(shared.KafkaBrokers, ","),
				shared.ClickHouseVersion, shared.ClickHouseAddr)
		}
	})
	if shared == nil {
		if os.Getenv("AUDITSTREAM_E2E") == "1" {
			t.Fatalf("testenv: AUDITSTREAM_E2E=1 but no Kafka/ClickHouse: %v", resolveEr)
		}
		t.Skipf("testenv: no Kafka/ClickHouse (set AUDITSTREAM_E2E=1 to make this a failure): %v", resolveEr)
	}
	t.Logf("testenv: provider %s, Kafka %s %v, ClickHouse %s %s",
		shared.Provider, shared.KafkaVersion, shared.KafkaBrokers, shared.ClickHouseVersion, shared.ClickHouseAddr)
	return shared
}

// errExplicit marks a failure of an explicitly requested provider: no fallback is tried.
var errExplicit = errors.New("explicitly configured")

func resolve(ctx context.Context) (*Env, error) {
	forced := strings.TrimSpace(os.Getenv("AUDITSTREAM_TESTENV"))
	switch forced {
	case "", ProviderEnv, ProviderTestcontainers, ProviderLocal:
	default:
		return nil, fmt.Errorf("AUDITSTREAM_TESTENV=%q: want %s, %s or %s", forced, ProviderEnv, ProviderTestcontainers, ProviderLocal)
	}
	providers := []struct {
		name string
		fn   func(context.Context) (*Env, error)
	}{
		{ProviderEnv, fromEnvVars},
		{ProviderTestcontainers, fromDocker},
		{ProviderLocal, fromLocal},
	}
	var reasons []string
	for _, p := range providers {
		if forced != "" && forced != p.name {
			continue
		}
		env, err := p.fn(ctx)
		if err == nil && env != nil {
			if err = env.connect(ctx); err == nil {
				if len(reasons) > 0 {
					fmt.Fprintf(os.Stderr, "testenv: using %s; not used: %s\n", p.name, strings.Join(reasons, "; "))
				}
				return env, nil
			}
			env.close()
			if p.name == ProviderTestcontainers {
				_ = Shutdown()
			}
		}
		if err == nil {
			continue // provider not configured: try the next one
		}
		reasons = append(reasons, fmt.Sprintf("%s: %v", p.name, err))
		if errors.Is(err, errExplicit) || forced != "" {
			break
		}
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "nothing configured")
	}
	return nil, errors.New(strings.Join(reasons, "; "))
}

// fromEnvVars uses AUDITSTREAM_KAFKA_BROKERS and AUDITSTREAM_CLICKHOUSE_ADDR; (nil, nil) when
// neither is set.
func fromEnvVars(context.Context) (*Env, error) {
	brokers := strings.TrimSpace(os.Getenv("AUDITSTREAM_KAFKA_BROKERS"))
	addr := strings.TrimSpace(os.Getenv("AUDITSTREAM_CLICKHOUSE_ADDR"))
	if brokers == "" && addr == "" {
		return nil, nil
	}
	if brokers == "" || addr == "" {
		return nil, fmt.Errorf("%w: set both AUDITSTREAM_KAFKA_BROKERS and AUDITSTREAM_CLICKHOUSE_ADDR, or neither", errExplicit)
	}
	env := &Env{
		Provider:           ProviderEnv,
		ClickHouseAddr:     addr,
		ClickHouseUser:     os.Getenv("AUDITSTREAM_CLICKHOUSE_USERNAME"),
		ClickHousePassword: os.Getenv("AUDITSTREAM_CLICKHOUSE_PASSWORD"),
	}
	for _, b := range strings.Split(brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			env.KafkaBrokers = append(env.KafkaBrokers, b)
		}
	}
	return env, nil
}

// fromDocker starts containers when a Docker engine answers; (nil, error) otherwise.
func fromDocker(ctx context.Context) (*Env, error) {
	if err := dockerReachable(ctx); err != nil {
		return nil, err
	}
	return startContainers(ctx)
}

// fromLocal uses the deploy/local processes, starting them with AUDITSTREAM_START_LOCAL=1.
func fromLocal(ctx context.Context) (*Env, error) {
	kafka := net.JoinHostPort("127.0.0.1", envOr("AUDITSTREAM_KAFKA_PORT", DefaultLocalKafkaPort))
	ch := net.JoinHostPort("127.0.0.1", envOr("AUDITSTREAM_CLICKHOUSE_TCP_PORT", DefaultLocalClickHousePort))
	env := &Env{Provider: ProviderLocal, KafkaBrokers: []string{kafka}, ClickHouseAddr: ch}
	down := func() error {
		var errs []error
		for _, a := range []string{kafka, ch} {
			c, err := net.DialTimeout("tcp", a, time.Second)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s not reachable", a))
				continue
			}
			_ = c.Close()
		}
		return errors.Join(errs...)
	}
	err := down()
	if err == nil {
		return env, nil
	}
	if os.Getenv("AUDITSTREAM_START_LOCAL") != "1" {
		return nil, fmt.Errorf("%w (start them with make up, or set AUDITSTREAM_START_LOCAL=1)", err)
	}
	script, serr := findUpScript()
	if serr != nil {
		return nil, serr
	}
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr // progress of a first-time install is useful
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w", script, err)
	}
	if err := down(); err != nil {
		return nil, fmt.Errorf("after %s: %w", script, err)
	}
	return env, nil
}

// findUpScript walks up from the working directory (a package directory under go test) to the
// repository's deploy/local/up.sh.
func findUpScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "deploy", "local", "up.sh")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("deploy/local/up.sh not found above the working directory")
		}
		dir = parent
	}
}

// connect opens the shared admin connections and records the server versions.
func (e *Env) connect(ctx context.Context) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.KafkaBrokers...), kgo.RequestRetries(3))
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	e.admin = kadm.NewClient(cl)
	kctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	versions, err := e.admin.ApiVersions(kctx)
	if err != nil {
		return fmt.Errorf("kafka %v: %w", e.KafkaBrokers, err)
	}
	sorted := versions.Sorted()
	if len(sorted) == 0 {
		return fmt.Errorf("kafka %v: no broker answered ApiVersions", e.KafkaBrokers)
	}
	if err := sorted[0].Err; err != nil {
		return fmt.Errorf("kafka %v: broker %d: %w", e.KafkaBrokers, sorted[0].NodeID, err)
	}
	e.KafkaVersion = sorted[0].VersionGuess()

	e.ch, err = clickhouse.Open(e.chOptions(""))
	if err != nil {
		return fmt.Errorf("clickhouse %s: %w", e.ClickHouseAddr, err)
	}
	cctx, cancel2 := context.WithTimeout(ctx, 30*time.Second)
	defer cancel2()
	if err := e.ch.QueryRow(cctx, "SELECT version()").Scan(&e.ClickHouseVersion); err != nil {
		return fmt.Errorf("clickhouse %s: %w", e.ClickHouseAddr, err)
	}
	return nil
}

func (e *Env) close() {
	if e.admin != nil {
		e.admin.Close()
	}
	if e.ch != nil {
		_ = e.ch.Close()
	}
}

func (e *Env) chOptions(database string) *clickhouse.Options {
	user := e.ClickHouseUser
	if user == "" {
		user = "default"
	}
	return &clickhouse.Options{
		Addr:        []string{e.ClickHouseAddr},
		Auth:        clickhouse.Auth{Database: database, Username: user, Password: e.ClickHousePassword},
		Protocol:    clickhouse.Native, // HTTP does not work with ClickHouse 18.16
		DialTimeout: 10 * time.Second,
	}
}

// Admin returns a kadm client for the test cluster. It is shared by all tests: do not Close it.
func (e *Env) Admin() *kadm.Client { return e.admin }

// KafkaClient returns a new franz-go client seeded with the test brokers plus opts, closed at
// cleanup.
func (e *Env) KafkaClient(t testing.TB, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(e.KafkaBrokers...)}, opts...)...)
	if err != nil {
		t.Fatalf("testenv: kafka client: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// Topic creates a topic with a unique name and the given partition count (replication factor
// from the broker default) and deletes it at cleanup.
func (e *Env) Topic(t testing.TB, partitions int) string {
	t.Helper()
	name := "test." + sanitize(t.Name(), '-', 150) + "." + randomSuffix()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.admin.CreateTopic(ctx, int32(partitions), -1, nil, name); err != nil {
		t.Fatalf("testenv: create topic %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := e.admin.DeleteTopic(ctx, name); err != nil {
			t.Logf("testenv: delete topic %s: %v", name, err)
		}
	})
	return name
}

// Group returns a unique consumer group name for t.
func (e *Env) Group(t testing.TB) string {
	return "test." + sanitize(t.Name(), '-', 150) + "." + randomSuffix()
}

// Database creates a ClickHouse database with a unique name and drops it at cleanup.
func (e *Env) Database(t testing.TB) string {
	t.Helper()
	name := "test_" + sanitize(strings.ToLower(t.Name()), '_', 40) + "_" + randomSuffix()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.ch.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := e.ch.Exec(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Logf("testenv: drop database %s: %v", name, err)
		}
	})
	return name
}

// ClickHouse returns a native-protocol connection using database (empty for the server's
// default), pinged, and closed at cleanup. Remember: always name the columns in INSERT.
func (e *Env) ClickHouse(t testing.TB, database string) driver.Conn {
	t.Helper()
	conn, err := clickhouse.Open(e.chOptions(database))
	if err != nil {
		t.Fatalf("testenv: clickhouse %s: %v", e.ClickHouseAddr, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := conn.Ping(ctx); err != nil {
		t.Fatalf("testenv: clickhouse %s ping: %v", e.ClickHouseAddr, err)
	}
	return conn
}

// sanitize keeps ASCII letters and digits of s, maps everything else to sep (collapsing runs)
// and truncates to limit bytes, so test names become valid topic and database names.
func sanitize(s string, sep byte, limit int) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < limit; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b = append(b, c)
		case len(b) > 0 && b[len(b)-1] != sep:
			b = append(b, sep)
		}
	}
	return strings.TrimRight(string(b), string(sep))
}

// randomSuffix returns 8 random hex digits: unique across parallel tests and repeated runs.
func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
