package topics

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestDefaults(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		wantNames  []string
		wantParts  int32
		wantRF     int16
		wantDLQRet string
	}{
		{
			name:       "zero config",
			wantNames:  []string{DefaultAuditTopic, DefaultCobrowseTopic, DefaultDLQTopic},
			wantParts:  DefaultPartitions,
			wantRF:     DefaultReplicationFactor,
			wantDLQRet: "2592000000",
		},
		{
			name:       "overrides",
			cfg:        Config{AuditTopic: "a", CobrowseTopic: "c", DLQTopic: "d", Partitions: 3, ReplicationFactor: 2, DLQRetention: time.Hour},
			wantNames:  []string{"a", "c", "d"},
			wantParts:  3,
			wantRF:     2,
			wantDLQRet: "3600000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs := Defaults(tt.cfg)
			var names []string
			for _, s := range specs {
				names = append(names, s.Name)
				if s.Partitions != tt.wantParts || s.ReplicationFactor != tt.wantRF {
					t.Errorf("%s: partitions %d rf %d, want %d %d", s.Name, s.Partitions, s.ReplicationFactor, tt.wantParts, tt.wantRF)
				}
				if err := s.validate(); err != nil {
					t.Errorf("default spec invalid: %v", err)
				}
			}
			if !slices.Equal(names, tt.wantNames) {
				t.Fatalf("names %v, want %v", names, tt.wantNames)
			}
			if got := specs[2].Configs["retention.ms"]; got != tt.wantDLQRet {
				t.Errorf("dlq retention.ms %q, want %q", got, tt.wantDLQRet)
			}
			if specs[0].Configs != nil || specs[1].Configs != nil {
				t.Errorf("event topics should use broker configs, got %v %v", specs[0].Configs, specs[1].Configs)
			}
		})
	}
}

func TestSpecValidate(t *testing.T) {
	tests := []struct {
		name    string
		spec    Spec
		wantErr string // substring; "" = valid
	}{
		{"ok", Spec{Name: "auditstream.audit-v1_x", Partitions: 3, ReplicationFactor: 1}, ""},
		{"broker defaults", Spec{Name: "t", Partitions: -1, ReplicationFactor: -1}, ""},
		{"zero means default", Spec{Name: "t"}, ""},
		{"empty name", Spec{}, "empty topic name"},
		{"dot", Spec{Name: "."}, `topic name "."`},
		{"dotdot", Spec{Name: ".."}, `topic name ".."`},
		{"too long", Spec{Name: strings.Repeat("x", 250)}, "longer than 249"},
		{"bad char", Spec{Name: "a/b"}, "only ASCII"},
		{"space", Spec{Name: "a b"}, "only ASCII"},
		{"negative partitions", Spec{Name: "t", Partitions: -2}, "partitions -2"},
		{"negative rf", Spec{Name: "t", ReplicationFactor: -3}, "replication factor -3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidSpec) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want ErrInvalidSpec containing %q", err, tt.wantErr)
			}
		})
	}
}

// newFakeAdmin starts an in-process Kafka (kfake) with one pre-existing topic.
func newFakeAdmin(t *testing.T) *kadm.Client {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "existing"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

func TestEnsureResults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := newFakeAdmin(t)

	specs := []Spec{
		{Name: "new-a", Partitions: 3, ReplicationFactor: 1, Configs: map[string]string{"retention.ms": "60000"}},
		{Name: "existing", Partitions: 5, ReplicationFactor: 1},
	}
	got, err := EnsureResults(ctx, adm, specs...)
	if err != nil {
		t.Fatalf("EnsureResults: %v", err)
	}
	want := []Result{
		{Name: "new-a", Created: true, Partitions: 3, ReplicationFactor: 1},
		{Name: "existing", Created: false, Partitions: 2, ReplicationFactor: 1}, // left unchanged
	}
	if !slices.Equal(got, want) {
		t.Fatalf("first run: got %+v, want %+v", got, want)
	}

	// Idempotent: a second run creates nothing and reports what exists.
	got, err = EnsureResults(ctx, adm, specs...)
	if err != nil {
		t.Fatalf("second EnsureResults: %v", err)
	}
	want[0].Created = false
	if !slices.Equal(got, want) {
		t.Fatalf("second run: got %+v, want %+v", got, want)
	}

	rc, err := adm.DescribeTopicConfigs(ctx, "new-a")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := rc.On("new-a", nil)
	if err != nil {
		t.Fatal(err)
	}
	var retention string
	for _, c := range cfg.Configs {
		if c.Key == "retention.ms" {
			retention = c.MaybeValue()
		}
	}
	if retention != "60000" {
		t.Errorf("retention.ms = %q, want 60000", retention)
	}
}

func TestEnsureErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := newFakeAdmin(t)

	tests := []struct {
		name    string
		specs   []Spec
		wantErr error
		wantMsg string
	}{
		{"invalid spec", []Spec{{Name: "ok"}, {Name: "bad name"}}, ErrInvalidSpec, "bad name"},
		{"duplicate", []Spec{{Name: "dup"}, {Name: "dup"}}, ErrInvalidSpec, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Ensure(ctx, adm, tt.specs...)
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("error %v, want %v containing %q", err, tt.wantErr, tt.wantMsg)
			}
		})
	}
	// Validation happens before any request: the valid topic of the failed call was not created.
	td, err := adm.ListTopics(ctx, "ok")
	if err != nil {
		t.Fatal(err)
	}
	if td.Has("ok") {
		t.Error(`topic "ok" was created although the call failed validation`)
	}
}
