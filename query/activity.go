package query

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/auditstream/auditstream/event"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// ActivityRequest asks for a tenant's activity log, newest first.
type ActivityRequest struct {
	Tenant string            // required
	Users  []string          // tenant user IDs; empty = every user
	Types  []event.AuditType // empty = every type
	From   time.Time         // inclusive lower bound; zero = no bound
	To     time.Time         // exclusive upper bound; zero = no bound
	Before *Cursor           // continue before this position (ActivityPage.Next)
	Limit  int               // page size; 0 = DefaultActivityLimit, at most MaxLimit
}

// ActivityPage is one page of the activity log.
type ActivityPage struct {
	Events []event.Audit
	// Next is the cursor for the following (older) page, nil when this page is the last.
	Next *Cursor
}

// BuildActivity returns the statement for one window of the activity log: the newest
// Limit+1 events of req in [From, To) before req.Before. With Users set it reads
// audit_events_by_user, sorted by (tenant, user, time), so only those users' rows are read.
func BuildActivity(p chschema.Profile, database string, req ActivityRequest) (Statement, error) {
	limit, err := checkLimit(req.Limit, DefaultActivityLimit)
	if err != nil {
		return Statement{}, err
	}
	return buildActivity(p, database, req, limit+1)
}

func buildActivity(p chschema.Profile, database string, req ActivityRequest, rows int) (Statement, error) {
	if req.Tenant == "" {
		return Statement{}, ErrNoTenant
	}
	if !req.From.IsZero() && !req.To.IsZero() && !req.From.Before(req.To) {
		return Statement{}, fmt.Errorf("%w: From %v is not before To %v", ErrInvalidRequest, req.From, req.To)
	}
	d := dialect{p}
	var b builder
	table := chschema.TableAudit
	b.cond("tenant_id = ?", req.Tenant)
	if len(req.Users) > 0 {
		table = chschema.TableAuditByUser
		b.cond("user_id IN ?", stringSet(req.Users))
	}
	if len(req.Types) > 0 {
		types := make([]string, len(req.Types))
		for i, t := range req.Types {
			types[i] = string(t)
		}
		b.cond("type IN ?", stringSet(types))
	}
	if !req.From.IsZero() {
		d.timeCmp(&b, ">=", req.From.UnixMilli())
	}
	if !req.To.IsZero() {
		d.timeCmp(&b, "<", req.To.UnixMilli())
	}
	if req.Before != nil {
		d.keyset(&b, "<", *req.Before)
	}
	sql := "SELECT toString(event_id) AS id, user_id, " + d.tsMillis() + " AS ts_ms, toString(type) AS type_name,\n" +
		"  call_id, customer_id, session_id, status, message_id, role_name, target_user_id,\n" +
		"  permissions, data_json, toString(operation) AS operation_name, joined_agents, tags\n" +
		"FROM " + chschema.QualifiedName(database, table) + "\n" +
		"WHERE " + b.whereSQL() + "\n" +
		"ORDER BY " + d.timeOrder("DESC") + ", id DESC\n" +
		"LIMIT 1 BY event_id\n" +
		"LIMIT ?"
	return Statement{SQL: sql, Args: append(b.args, rows)}, nil
}

// The activity log reads newest-first through growing time windows: ClickHouse 18.16
// cannot read a table in sorting-key order, so "ORDER BY time DESC LIMIT n" over a whole
// tenant would read every row of the range. The first window covers activityFirstWindow
// back from the upper bound (activityFirstUserWindow with a user filter: one user's rows
// are sparse but contiguous in audit_events_by_user); each next one reaches further back
// (see nextWindow), until the page is full or the range is exhausted. Without To the upper bound is now plus activityClockSkew (the first window
// still reaches activityFirstWindow back from now); without From the search ends
// activityMaxAge back. Each window is one round trip, so the growth is steep.
const (
	activityFirstWindow     = time.Hour
	activityFirstUserWindow = 7 * 24 * time.Hour
	activityWindowGrowth    = 4
	activityMaxGrowth       = 64
	activityClockSkew       = 24 * time.Hour
	activityMaxAge          = 20 * 365 * 24 * time.Hour
)

