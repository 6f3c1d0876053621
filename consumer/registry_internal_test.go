package consumer

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/schemas"
)

// The negative cache: an ID the registry did not know is asked for again only after the
// TTL, and a flood of distinct bad IDs stops reaching the registry at the cap.
func TestSchemaResolverMissTTLAndCap(t *testing.T) {
	ctx := context.Background()
	reg := srfake.New()
	t.Cleanup(reg.Close)
	var requests atomic.Int64
	reg.Intercept(func(_ http.ResponseWriter, r *http.Request) bool {
		requests.Add(1)
		return false
	})
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	codec, err := event.NewRegistryCodec(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	m := newMetrics(nil)
	r := &schemaResolver{loader: codec, ttl: time.Minute, misses: map[int]time.Time{}, m: m, log: slog.New(slog.DiscardHandler)}
	frame := func(id int) []byte { return []byte{0, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id), 2} }

	const id = 500
	t0 := time.Unix(1_000_000, 0)
	steps := []struct {
		name     string
		at       time.Duration
		seed     bool // register the schema under id before this step
		want     bool
		requests int64 // registry requests so far
	}{
		{"unknown: asked", 0, false, false, 1},
		{"within the TTL: not asked", 30 * time.Second, false, false, 1},
		{"registered meanwhile, still cached", 59 * time.Second, true, false, 1},
		{"TTL passed: asked and loaded", time.Minute, false, true, 2},
		{"known now: not asked", time.Minute, false, false, 2},
	}
	base := requests.Load()
	for _, s := range steps {
		if s.seed {
			reg.SeedSchema("later-value", 1, id, sr.Schema{Schema: schemas.Versions(schemas.Cobrowse)[0].Text})
		}
		if got := r.resolve(ctx, frame(id), t0.Add(s.at)); got != s.want {
			t.Fatalf("%s: resolve = %v, want %v", s.name, got, s.want)
		}
		if n := requests.Load() - base; n != s.requests {
			t.Fatalf("%s: %d registry requests, want %d", s.name, n, s.requests)
		}
	}
	if n := testutil.ToFloat64(m.schemaLookups.WithLabelValues(lookupLoaded)); n != 1 {
		t.Errorf("loaded lookups = %v, want 1", n)
	}

	// Not a frame: never asked.
	if r.resolve(ctx, []byte("junk"), t0) || requests.Load()-base != 2 {
		t.Fatal("a value without a frame header reached the registry")
	}

	// At the cap, with every entry still fresh, new IDs are not asked for; once entries
	// expire they are dropped and lookups resume.
	for i := range maxSchemaMisses {
		r.misses[10_000+i] = t0.Add(time.Minute)
	}
	base = requests.Load()
	if r.resolve(ctx, frame(777), t0) || requests.Load() != base {
		t.Fatal("asked the registry with the miss cache full")
	}
	if r.resolve(ctx, frame(777), t0.Add(time.Minute)) || requests.Load() != base+1 {
		t.Fatal("no lookup after the cached misses expired")
	}
	if len(r.misses) != 1 {
		t.Fatalf("%d cached misses after expiry, want 1 (the new one)", len(r.misses))
	}
}
