package query

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/auditstream/auditstream/event"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// SessionsRequest asks for a tenant's co-browsing sessions, newest (by first event) first.
type SessionsRequest struct {
	Tenant string    // required
	From   time.Time // sessions active at or after From; zero = no bound
	To     time.Time // sessions that started before To; zero = no bound
	// Actor keeps only sessions in which this actor acted (event.ActorAgent: the agent
	// was involved); empty = every session.
	Actor  event.Actor
	Before *SessionCursor // continue after this position (SessionsPage.Next)
	Limit  int            // page size; 0 = DefaultSessionsLimit, at most MaxLimit
}

// Session summarises one co-browsing session. Counts are of distinct events, so they do
// not change when rows are redelivered.
type Session struct {
	TenantID       string
	SessionID      string
	FirstEventTime time.Time
	LastEventTime  time.Time
	Events         uint64 // all events
	AgentEvents    uint64 // events by the agent
	CustomerEvents uint64 // events by the customer
	DistinctPages  uint64 // distinct pages of PAGE-CHANGE events
	AgentInvolved  bool   // the agent acted at least once
}

// SessionsPage is one page of the session list.
type SessionsPage struct {
	Sessions []Session
	// Next is the cursor for the following (older) page, nil when this page is the last.
	Next *SessionCursor
}

// BuildSessions returns the statement Sessions runs. It picks the page's sessions from the
// cheap time and involvement states first, and merges the distinct-count states only for
// those Limit+1 sessions (PREWHERE: the heavy state columns are read only for the granules
// holding them).
func BuildSessions(p chschema.Profile, database string, req SessionsRequest) (Statement, error) {
	if req.Tenant == "" {
		return Statement{}, ErrNoTenant
	}
	limit, err := checkLimit(req.Limit, DefaultSessionsLimit)
	if err != nil {
		return Statement{}, err
	}
	first, last := "toInt64(minMerge(first_event_time))", "toInt64(maxMerge(last_event_time))"
	events, agent, customer := "uniqExactMerge(events)", "uniqExactIfMerge(agent_events)", "uniqExactIfMerge(customer_events)"
	if p == chschema.Modern {
		first, last = "toUnixTimestamp64Milli(minMerge(first_event_time))", "toUnixTimestamp64Milli(maxMerge(last_event_time))"
		events, agent, customer = "groupBitmapMerge(events)", "groupBitmapIfMerge(agent_events)", "groupBitmapIfMerge(customer_events)"
	}
	var having builder
	if !req.From.IsZero() {
		having.cond(last+" >= ?", req.From.UnixMilli())
	}
	if !req.To.IsZero() {
		having.cond(first+" < ?", req.To.UnixMilli())
	}
	switch req.Actor {
	case "":
	case event.ActorAgent:
		having.cond("maxMerge(agent_involved) = 1")
	case event.ActorCustomer:
		having.cond("maxMerge(customer_involved) = 1")
	default:
		return Statement{}, fmt.Errorf("%w: actor %q", ErrInvalidRequest, req.Actor)
	}
	if c := req.Before; c != nil {
		having.cond("("+first+", session_id) < (?, ?)", c.FirstEventTime.UnixMilli(), c.SessionID)
	}
	havingSQL := ""
	if len(having.where) > 0 {
		havingSQL = "\n  HAVING " + having.whereSQL()
	}
	table := chschema.QualifiedName(database, chschema.TableSessions)
	sql := "SELECT session_id, " + first + " AS first_ms, " + last + " AS last_ms,\n" +
		"  toUInt64(" + events + ") AS events_n, toUInt64(" + agent + ") AS agent_n,\n" +
		"  toUInt64(" + customer + ") AS customer_n, toUInt64(uniqExactIfMerge(pages)) AS pages_n,\n" +
		"  maxMerge(agent_involved) AS agent_involved_flag\n" +
		"FROM " + table + "\n" +
		"PREWHERE tenant_id = ? AND session_id IN (\n" +
		"  SELECT session_id FROM " + table + "\n" +
		"  WHERE tenant_id = ?\n" +
		"  GROUP BY session_id" + havingSQL + "\n" +
		"  ORDER BY " + first + " DESC, session_id DESC\n" +
		"  LIMIT ?\n" +
		")\n" +
		"GROUP BY session_id\n" +
		"ORDER BY first_ms DESC, session_id DESC"
	args := append([]any{req.Tenant, req.Tenant}, having.args...)
	return Statement{SQL: sql, Args: append(args, limit+1)}, nil
}

// Sessions returns a page of the tenant's sessions, newest first.
func (c *Client) Sessions(ctx context.Context, req SessionsRequest) (SessionsPage, error) {
	st, err := BuildSessions(c.profile, c.database, req)
	if err != nil {
		return SessionsPage{}, err
	}
	limit, _ := checkLimit(req.Limit, DefaultSessionsLimit)
	var page SessionsPage
	err = c.run(ctx, "sessions", st, func(rows driver.Rows) error {
		var (
			s           Session
			first, last int64
			involved    uint8
		)
		if err := rows.Scan(&s.SessionID, &first, &last, &s.Events, &s.AgentEvents,
			&s.CustomerEvents, &s.DistinctPages, &involved); err != nil {
			return err
		}
		s.TenantID, s.FirstEventTime, s.LastEventTime = req.Tenant, timeFromMillis(first), timeFromMillis(last)
		s.AgentInvolved = involved != 0
		page.Sessions = append(page.Sessions, s)
		return nil
	})
	if err != nil {
		return SessionsPage{}, err
	}
	if len(page.Sessions) > limit {
		page.Sessions = page.Sessions[:limit]
		last := page.Sessions[limit-1]
		page.Next = &SessionCursor{FirstEventTime: last.FirstEventTime, SessionID: last.SessionID}
	}
	return page, nil
}
