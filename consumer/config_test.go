package consumer

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auditstream/auditstream/event"
)

func TestConfigFiles(t *testing.T) {
	// Expected error substrings of the bad files; every testdata file must be listed.
	bad := map[string]string{
		"unknown-key.bad.yaml":        "field max_rowz not found",
		"wrong-type.bad.yaml":         "cannot unmarshal !!str `lots`",
		"negative.bad.yaml":           "batch.max_age: must not be negative",
		"buffer-below-batch.bad.yaml": "max_buffered_bytes: 1000 is below batch.max_bytes",
		"same-topics.bad.yaml":        "topics: audit, cobrowse and dlq must be three different topics",
		"log-level.bad.yaml":          `unknown log level "loud"`,
		"two-docs.bad.yaml":           "more than one YAML document",
		"schema-registry.bad.yaml":    `schema_registry.url: "sr.internal:8081" is not an http(s) URL`,
	}
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			c, err := LoadConfig(f)
			if strings.HasSuffix(name, ".good.yaml") {
				if err != nil {
					t.Fatal(err)
				}
				c.setDefaults()
				return
			}
			want, ok := bad[name]
			if !ok {
				t.Fatalf("bad file %s has no expected error in the table", name)
			}
			if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v, want ErrInvalidConfig containing %q", err, want)
			}
		})
	}
}

func TestConfigFullFile(t *testing.T) {
	c, err := LoadConfig("testdata/full.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Batch != (BatchPolicy{50000, 32 << 20, 5 * time.Second}) || c.Topics.DLQ != "a.dlq" ||
		c.ClickHouse.Addr[0] != "ch-1:9000" || !c.SkipMigrate || c.RevokeTimeout != 20*time.Second || c.SessionTimeout != 10*time.Second ||
		c.SchemaRegistry.URL != "https://sr.internal:8081" || c.SchemaRegistry.MissTTL != 30*time.Second {
		t.Fatalf("decoded %+v", c)
	}
}

func TestZeroConfigIsValid(t *testing.T) {
	var c Config
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	c.setDefaults()
	if c.Batch.MaxRows != DefaultBatchMaxRows || c.Topics.DLQ != DefaultDLQTopic || c.MaxBufferedBytes != DefaultMaxBufferedBytes ||
		c.ClickHouse.Database != DefaultDatabase || c.ClientID != DefaultGroup {
		t.Fatalf("defaults: %+v", c)
	}
}

// Precedence: defaults < file < environment < flags.
func TestLoaderPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte("group: from-file\nbatch: {max_rows: 7, max_age: 9s}\nlog_level: warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"AUDITSTREAM_CONFIG":              path,
		"AUDITSTREAM_BATCH_MAX_ROWS":      "8",
		"AUDITSTREAM_GROUP":               "from-env",
		"AUDITSTREAM_KAFKA_BROKERS":       "a:1, b:2",
		"AUDITSTREAM_SCHEMA_REGISTRY_URL": "http://sr-from-env:8081",
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	l := NewLoader(fs)
	if err := fs.Parse([]string{"-group", "from-flag", "-skip-migrate=true"}); err != nil {
		t.Fatal(err)
	}
	c, err := l.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if c.Group != "from-flag" || c.Batch.MaxRows != 8 || c.Batch.MaxAge != 9*time.Second ||
		c.LogLevel != "warn" || !c.SkipMigrate || strings.Join(c.Brokers, "|") != "a:1|b:2" ||
		c.Batch.MaxBytes != DefaultBatchMaxBytes || c.SchemaRegistry.URL != "http://sr-from-env:8081" ||
		c.SchemaRegistry.MissTTL != DefaultSchemaMissTTL {
		t.Fatalf("loaded %+v", c)
	}

	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	l = NewLoader(fs)
	if err := fs.Parse([]string{"-batch-max-age", "soon"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Load(func(string) (string, bool) { return "", false }); err == nil ||
		!strings.Contains(err.Error(), "-batch-max-age") {
		t.Fatalf("bad flag value: %v", err)
	}
}

func TestSettingNames(t *testing.T) {
	keys, flags, envs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, s := range Settings() {
		for _, kind := range []struct {
			seen map[string]bool
			name string
		}{{keys, s.Key}, {flags, s.Flag()}, {envs, s.Env()}} {
			if kind.seen[kind.name] {
				t.Errorf("duplicate setting name %s", kind.name)
			}
			kind.seen[kind.name] = true
		}
	}
	for _, want := range []struct{ key, flag, env, def string }{
		{"batch.max_bytes", "batch-max-bytes", "AUDITSTREAM_BATCH_MAX_BYTES", "67108864"},
		{"schema_registry.url", "schema-registry-url", "AUDITSTREAM_SCHEMA_REGISTRY_URL", ""},
		{"schema_registry.miss_ttl", "schema-registry-miss-ttl", "AUDITSTREAM_SCHEMA_REGISTRY_MISS_TTL", "1m0s"},
	} {
		i := slices.IndexFunc(Settings(), func(s Setting) bool { return s.Key == want.key })
		if i < 0 {
			t.Errorf("no setting %s", want.key)
			continue
		}
		s := Settings()[i]
		if s.Flag() != want.flag || s.Env() != want.env || s.Default() != want.def {
			t.Errorf("%s: names %s %s %q", want.key, s.Flag(), s.Env(), s.Default())
		}
	}
}

func TestSchemaRegistryConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // error substring; empty: valid
	}{
		{"unset", Config{}, ""},
		{"http", Config{SchemaRegistry: SchemaRegistryConfig{URL: "http://sr:8081"}}, ""},
		{"https with path", Config{SchemaRegistry: SchemaRegistryConfig{URL: "https://sr.example/registry"}}, ""},
		{"no scheme", Config{SchemaRegistry: SchemaRegistryConfig{URL: "sr:8081"}}, "schema_registry.url: \"sr:8081\" is not an http(s) URL"},
		{"no host", Config{SchemaRegistry: SchemaRegistryConfig{URL: "http://"}}, "is not an http(s) URL"},
		{"with decoder", Config{SchemaRegistry: SchemaRegistryConfig{URL: "http://sr:8081"}, Decoder: staticDecoder(t)},
			"set together with a Decoder"},
		{"negative ttl", Config{SchemaRegistry: SchemaRegistryConfig{MissTTL: -time.Second}}, "schema_registry.miss_ttl: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v, want ErrInvalidConfig containing %q", err, tt.want)
			}
		})
	}
}

func staticDecoder(t *testing.T) Decoder {
	c, err := event.NewStaticCodec()
	if err != nil {
		t.Fatal(err)
	}
	return c
}
