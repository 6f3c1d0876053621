package query

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"

	"github.com/auditstream/auditstream/event"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// ReplayRequest asks for one co-browsing session's events in (time, seq) order.
type ReplayRequest struct {
	Tenant  string  // required
	Session string  // required
	After   *Cursor // continue after this position (ReplayPage.Next); nil = from the start
	Limit   int     // page size; 0 = DefaultReplayLimit, at most MaxLimit
}

// ReplayPage is one page of a replay.
type ReplayPage struct {
	Events []event.Cobrowse
	// Next is the cursor for the following page, nil when this page is the last.
	Next *Cursor
}

// BuildReplay returns the statement Replay runs for req (with Limit+1 rows, to learn
// whether another page exists) against the tables of profile p in database.
func BuildReplay(p chschema.Profile, database string, req ReplayRequest) (Statement, error) {
	if req.Tenant == "" {
		return Statement{}, ErrNoTenant
	}
	if req.Session == "" {
		return Statement{}, fmt.Errorf("%w: session is required", ErrInvalidRequest)
	}
	limit, err := checkLimit(req.Limit, DefaultReplayLimit)
	if err != nil {
		return Statement{}, err
	}
	d := dialect{p}
	var b builder
	b.cond("tenant_id = ?", req.Tenant)
	b.cond("session_id = ?", req.Session)
	if req.After != nil {
		d.replayKeyset(&b, *req.After)
	}
	sql := "SELECT event_id, seq, " + d.tsMillis() + " AS ts_ms, toString(actor) AS actor_name,\n" +
		"  toString(type) AS type_name, element, scroll_x, scroll_y, form, input_text, input_masked,\n" +
		"  page, custom_type, custom_value, page_url\n" +
		"FROM " + chschema.QualifiedName(database, chschema.TableCobrowse) + "\n" +
		"WHERE " + b.whereSQL() + "\n" +
		"ORDER BY " + d.timeOrder("ASC") + ", seq ASC, event_id ASC\n" +
		"LIMIT 1 BY event_id\n" +
		"LIMIT ?"
	return Statement{SQL: sql, Args: append(b.args, limit+1)}, nil
}

// Replay returns a page of the session's events in (time, seq, event ID) order, each event
// once even when its row was delivered more than once.
func (c *Client) Replay(ctx context.Context, req ReplayRequest) (ReplayPage, error) {
	st, err := BuildReplay(c.profile, c.database, req)
	if err != nil {
		return ReplayPage{}, err
	}
	limit, _ := checkLimit(req.Limit, DefaultReplayLimit)
	var page ReplayPage
	err = c.run(ctx, "replay", st, func(rows driver.Rows) error {
		var (
			id                                                       uuid.UUID
			actor, typ, element, form, input, pg, ctype, cvalue, url string
			seq                                                      uint64
			ts, x, y                                                 int64
			masked                                                   uint8
		)
		if err := rows.Scan(&id, &seq, &ts, &actor, &typ, &element, &x, &y, &form, &input,
			&masked, &pg, &ctype, &cvalue, &url); err != nil {
			return err
		}
		e := event.Cobrowse{
			EventID: event.ID(id), TenantID: req.Tenant, SessionID: req.Session, Seq: int64(seq),
			Time: timeFromMillis(ts), Actor: event.Actor(actor), Type: event.CobrowseType(typ), PageURL: url,
		}
		switch e.Type {
		case event.Click:
			e.Click = &event.ElementData{Element: element}
		case event.Scroll:
			e.Scroll = &event.ScrollData{Element: element, X: x, Y: y}
		case event.Form:
			e.Form = &event.FormData{Form: form}
		case event.Input:
			e.Input = &event.InputData{Element: element, Text: input, Masked: masked != 0}
		case event.PageChange:
			e.PageChange = &event.PageChangeData{Page: pg}
		case event.CustomEvent:
			e.CustomEvent = &event.CustomEventData{EventType: ctype, Value: cvalue}
		}
		page.Events = append(page.Events, e)
		return nil
	})
	if err != nil {
		return ReplayPage{}, err
	}
	if len(page.Events) > limit {
		page.Events = page.Events[:limit]
		last := page.Events[limit-1]
		page.Next = &Cursor{Time: last.Time, Seq: last.Seq, EventID: last.EventID}
	}
	return page, nil
}
