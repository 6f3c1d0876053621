package producer_test

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/producer"
	"github.com/auditstream/auditstream/schemas"
)

// SchemaRegistry registers the schemas under the subjects of the configured topics and
// frames events with the registry's IDs, which a registry codec elsewhere decodes.
func TestSchemaRegistry(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	// Occupy IDs so the registry's differ from the static ones (audit 1, cobrowse 3).
	for i, s := range []string{`"string"`, `"long"`, `"int"`, `"bytes"`} {
		if _, _, err := reg.RegisterSchema("other-value", sr.Schema{Schema: s}); err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
	}
	const auditTopic = "shop.audit"
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, auditTopic, producer.DefaultCobrowseTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	p := newProducer(t, c, producer.SchemaRegistry(reg.URL()), producer.AuditTopic(auditTopic))

	ctx := context.Background()
	if err := p.EmitAuditSync(ctx, producer.User{Tenant: "acme", ID: "agent-7"}.LoggedIn()); err != nil {
		t.Fatal(err)
	}
	if err := p.EmitCobrowseSync(ctx, click(producer.NewSession("acme", "sess-1"))); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		topic, subject string
		cat            schemas.Category
	}{
		{auditTopic, "shop.audit-value", schemas.Audit},
		{producer.DefaultCobrowseTopic, event.DefaultCobrowseSubject, schemas.Cobrowse},
	} {
		ss, ok := reg.GetSchema(tt.subject, 1)
		if !ok {
			t.Fatalf("nothing registered under %s", tt.subject)
		}
		if ss.Schema.Schema != schemas.Reader(tt.cat).Text || ss.ID <= 4 {
			t.Fatalf("%s: registered ID %d, schema %.60q...; want the newest %s schema with a registry ID", tt.subject, ss.ID, ss.Schema.Schema, tt.cat)
		}
		rec := consume(t, c, tt.topic, 1)[0]
		if id, err := event.SchemaID(rec.Value); err != nil || id != ss.ID {
			t.Fatalf("%s record framed with schema ID %d (%v), want the registry's %d", tt.topic, id, err, ss.ID)
		}
	}

	// A consumer-side codec from the same registry decodes what was written.
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := event.NewRegistryCodec(ctx, cl, event.AuditSubject(event.TopicSubject(auditTopic)), event.LookupOnly())
	if err != nil {
		t.Fatal(err)
	}
	var a event.Audit
	if err := dec.DecodeAudit(consume(t, c, auditTopic, 1)[0].Value, &a); err != nil || a.Type != event.LoggedIn || a.TenantUserID != "agent-7" {
		t.Fatalf("decode: %v %+v", err, a)
	}
}

func TestSchemaRegistryOptionErrors(t *testing.T) {
	down := srfake.New()
	downURL := down.URL()
	down.Close()
	tests := []struct {
		name string
		opts []producer.Opt
		want string
	}{
		{"with Codec", []producer.Opt{producer.Codec(staticCodec(t)), producer.SchemaRegistry("http://127.0.0.1:1")}, "both Codec and SchemaRegistry"},
		{"not a URL", []producer.Opt{producer.SchemaRegistry("registry:8081")}, `schema registry URL "registry:8081" is not an http(s) URL`},
		// Other problems are reported without contacting the registry.
		{"other option invalid", []producer.Opt{producer.SchemaRegistry(downURL), producer.Linger(-1)}, "linger -1ns is negative"},
		{"unreachable", []producer.Opt{producer.SchemaRegistry(downURL)}, "event: schema registry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := producer.New(append([]producer.Opt{producer.Brokers("127.0.0.1:1")}, tt.opts...)...)
			if err == nil {
				p.Close(context.Background())
				t.Fatalf("New succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "producer: ") {
				t.Fatalf("New: %v, want it to contain %q", err, tt.want)
			}
			if tt.name == "other option invalid" && strings.Contains(err.Error(), "schema registry") {
				t.Fatalf("New contacted the registry although another option was invalid: %v", err)
			}
		})
	}
}
