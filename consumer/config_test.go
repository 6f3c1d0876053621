package consumer

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
		c.ClickHouse.Addr[0] != "ch-1:9000" || !c.SkipMigrate || c.RevokeTimeout != 20*time.Second {
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
		"AUDITSTREAM_CONFIG":         path,
		"AUDITSTREAM_BATCH_MAX_ROWS": "8",
		"AUDITSTREAM_GROUP":          "from-env",
		"AUDITSTREAM_KAFKA_BROKERS":  "a:1, b:2",
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
		c.Batch.MaxBytes != DefaultBatchMaxBytes {
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
	s := Settings()[12] // batch.max_bytes
	if s.Flag() != "batch-max-bytes" || s.Env() != "AUDITSTREAM_BATCH_MAX_BYTES" || s.Default() != "67108864" {
		t.Fatalf("names %s %s %s", s.Flag(), s.Env(), s.Default())
	}
}
