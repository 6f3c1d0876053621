package main

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/producer"
)

// TestEmitDemo runs emit-demo against an in-process Kafka and checks that it sent every one of
// the 21 event types, decodable, in the announced numbers, with the password input masked.
func TestEmitDemo(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := runEmitDemo(ctx, []string{"-kafka-brokers", c.ListenAddrs()[0], "-tenants", "2", "-sessions", "3", "-users", "2"}); err != nil {
		t.Fatal(err)
	}

	codec, err := event.NewStaticCodec()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.ConsumeTopics(producer.DefaultAuditTopic, producer.DefaultCobrowseTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const wantAudit, wantCobrowse = 2 * 2 * 14, 2 * 3 * 12
	types := map[string]int{}
	for n := 0; n < wantAudit+wantCobrowse; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d events", n, wantAudit+wantCobrowse)
		}
		for _, r := range fs.Records() {
			n++
			if r.Topic == producer.DefaultAuditTopic {
				var e event.Audit
				if err := codec.DecodeAudit(r.Value, &e); err != nil {
					t.Fatal(err)
				}
				types[string(e.Type)]++
				continue
			}
			var e event.Cobrowse
			if err := codec.DecodeCobrowse(r.Value, &e); err != nil {
				t.Fatal(err)
			}
			types[string(e.Type)]++
			if e.Input != nil && e.Input.Element == "input#password" && (e.Input.Text != event.MaskText || !e.Input.Masked) {
				t.Errorf("password input sent as %+v", e.Input)
			}
		}
	}
	for _, typ := range event.AuditTypes() {
		if types[string(typ)] != 2*2 {
			t.Errorf("%s: %d events, want one per user (4)", typ, types[string(typ)])
		}
	}
	for _, typ := range event.CobrowseTypes() {
		if types[string(typ)] == 0 {
			t.Errorf("no %s event", typ)
		}
	}
	if len(types) != 21 {
		t.Errorf("%d event types sent, want 21: %v", len(types), types)
	}
}
