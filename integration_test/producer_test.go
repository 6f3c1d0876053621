package integration_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/internal/testenv"
	"github.com/auditstream/auditstream/producer"
)

// TestProducerEveryEventTypeRoundTrip emits every one of the 21 catalogue types through the
// producer library into a real Kafka, consumes them back, decodes them, and compares them with
// what was emitted (after the producer filled IDs and times and masked the INPUT text).
func TestProducerEveryEventTypeRoundTrip(t *testing.T) {
	env := testenv.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	auditTopic, cobrowseTopic := env.Topic(t, 3), env.Topic(t, 3)
	p, err := producer.New(producer.Brokers(env.KafkaBrokers...),
		producer.AuditTopic(auditTopic), producer.CobrowseTopic(cobrowseTopic),
		producer.Registerer(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)

	u := producer.User{Tenant: "tenant-acme", ID: "user-7f3a"}
	s := producer.NewSession("tenant-acme", "sess-9c1e2b")
	at := time.Date(2026, 11, 25, 9, 30, 0, 123e6, time.UTC)
	withPage := func(e *event.Cobrowse) *event.Cobrowse { e.PageURL = "https://shop.example.com/cart"; return e }
	withTime := func(e *event.Audit) *event.Audit { e.Time = at; return e }

	// The whole catalogue, in catalogue order.
	audits := []*event.Audit{
		u.StartCall(event.CallData{CallID: "call-0001", CustomerID: "cust-4821"}),
		u.MessengerSend(event.MessengerSendData{CustomerID: "cust-4821"}),
		u.LiveView(event.LiveViewData{SessionID: "sess-9c1e2b"}),
		withTime(u.LoggedIn()),
		u.OnlineStatusOnline(),
		u.OnlineStatusOffline(),
		u.StatusChange(event.StatusChangeData{CustomerID: "cust-4821", Status: "Done", MessageID: "msg-173"}),
		u.RoleChange(event.RoleChangeData{RoleName: "Supervisor", TargetUserID: "user-0b91"}),
		u.PermissionChange(event.PermissionChangeData{RoleName: "Agent", Permissions: []string{"chat.read", "cobrowse.join"}}),
		u.PluginChange(event.ConfigData{JSON: `{"plugin":"chat-widget","enabled":true}`}),
		u.SettingsChange(event.ConfigData{JSON: `{"security":{"mfa_required":true}}`}),
		u.MeetingChange(event.MeetingChangeData{Operation: event.MeetingDelete, ConferenceJSON: `{"conference_id":"conf-118"}`}),
		u.ConferenceAgent(event.CallData{CallID: "call-0002", CustomerID: "cust-5530"}),
		u.ConferenceRecording(event.RecordingData{CallID: "call-0002", CustomerID: "cust-5530",
			JoinedAgents: []string{"user-7f3a", "user-0b91"}, Tags: []string{"onboarding"}}),
	}
	cobrowses := []*event.Cobrowse{
		s.Click(event.ActorCustomer, event.ElementData{Element: "button#add-to-cart"}),
		withPage(s.Scroll(event.ActorCustomer, event.ScrollData{Element: "div.list", X: 0, Y: 1840})),
		s.Form(event.ActorAgent, event.FormData{Form: "form#shipping"}),
		s.Input(event.ActorCustomer, event.InputData{Element: "input#password", Text: "hunter2"}),
		s.PageChange(event.ActorCustomer, event.PageChangeData{Page: "Checkout – お支払い"}),
		s.Selection(event.ActorAgent),
		s.CustomEvent(event.ActorAgent, event.CustomEventData{EventType: "coupon_applied", Value: "WINTER26"}),
	}
	checkCatalogue(t, audits, cobrowses)

	for _, e := range audits {
		if err := p.EmitAudit(ctx, e, nil); err != nil {
			t.Fatalf("emit %s: %v", e.Type, err)
		}
	}
	for _, e := range cobrowses {
		if err := p.EmitCobrowseSync(ctx, e); err != nil {
			t.Fatalf("emit %s: %v", e.Type, err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if in := cobrowses[3].Input; in.Text != event.MaskText || !in.Masked {
		t.Fatalf("INPUT into a password field emitted as %+v", in)
	}

	codec, err := event.NewStaticCodec()
	if err != nil {
		t.Fatal(err)
	}
	gotAudits := map[event.ID]*event.Audit{}
	for _, r := range producerConsumeN(ctx, t, env, auditTopic, len(audits)) {
		e := new(event.Audit)
		if err := codec.DecodeAudit(r.Value, e); err != nil {
			t.Fatal(err)
		}
		if want := e.TenantID + "\x00" + e.TenantUserID; string(r.Key) != want {
			t.Errorf("%s key %q, want %q", e.Type, r.Key, want)
		}
		gotAudits[e.EventID] = e
	}
	for _, want := range audits {
		got := gotAudits[want.EventID]
		want.Time = want.Time.UTC()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v", want.Type, got, want)
		}
	}
	if !audits[3].Time.Equal(at) {
		t.Errorf("LOGGED_IN time %v, want the caller's %v", audits[3].Time, at)
	}

	gotCobrowse := map[event.ID]*event.Cobrowse{}
	for _, r := range producerConsumeN(ctx, t, env, cobrowseTopic, len(cobrowses)) {
		e := new(event.Cobrowse)
		if err := codec.DecodeCobrowse(r.Value, e); err != nil {
			t.Fatal(err)
		}
		gotCobrowse[e.EventID] = e
	}
	for _, want := range cobrowses {
		got := gotCobrowse[want.EventID]
		want.Time = want.Time.UTC()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v", want.Type, got, want)
		}
	}
}

// checkCatalogue fails unless the events hold every catalogue type exactly once, so the
// round-trip table cannot silently miss a type added to the catalogue.
func checkCatalogue(t *testing.T, audits []*event.Audit, cobrowses []*event.Cobrowse) {
	t.Helper()
	var a []event.AuditType
	for _, e := range audits {
		a = append(a, e.Type)
	}
	var c []event.CobrowseType
	for _, e := range cobrowses {
		c = append(c, e.Type)
	}
	if !reflect.DeepEqual(a, event.AuditTypes()) || !reflect.DeepEqual(c, event.CobrowseTypes()) {
		t.Fatalf("the table lists %v and %v, want the catalogue %v and %v", a, c, event.AuditTypes(), event.CobrowseTypes())
	}
	if len(a)+len(c) != 21 {
		t.Fatalf("%d event types, the catalogue has 21", len(a)+len(c))
	}
}

// TestProducerSessionOrder checks that each co-browsing session's events, emitted
// concurrently with other sessions', arrive on one partition in sequence order.
func TestProducerSessionOrder(t *testing.T) {
	env := testenv.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	topic := env.Topic(t, 6)
	p, err := producer.New(producer.Brokers(env.KafkaBrokers...), producer.CobrowseTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)

	const sessions, perSession = 12, 400
	errs := make(chan error, sessions)
	for i := range sessions {
		go func() {
			s := producer.NewSession(fmt.Sprintf("tenant-%d", i%3), fmt.Sprintf("sess-%02d", i))
			for j := range perSession {
				e := s.Scroll(event.ActorCustomer, event.ScrollData{Y: int64(j * 40)})
				if err := p.EmitCobrowse(ctx, e, nil); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range sessions {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	codec, err := event.NewStaticCodec()
	if err != nil {
		t.Fatal(err)
	}
	type state struct {
		partition int32
		next      int64
	}
	seen := map[string]*state{}
	partitions := map[int32]bool{}
	for _, r := range producerConsumeN(ctx, t, env, topic, sessions*perSession) {
		var e event.Cobrowse
		if err := codec.DecodeCobrowse(r.Value, &e); err != nil {
			t.Fatal(err)
		}
		st, ok := seen[e.SessionID]
		if !ok {
			st = &state{partition: r.Partition}
			seen[e.SessionID] = st
			partitions[r.Partition] = true
		}
		if r.Partition != st.partition {
			t.Fatalf("session %s on partitions %d and %d", e.SessionID, st.partition, r.Partition)
		}
		if e.Seq != st.next {
			t.Fatalf("session %s: seq %d at offset %d, want %d", e.SessionID, e.Seq, r.Offset, st.next)
		}
		st.next++
	}
	if len(seen) != sessions {
		t.Fatalf("%d sessions consumed, want %d", len(seen), sessions)
	}
	t.Logf("%d sessions over %d of 6 partitions, each in order", sessions, len(partitions))
}

// consumeN reads exactly n records of topic from the start; records are returned in
// offset order per partition (fetches preserve it).
func producerConsumeN(ctx context.Context, t *testing.T, env *testenv.Env, topic string, n int) []*kgo.Record {
	t.Helper()
	cl := env.KafkaClient(t, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var recs []*kgo.Record
	for len(recs) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records of %s: %v", len(recs), n, topic, ctx.Err())
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		recs = append(recs, fs.Records()...)
	}
	// Nothing more arrives: no duplicates from producer retries.
	extra, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	recs = append(recs, cl.PollFetches(extra).Records()...)
	if len(recs) != n {
		t.Fatalf("consumed %d records of %s, want exactly %d", len(recs), topic, n)
	}
	return recs
}
