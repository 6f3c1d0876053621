package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/query"
)

// queryFlags are the flags shared by replay, sessions and activity.
type queryFlags struct {
	ch     chFlags
	tenant string
	limit  int
	cursor string
	json   bool
}

func (f *queryFlags) register(fs *flag.FlagSet) {
	f.ch.register(fs)
	fs.StringVar(&f.tenant, "tenant", "", "tenant ID (required)")
	fs.IntVar(&f.limit, "limit", 0, "page size (0 = the query's default)")
	fs.StringVar(&f.cursor, "cursor", "", "continue from this cursor (printed after a full page)")
	fs.BoolVar(&f.json, "json", false, "print JSON lines instead of a table")
}

func (f *queryFlags) client(ctx context.Context) (*query.Client, func(), error) {
	if f.tenant == "" {
		return nil, nil, query.ErrNoTenant
	}
	conn, p, err := f.ch.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	q, err := query.New(conn, f.ch.database, p)
	if err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	return q, func() { _ = conn.Close() }, nil
}

func printNext(next fmt.Stringer, isNil bool) {
	if !isNil {
		fmt.Fprintf(os.Stderr, "more: continue with -cursor %s\n", next)
	}
}

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func runReplay(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	var f queryFlags
	f.register(fs)
	session := fs.String("session", "", "session ID (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q, done, err := f.client(ctx)
	if err != nil {
		return err
	}
	defer done()
	req := query.ReplayRequest{Tenant: f.tenant, Session: *session, Limit: f.limit}
	if f.cursor != "" {
		c, err := query.ParseCursor(f.cursor)
		if err != nil {
			return err
		}
		req.After = &c
	}
	page, err := q.Replay(ctx, req)
	if err != nil {
		return err
	}
	err = printPage(f.json, page.Events, cobrowseJSON, "TIME\tSEQ\tACTOR\tTYPE\tDETAILS", func(e event.Cobrowse) string {
		return fmt.Sprintf("%s\t%d\t%s\t%s\t%s", e.Time.Format(timeLayout), e.Seq, e.Actor, e.Type, cobrowseDetails(e))
	})
	if err != nil {
		return err
	}
	printNext(page.Next, page.Next == nil)
	return nil
}

// printPage writes one page of results to stdout: JSON lines with -json, else a table.
func printPage[T any](jsonLines bool, items []T, toJSON func(T) map[string]any, header string, row func(T) string) error {
	if jsonLines {
		enc := json.NewEncoder(os.Stdout)
		for _, it := range items {
			if err := enc.Encode(toJSON(it)); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, it := range items {
		fmt.Fprintln(tw, row(it))
	}
	return tw.Flush()
}

// cobrowseDetails renders the payload of e for the timeline.
func cobrowseDetails(e event.Cobrowse) string {
	var d []string
	add := func(k, v string) {
		if v != "" {
			d = append(d, k+"="+fmt.Sprintf("%q", v))
		}
	}
	switch {
	case e.Click != nil:
		add("element", e.Click.Element)
	case e.Scroll != nil:
		add("element", e.Scroll.Element)
		d = append(d, fmt.Sprintf("x=%d y=%d", e.Scroll.X, e.Scroll.Y))
	case e.Form != nil:
		add("form", e.Form.Form)
	case e.Input != nil:
		add("element", e.Input.Element)
		add("text", e.Input.Text)
		if e.Input.Masked {
			d = append(d, "masked")
		}
	case e.PageChange != nil:
		add("page", e.PageChange.Page)
	case e.CustomEvent != nil:
		add("event", e.CustomEvent.EventType)
		add("value", e.CustomEvent.Value)
	}
	add("url", e.PageURL)
	return strings.Join(d, " ")
}

// cobrowseJSON is the JSON shape of a replayed event (snake_case, type spelled as stored).
func cobrowseJSON(e event.Cobrowse) map[string]any {
	m := map[string]any{
		"event_id": e.EventID.String(), "tenant_id": e.TenantID, "session_id": e.SessionID,
		"seq": e.Seq, "time": e.Time.Format(timeLayout), "actor": e.Actor, "type": e.Type,
	}
	if e.PageURL != "" {
		m["page_url"] = e.PageURL
	}
	switch {
	case e.Click != nil:
		m["element"] = e.Click.Element
	case e.Scroll != nil:
		m["element"], m["scroll_x"], m["scroll_y"] = e.Scroll.Element, e.Scroll.X, e.Scroll.Y
	case e.Form != nil:
		m["form"] = e.Form.Form
	case e.Input != nil:
		m["element"], m["input_text"], m["input_masked"] = e.Input.Element, e.Input.Text, e.Input.Masked
	case e.PageChange != nil:
		m["page"] = e.PageChange.Page
	case e.CustomEvent != nil:
		m["custom_type"], m["custom_value"] = e.CustomEvent.EventType, e.CustomEvent.Value
	}
	return m
}

func runSessions(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sessions", flag.ContinueOnError)
	var f queryFlags
	f.register(fs)
	since := fs.Duration("since", 0, "only sessions active within this duration (0 = all)")
	actor := fs.String("actor", "", "only sessions where this actor acted: AGENT or CUSTOMER")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q, done, err := f.client(ctx)
	if err != nil {
		return err
	}
	defer done()
	req := query.SessionsRequest{Tenant: f.tenant, Actor: event.Actor(strings.ToUpper(*actor)), Limit: f.limit}
	if *since > 0 {
		req.From = time.Now().Add(-*since)
	}
	if f.cursor != "" {
		c, err := query.ParseSessionCursor(f.cursor)
		if err != nil {
			return err
		}
		req.Before = &c
	}
	page, err := q.Sessions(ctx, req)
	if err != nil {
		return err
	}
	sessionJSON := func(s query.Session) map[string]any {
		return map[string]any{
			"session_id": s.SessionID, "first_event_time": s.FirstEventTime.Format(timeLayout),
			"last_event_time": s.LastEventTime.Format(timeLayout), "events": s.Events,
			"agent_events": s.AgentEvents, "customer_events": s.CustomerEvents,
			"distinct_pages": s.DistinctPages, "agent_involved": s.AgentInvolved,
		}
	}
	err = printPage(f.json, page.Sessions, sessionJSON, "SESSION\tFIRST EVENT\tDURATION\tEVENTS\tAGENT\tCUSTOMER\tPAGES", func(s query.Session) string {
		return fmt.Sprintf("%s\t%s\t%s\t%d\t%d\t%d\t%d", s.SessionID, s.FirstEventTime.Format(timeLayout),
			s.LastEventTime.Sub(s.FirstEventTime).Round(time.Millisecond), s.Events, s.AgentEvents, s.CustomerEvents, s.DistinctPages)
	})
	if err != nil {
		return err
	}
	printNext(page.Next, page.Next == nil)
	return nil
}

// listFlag collects a repeatable, comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func runActivity(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("activity", flag.ContinueOnError)
	var f queryFlags
	f.register(fs)
	var users, types listFlag
	fs.Var(&users, "user", "tenant user ID (repeatable or comma-separated)")
	fs.Var(&types, "type", "audit type, e.g. LOGGED_IN (repeatable or comma-separated)")
	since := fs.Duration("since", 0, "only events within this duration, e.g. 24h (0 = all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	req := query.ActivityRequest{Tenant: f.tenant, Users: users, Limit: f.limit}
	known := event.AuditTypes()
	for _, t := range types {
		at := event.AuditType(strings.ToUpper(t))
		if !slices.Contains(known, at) {
			return fmt.Errorf("unknown audit type %q (known: %v)", t, known)
		}
		req.Types = append(req.Types, at)
	}
	if *since > 0 {
		req.From = time.Now().Add(-*since)
	}
	if f.cursor != "" {
		c, err := query.ParseCursor(f.cursor)
		if err != nil {
			return err
		}
		req.Before = &c
	}
	q, done, err := f.client(ctx)
	if err != nil {
		return err
	}
	defer done()
	page, err := q.Activity(ctx, req)
	if err != nil {
		return err
	}
	err = printPage(f.json, page.Events, auditJSON, "TIME\tUSER\tTYPE\tDETAILS", func(e event.Audit) string {
		m := auditJSON(e)
		var d []string
		for _, k := range []string{"call_id", "customer_id", "session_id", "status", "message_id", "role_name",
			"target_user_id", "permissions", "operation", "joined_agents", "tags", "data_json"} {
			if v, ok := m[k]; ok {
				d = append(d, fmt.Sprintf("%s=%v", k, v))
			}
		}
		return fmt.Sprintf("%s\t%s\t%s\t%s", e.Time.Format(timeLayout), e.TenantUserID, e.Type, strings.Join(d, " "))
	})
	if err != nil {
		return err
	}
	printNext(page.Next, page.Next == nil)
	return nil
}

// auditJSON is the JSON shape of an activity log entry.
func auditJSON(e event.Audit) map[string]any {
	m := map[string]any{
		"event_id": e.EventID.String(), "tenant_id": e.TenantID, "user_id": e.TenantUserID,
		"time": e.Time.Format(timeLayout), "type": e.Type,
	}
	switch {
	case e.StartCall != nil:
		m["call_id"], m["customer_id"] = e.StartCall.CallID, e.StartCall.CustomerID
	case e.MessengerSend != nil:
		m["customer_id"] = e.MessengerSend.CustomerID
	case e.LiveView != nil:
		m["session_id"] = e.LiveView.SessionID
	case e.StatusChange != nil:
		m["customer_id"], m["status"], m["message_id"] = e.StatusChange.CustomerID, e.StatusChange.Status, e.StatusChange.MessageID
	case e.RoleChange != nil:
		m["role_name"], m["target_user_id"] = e.RoleChange.RoleName, e.RoleChange.TargetUserID
	case e.PermissionChange != nil:
		m["role_name"], m["permissions"] = e.PermissionChange.RoleName, e.PermissionChange.Permissions
	case e.PluginChange != nil:
		m["data_json"] = e.PluginChange.JSON
	case e.SettingsChange != nil:
		m["data_json"] = e.SettingsChange.JSON
	case e.MeetingChange != nil:
		m["operation"], m["data_json"] = e.MeetingChange.Operation, e.MeetingChange.ConferenceJSON
	case e.ConferenceAgent != nil:
		m["call_id"], m["customer_id"] = e.ConferenceAgent.CallID, e.ConferenceAgent.CustomerID
	case e.ConferenceRecording != nil:
		r := e.ConferenceRecording
		m["call_id"], m["customer_id"], m["joined_agents"], m["tags"] = r.CallID, r.CustomerID, r.JoinedAgents, r.Tags
	}
	return m
}
