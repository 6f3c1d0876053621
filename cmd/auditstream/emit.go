package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/producer"
)

// demoTenants are the tenant IDs emit-demo uses, in order.
var demoTenants = []string{"tenant-acme", "tenant-globex", "tenant-initech", "tenant-umbrella", "tenant-hooli", "tenant-stark"}

// runEmitDemo emits a burst of every event type (14 audit, 7 co-browsing) through the producer
// library for a few tenants, users and sessions, and prints what it sent.
func runEmitDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("emit-demo", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `usage: auditstream emit-demo [flags]

Emits every event type of the catalogue through the producer library: for each tenant, each
user does all 14 audit actions, and each co-browsing session walks through a checkout using
all 7 co-browsing types (the INPUT into the password field is masked). Prints the counts per
category and type, the tenants, and a session to replay.

flags:
`)
		fs.PrintDefaults()
	}
	brokers := fs.String("kafka-brokers", defaultBrokers(), "Kafka seed brokers, comma-separated (env AUDITSTREAM_KAFKA_BROKERS)")
	tenants := fs.Int("tenants", 3, fmt.Sprintf("tenants (1..%d)", len(demoTenants)))
	sessions := fs.Int("sessions", 2, "co-browsing sessions per tenant")
	users := fs.Int("users", 2, "tenant users per tenant")
	repeat := fs.Int("repeat", 1, "emit the whole burst this many times (more volume, new sessions each time)")
	auditTopic := fs.String("topics-audit", envOr("AUDITSTREAM_TOPICS_AUDIT", producer.DefaultAuditTopic), "audit events topic (env AUDITSTREAM_TOPICS_AUDIT)")
	cobrowseTopic := fs.String("topics-cobrowse", envOr("AUDITSTREAM_TOPICS_COBROWSE", producer.DefaultCobrowseTopic), "co-browsing events topic (env AUDITSTREAM_TOPICS_COBROWSE)")
	createTopics := fs.Bool("create-topics", true, "create the two topics first if they do not exist")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *tenants < 1 || *tenants > len(demoTenants):
		return fmt.Errorf("-tenants %d: want 1..%d", *tenants, len(demoTenants))
	case *sessions < 0 || *users < 1 || *repeat < 1:
		return errors.New("-sessions must be >= 0, -users and -repeat >= 1")
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	p, err := producer.New(producer.Brokers(strings.Split(*brokers, ",")...),
		producer.AuditTopic(*auditTopic), producer.CobrowseTopic(*cobrowseTopic))
	if err != nil {
		return err
	}
	if *createTopics {
		if err := p.EnsureTopics(ctx, producer.TopicSpec{}); err != nil {
			_ = p.Close(ctx)
			return err
		}
	}

	var tally demoTally
	start := time.Now()
	var replay *producer.Session
	for range *repeat {
		for _, tenant := range demoTenants[:*tenants] {
			var ss []*producer.Session
			for range *sessions {
				// Session IDs are UUIDs, new on every run, as a browser SDK would make them.
				ss = append(ss, producer.NewSession(tenant, event.NewID().String()))
			}
			if replay == nil && len(ss) > 0 {
				replay = ss[0]
			}
			for i := range *users {
				if err := emitUserActions(ctx, p, &tally, producer.User{Tenant: tenant, ID: fmt.Sprintf("agent-%02d", i+1)}, ss); err != nil {
					_ = p.Close(ctx)
					return err
				}
			}
			for _, s := range ss {
				if err := emitCheckout(ctx, p, &tally, s); err != nil {
					_ = p.Close(ctx)
					return err
				}
			}
		}
	}
	closeErr := p.Close(ctx) // flushes; reports events that failed
	tally.print(os.Stdout, *brokers, *auditTopic, *cobrowseTopic, time.Since(start))

	fmt.Printf("\ntenants: %s\n", strings.Join(demoTenants[:*tenants], ", "))
	if replay != nil {
		fmt.Printf("replay a session:  auditstream replay -tenant %s -session %s\n", replay.Tenant(), replay.ID())
	}
	fmt.Printf("activity log:      auditstream activity -tenant %s\n", demoTenants[0])
	return closeErr
}

// emitUserActions emits the 14 audit types for one tenant user, in a plausible order.
func emitUserActions(ctx context.Context, p *producer.Producer, t *demoTally, u producer.User, sessions []*producer.Session) error {
	customer := "cust-" + strings.TrimPrefix(u.ID, "agent-") + "481"
	call := fmt.Sprintf("call-%s-%s", time.Now().UTC().Format("20060102"), u.ID)
	joined := "sess-none"
	if len(sessions) > 0 {
		joined = sessions[0].ID()
	}
	for _, e := range []*event.Audit{
		u.LoggedIn(),
		u.OnlineStatusOnline(),
		u.LiveView(event.LiveViewData{SessionID: joined}),
		u.MessengerSend(event.MessengerSendData{CustomerID: customer}),
		u.StartCall(event.CallData{CallID: call, CustomerID: customer}),
		u.StatusChange(event.StatusChangeData{CustomerID: customer, Status: "Done", MessageID: "msg-" + u.ID + "-0173"}),
		u.RoleChange(event.RoleChangeData{RoleName: "Supervisor", TargetUserID: "agent-99"}),
		u.PermissionChange(event.PermissionChangeData{RoleName: "Agent",
			Permissions: []string{"chat.read", "chat.write", "cobrowse.join", "calls.start"}}),
		u.PluginChange(event.ConfigData{JSON: `{"plugin":"chat-widget","enabled":true,"position":"bottom-right","greeting":"こんにちは！ご用件をどうぞ"}`}),
		u.SettingsChange(event.ConfigData{JSON: `{"security":{"mfa_required":true,"session_timeout_min":30}}`}),
		u.MeetingChange(event.MeetingChangeData{Operation: event.MeetingCreateOrUpdate,
			ConferenceJSON: `{"conference_id":"conf-118","title":"Quarterly onboarding review","duration_min":45}`}),
		u.ConferenceAgent(event.CallData{CallID: call + "-conf", CustomerID: customer}),
		u.ConferenceRecording(event.RecordingData{CallID: call + "-conf", CustomerID: customer,
			JoinedAgents: []string{u.ID, "agent-99"}, Tags: []string{"onboarding", "demo"}}),
		u.OnlineStatusOffline(),
	} {
		typ := string(e.Type)
		if err := p.EmitAudit(ctx, e, t.callback("audit", typ)); err != nil {
			return fmt.Errorf("emit %s for %s/%s: %w", typ, u.Tenant, u.ID, err)
		}
		t.emitted("audit", typ)
	}
	return nil
}

