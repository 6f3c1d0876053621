package consumer_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/auditstream/auditstream/consumer"
	"github.com/auditstream/auditstream/consumer/consumertest"
	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/schemas"
)

// newerCobrowseSchema is what a newer producer might register: the newest co-browsing
// schema plus a trailing optional field. Its Avro body is the current body followed by
// the union index of null (one 0x00 byte).
func newerCobrowseSchema(t testing.TB) string {
	t.Helper()
	var rec map[string]any
	if err := json.Unmarshal([]byte(schemas.Reader(schemas.Cobrowse).Text), &rec); err != nil {
		t.Fatal(err)
	}
	rec["fields"] = append(rec["fields"].([]any),
		map[string]any{"name": "referrer", "type": []any{"null", "string"}, "default": nil})
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// reframe returns a copy of a Confluent frame with another schema ID and extra bytes
// appended to the body.
func reframe(frame []byte, id int, extra ...byte) []byte {
	out := append([]byte(nil), frame...)
	binary.BigEndian.PutUint32(out[1:5], uint32(id))
	return append(out, extra...)
}

// lookupCounter counts the registry's GET /schemas/ids/{id} requests by path.
type lookupCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *lookupCounter) intercept(_ http.ResponseWriter, r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/schemas/ids/") {
		c.mu.Lock()
		c.n[r.URL.Path]++
		c.mu.Unlock()
	}
	return false // let the registry answer
}

func (c *lookupCounter) get(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[path]
}

// A newer producer registered a schema version this build does not know: its records
// decode after one registry lookup and are inserted; an ID the registry does not know
// either goes to the dead-letter topic, and the registry is asked about it once however
// many records carry it.
func TestSchemaRegistryLearnsUnknownIDs(t *testing.T) {
	ctx := context.Background()
	reg := srfake.New()
	t.Cleanup(reg.Close)
	lookups := &lookupCounter{n: map[string]int{}}
	reg.Intercept(lookups.intercept)

	// The producer side: today's schemas registered under the default subjects, plus
	// the newer co-browsing version a later release registered.
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	codec, err := event.NewRegistryCodec(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	newerID, _, err := reg.RegisterSchema(event.DefaultCobrowseSubject, sr.Schema{Schema: newerCobrowseSchema(t)})
	if err != nil {
		t.Fatal(err)
	}
	const missingID = 9999
	if _, ok := codec.Category(newerID); ok || newerID == missingID {
		t.Fatalf("newer schema ID %d is already known", newerID)
	}

	_, addrs := newCluster(t)
	g := consumertest.NewGenerator(codec, 1)
	current, currentIDs := g.Cobrowse(cobrowseTopic, 300, 10)
	newer, newerIDs := g.Cobrowse(cobrowseTopic, 200, 10)
	for _, r := range newer {
		r.Value = reframe(r.Value, newerID, 0x00)
	}
	missing, _ := g.Cobrowse(cobrowseTopic, 25, 5)
	for _, r := range missing {
		r.Value = reframe(r.Value, missingID)
	}
	audits, auditIDs := g.Audit(auditTopic, 100)
	produce(t, addrs, append(append(append(current, newer...), missing...), audits...))

	sink := &consumertest.RecordingSink{}
	r := start(t, addrs, sink, func(c *consumer.Config) { c.SchemaRegistry.URL = reg.URL() })
	eventually(t, 30*time.Second, "every record stored or dead-lettered, and committed", func() bool {
		_, rows, _ := sink.Counts()
		return rows >= 600 && committedAll(t, addrs, auditTopic, cobrowseTopic)
	})
	got, _, _ := sink.Counts()
	exactlyOnce(t, got, currentIDs, newerIDs, auditIDs)

	var dead int
	err = consumer.ScanDeadLetters(ctx, dlqTopic, func(d consumer.DeadLetter, err error) error {
		if err != nil {
			return err
		}
		dead++
		if id, _ := event.SchemaID(d.Value); d.Reason != consumer.ReasonUnknownSchema || id != missingID {
			t.Errorf("dead letter %s/%d: reason %s, schema ID %d; want unknown-schema, %d", d.Topic, d.Offset, d.Reason, id, missingID)
		}
		return nil
	}, kgo.SeedBrokers(addrs...))
	if err != nil {
		t.Fatal(err)
	}
	if dead != len(missing) {
		t.Errorf("%d dead letters, want %d", dead, len(missing))
	}
	for path, want := range map[string]int{
		"/schemas/ids/" + strconv.Itoa(newerID):   1,
		"/schemas/ids/" + strconv.Itoa(missingID): 1, // the negative answer is cached
	} {
		if n := lookups.get(path); n != want {
			t.Errorf("GET %s: %d requests, want %d", path, n, want)
		}
	}
	for result, want := range map[string]float64{"loaded": 1, "unknown": 1, "error": 0} {
		if n := metric(t, r.reg, "auditstream_consumer_schema_registry_lookups_total", map[string]string{"result": result}); n != want {
			t.Errorf("schema_registry_lookups_total{result=%q} = %v, want %v", result, n, want)
		}
	}
}

// Without a reachable registry the consumer does not start: it cannot know the IDs its
// producers write.
func TestSchemaRegistryUnreachable(t *testing.T) {
	reg := srfake.New()
	url := reg.URL()
	reg.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := consumer.New(ctx, consumer.Config{
		SchemaRegistry: consumer.SchemaRegistryConfig{URL: url},
		Sink:           &consumertest.RecordingSink{},
	})
	if err == nil || !strings.Contains(err.Error(), "schema registry") {
		t.Fatalf("New with an unreachable registry: %v", err)
	}
}