// Activity returns a page of the tenant's audit events, newest first, each event once even
// when its row was delivered more than once.
func (c *Client) Activity(ctx context.Context, req ActivityRequest) (ActivityPage, error) {
	if _, err := BuildActivity(c.profile, c.database, req); err != nil { // validate
		return ActivityPage{}, err
	}
	limit, _ := checkLimit(req.Limit, DefaultActivityLimit)
	now := time.Now()
	hi := req.To
	if hi.IsZero() {
		hi = now.Add(activityClockSkew)
	}
	if req.Before != nil && req.Before.Time.Before(hi) {
		hi = req.Before.Time.Add(time.Millisecond) // the cursor's own millisecond is still open
	}
	floor := req.From
	if floor.IsZero() {
		floor = hi.Add(-activityMaxAge)
	}
	var page ActivityPage
	window := activityFirstWindow
	if len(req.Users) > 0 {
		window = activityFirstUserWindow
	}
	// Windows are measured back from now (or the upper bound, if older), so the clock-skew
	// allowance above now does not count as searched history.
	anchor := hi
	if anchor.After(now) {
		anchor = now
	}
	for hi.After(floor) {
		lo := anchor.Add(-window)
		anchor = lo
		if lo.Before(floor) {
			lo = floor
		}
		w := req
		w.From, w.To = lo, hi
		got, err := c.activityWindow(ctx, w, limit+1-len(page.Events))
		if err != nil {
			return ActivityPage{}, err
		}
		page.Events = append(page.Events, got...)
		if len(page.Events) > limit {
			break
		}
		hi = lo
		window = nextWindow(window, len(got), limit+1-len(page.Events))
	}
	if len(page.Events) > limit {
		page.Events = page.Events[:limit]
		last := page.Events[limit-1]
		page.Next = &Cursor{Time: last.Time, EventID: last.EventID}
	}
	return page, nil
}

// nextWindow sizes the next window from what the last one found: got rows in width w, with
// need rows still missing. An empty window says nothing about the density, so it grows by
// activityWindowGrowth; otherwise the next window aims at 1.5 times the missing rows at the
// density seen, bounded to [activityWindowGrowth, activityMaxGrowth] times w.
func nextWindow(w time.Duration, got, need int) time.Duration {
	f := float64(activityWindowGrowth)
	if got > 0 {
		f = min(max(1.5*float64(need)/float64(got), activityWindowGrowth), activityMaxGrowth)
	}
	return time.Duration(float64(w) * f)
}

// activityWindow runs BuildActivity for one window and maps the rows.
func (c *Client) activityWindow(ctx context.Context, req ActivityRequest, rows int) ([]event.Audit, error) {
	st, err := buildActivity(c.profile, c.database, req, rows)
	if err != nil {
		return nil, err
	}
	var out []event.Audit
	err = c.run(ctx, "activity", st, func(rows driver.Rows) error {
		var (
			id, user, typ, callID, customerID, sessionID, status, messageID string
			roleName, target, dataJSON, operation                           string
			ts                                                              int64
			permissions, joined, tags                                       []string
		)
		if err := rows.Scan(&id, &user, &ts, &typ, &callID, &customerID, &sessionID, &status,
			&messageID, &roleName, &target, &permissions, &dataJSON, &operation, &joined, &tags); err != nil {
			return err
		}
		eid, err := parseID(id)
		if err != nil {
			return err
		}
		e := event.Audit{EventID: eid, TenantID: req.Tenant, TenantUserID: user,
			Time: timeFromMillis(ts), Type: event.AuditType(typ)}
		switch e.Type {
		case event.StartCall:
			e.StartCall = &event.CallData{CallID: callID, CustomerID: customerID}
		case event.MessengerSend:
			e.MessengerSend = &event.MessengerSendData{CustomerID: customerID}
		case event.LiveView:
			e.LiveView = &event.LiveViewData{SessionID: sessionID}
		case event.StatusChange:
			e.StatusChange = &event.StatusChangeData{CustomerID: customerID, Status: status, MessageID: messageID}
		case event.RoleChange:
			e.RoleChange = &event.RoleChangeData{RoleName: roleName, TargetUserID: target}
		case event.PermissionChange:
			e.PermissionChange = &event.PermissionChangeData{RoleName: roleName, Permissions: permissions}
		case event.PluginChange:
			e.PluginChange = &event.ConfigData{JSON: dataJSON}
		case event.SettingsChange:
			e.SettingsChange = &event.ConfigData{JSON: dataJSON}
		case event.MeetingChange:
			e.MeetingChange = &event.MeetingChangeData{Operation: event.MeetingOperation(operation), ConferenceJSON: dataJSON}
		case event.ConferenceAgent:
			e.ConferenceAgent = &event.CallData{CallID: callID, CustomerID: customerID}
		case event.ConferenceRecording:
			e.ConferenceRecording = &event.RecordingData{CallID: callID, CustomerID: customerID, JoinedAgents: joined, Tags: tags}
		}
		out = append(out, e)
		return nil
	})
	return out, err
}
