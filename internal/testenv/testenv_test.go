package testenv

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		in    string
		sep   byte
		limit int
		want  string
	}{
		{"TestFoo/sub_test#01", '-', 100, "TestFoo-sub-test-01"},
		{"TestFoo/sub_test#01", '_', 100, "TestFoo_sub_test_01"},
		{"//a//", '-', 100, "a"},
		{"abcdef", '-', 3, "abc"},
		{"ab/cd", '-', 3, "ab"}, // no trailing separator after truncation
		{"", '-', 10, ""},
		{"ünïcode", '_', 10, "n_code"},
	}
	for _, tt := range tests {
		if got := sanitize(tt.in, tt.sep, tt.limit); got != tt.want {
			t.Errorf("sanitize(%q, %q, %d) = %q, want %q", tt.in, tt.sep, tt.limit, got, tt.want)
		}
	}
}

func TestFromEnvVars(t *testing.T) {
	tests := []struct {
		name        string
		brokers     string
		addr        string
		wantNil     bool
		wantErr     string
		wantBrokers []string
	}{
		{name: "unset", wantNil: true},
		{name: "both", brokers: " a:1, b:2 ,", addr: "c:3", wantBrokers: []string{"a:1", "b:2"}},
		{name: "only brokers", brokers: "a:1", wantErr: "set both"},
		{name: "only clickhouse", addr: "c:3", wantErr: "set both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AUDITSTREAM_KAFKA_BROKERS", tt.brokers)
			t.Setenv("AUDITSTREAM_CLICKHOUSE_ADDR", tt.addr)
			t.Setenv("AUDITSTREAM_CLICKHOUSE_USERNAME", "u")
			env, err := fromEnvVars(context.Background())
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
			case tt.wantNil:
				if env != nil || err != nil {
					t.Fatalf("got %+v, %v; want nil, nil", env, err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if env.Provider != ProviderEnv || env.ClickHouseAddr != tt.addr || env.ClickHouseUser != "u" ||
					!slices.Equal(env.KafkaBrokers, tt.wantBrokers) {
					t.Fatalf("got %+v", env)
				}
			}
		})
	}
}

func TestResolveRejectsUnknownProvider(t *testing.T) {
	t.Setenv("AUDITSTREAM_TESTENV", "kubernetes")
	_, err := resolve(context.Background())
	if err == nil || !strings.Contains(err.Error(), `AUDITSTREAM_TESTENV="kubernetes"`) {
		t.Fatalf("error %v", err)
	}
}

func TestDockerProbeIsQuick(t *testing.T) {
	// An address where nothing listens: the probe must fail fast, not hang the test run.
	t.Setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
	start := time.Now()
	if err := dockerReachable(context.Background()); err == nil {
		t.Fatal("docker probe succeeded against a closed port")
	}
	if d := time.Since(start); d > 2*dockerPingTimeout {
		t.Fatalf("probe took %v", d)
	}
}

// TestHelpers checks the helpers against the real services: what they create exists during the
// test and is gone after its cleanup.
func TestHelpers(t *testing.T) {
	env := Require(t)
	ctx := context.Background()
	var topic, db string
	t.Run("inner", func(t *testing.T) {
		topic = env.Topic(t, 3)
		db = env.Database(t)
		td, err := env.Admin().ListTopics(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(td[topic].Partitions); got != 3 {
			t.Fatalf("topic %s has %d partitions, want 3", topic, got)
		}
		conn := env.ClickHouse(t, db)
		var cur string
		if err := conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&cur); err != nil {
			t.Fatal(err)
		}
		if cur != db {
			t.Fatalf("currentDatabase() = %q, want %q", cur, db)
		}
		if !strings.HasPrefix(topic, "test.TestHelpers-inner.") || !strings.HasPrefix(db, "test_testhelpers_inner_") {
			t.Fatalf("unexpected names %q %q", topic, db)
		}
	})
	if t.Failed() {
		return
	}
	// Deletion is asynchronous in Kafka: poll briefly.
	deadline := time.Now().Add(15 * time.Second)
	for {
		td, err := env.Admin().ListTopics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !td.Has(topic) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("topic %s still exists after cleanup", topic)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var n uint64
	if err := env.ClickHouse(t, "").QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", db).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("database %s still exists after cleanup", db)
	}
}