// emitCheckout emits one customer's checkout with an agent co-browsing: all 7 types.
func emitCheckout(ctx context.Context, p *producer.Producer, t *demoTally, s *producer.Session) error {
	const shop = "https://shop.example.com"
	cust, agent := event.ActorCustomer, event.ActorAgent
	page := func(e *event.Cobrowse, path string) *event.Cobrowse { e.PageURL = shop + path; return e }
	for _, e := range []*event.Cobrowse{
		page(s.PageChange(cust, event.PageChangeData{Page: "Espresso machine X200"}), "/products/x200"),
		page(s.Scroll(cust, event.ScrollData{Y: 640}), "/products/x200"),
		page(s.Scroll(cust, event.ScrollData{Element: "section#reviews", Y: 1840}), "/products/x200"),
		page(s.Selection(cust), "/products/x200"),
		page(s.Click(cust, event.ElementData{Element: "button#add-to-cart"}), "/products/x200"),
		page(s.PageChange(cust, event.PageChangeData{Page: "Checkout – お支払い"}), "/checkout"),
		page(s.Input(cust, event.InputData{Element: "input#email", Text: "hanako.yamada@example.jp"}), "/checkout"),
		page(s.Input(cust, event.InputData{Element: "input#password", Text: "correct horse battery staple"}), "/checkout"),
		page(s.Click(agent, event.ElementData{Element: "button#apply-coupon"}), "/checkout"),
		page(s.CustomEvent(agent, event.CustomEventData{EventType: "coupon_applied", Value: `{"code":"WINTER26","discount_pct":15}`}), "/checkout"),
		page(s.Form(cust, event.FormData{Form: "form#shipping-address"}), "/checkout"),
		page(s.PageChange(cust, event.PageChangeData{Page: "Order confirmed"}), "/checkout/done"),
	} {
		typ := string(e.Type)
		if err := p.EmitCobrowse(ctx, e, t.callback("cobrowse", typ)); err != nil {
			return fmt.Errorf("emit %s for session %s: %w", typ, s.ID(), err)
		}
		t.emitted("cobrowse", typ)
	}
	return nil
}

// demoTally counts emitted, acknowledged and failed events per category and type.
type demoTally struct {
	mu     sync.Mutex
	counts map[[2]string]*[3]int // [category, type] -> emitted, acked, failed
}

func (t *demoTally) entry(cat, typ string) *[3]int {
	if t.counts == nil {
		t.counts = map[[2]string]*[3]int{}
	}
	c := t.counts[[2]string{cat, typ}]
	if c == nil {
		c = new([3]int)
		t.counts[[2]string{cat, typ}] = c
	}
	return c
}

func (t *demoTally) emitted(cat, typ string) {
	t.mu.Lock()
	t.entry(cat, typ)[0]++
	t.mu.Unlock()
}

func (t *demoTally) callback(cat, typ string) func(error) {
	return func(err error) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if err != nil {
			t.entry(cat, typ)[2]++
			return
		}
		t.entry(cat, typ)[1]++
	}
}

func (t *demoTally) print(w *os.File, brokers, auditTopic, cobrowseTopic string, took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "category\ttype\temitted\tacknowledged\tfailed\t")
	var total [3]int
	rows := func(cat, topic string, types []string) {
		var sum [3]int
		for _, typ := range types {
			c := t.entry(cat, typ)
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t\n", cat, typ, c[0], c[1], c[2])
			for i := range sum {
				sum[i] += c[i]
			}
		}
		fmt.Fprintf(tw, "%s\t→ %s\t%d\t%d\t%d\t\n", cat, topic, sum[0], sum[1], sum[2])
		for i := range total {
			total[i] += sum[i]
		}
	}
	var audit, cobrowse []string
	for _, a := range event.AuditTypes() {
		audit = append(audit, string(a))
	}
	for _, c := range event.CobrowseTypes() {
		cobrowse = append(cobrowse, string(c))
	}
	rows("audit", auditTopic, audit)
	rows("cobrowse", cobrowseTopic, cobrowse)
	fmt.Fprintf(tw, "total\t\t%d\t%d\t%d\t\n", total[0], total[1], total[2])
	_ = tw.Flush()
	fmt.Fprintf(w, "\n%d events to %s in %v\n", total[0], brokers, took.Round(time.Millisecond))
}
