package integration_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/producer"
	"github.com/auditstream/auditstream/query"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// TestPipelineProducerToQueries is the whole path a user sees: every catalogue event type
// emitted with the producer library, consumed into ClickHouse by the consumer, and read back
// through the replay and activity-log queries, equal field by field. The co-browsing session
// is emitted twice (a producer retry after a lost acknowledgement), and a second tenant uses
// the same session and user IDs: queries must show each event once and only the tenant's own.
func TestPipelineProducerToQueries(t *testing.T) {
	p := newPipeline(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	prod, err := producer.New(producer.Brokers(p.env.KafkaBrokers...),
		producer.AuditTopic(p.audit), producer.CobrowseTopic(p.cobrowse))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := prod.Close(ctx); err != nil {
			t.Error(err)
		}
	}()

	const session = "sess-shared-id"
	tenants := []string{"tenant-pipeline-a", "tenant-pipeline-b"}
	wantAudit := map[string][]event.Audit{}
	wantReplay := map[string][]event.Cobrowse{}
	for _, tenant := range tenants {
		for _, e := range event.SampleAudits(tenant) {
			if err := prod.EmitAuditSync(ctx, &e); err != nil {
				t.Fatalf("emit %s: %v", e.Type, err)
			}
			wantAudit[tenant] = append(wantAudit[tenant], e)
		}
		cob := event.SampleCobrowse(tenant, session)
		for range 2 { // the second pass is the duplicate delivery
			for _, e := range cob {
				if err := prod.EmitCobrowseSync(ctx, &e); err != nil {
					t.Fatalf("emit %s: %v", e.Type, err)
				}
			}
		}
		wantReplay[tenant] = cob
	}
	if n := len(wantAudit[tenants[0]]) + len(wantReplay[tenants[0]]); n != 21 {
		t.Fatalf("the samples cover %d event types, want all 21", n)
	}

	p.runConsumer(t, p.config())
	waitFor(t, 2*time.Minute, "every emitted event stored", func() bool {
		return p.rowCount(t, chschema.TableAudit) >= 2*14 && p.rowCount(t, chschema.TableCobrowse) >= 2*2*7
	})

	profile, err := chschema.DetectProfile(ctx, p.ch)
	if err != nil {
		t.Fatal(err)
	}
	q, err := query.New(p.ch, p.db, profile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tenant := range tenants {
		replay, err := q.Replay(ctx, query.ReplayRequest{Tenant: tenant, Session: session})
		if err != nil {
			t.Fatal(err)
		}
		if replay.Next != nil {
			t.Errorf("%s: replay of %d events has a next page", tenant, len(replay.Events))
		}
		assertSameJSON(t, tenant+" replay", replay.Events, normalizeCobrowse(wantReplay[tenant]))

		activity, err := q.Activity(ctx, query.ActivityRequest{Tenant: tenant})
		if err != nil {
			t.Fatal(err)
		}
		assertSameJSON(t, tenant+" activity", activity.Events, normalizeAudit(wantAudit[tenant], nil))
	}
}

func assertSameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.MarshalIndent(got, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.MarshalIndent(want, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if string(g) != string(w) {
		t.Errorf("%s differs from what was emitted:\ngot  %s\nwant %s", what, g, w)
	}
}
