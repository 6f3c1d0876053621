package consumer

import (
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/auditstream/auditstream/event"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// column is one reusable typed column buffer. The typed slices are handed to
// clickhouse-go's Column(i).Append as they are, so building a batch costs one append
// per field and no per-row interface conversions.
type column interface {
	data() any
	reset()
	filter(keep []bool)
}

type col[T any] struct{ v []T }

func (c *col[T]) data() any { return c.v }

// reset keeps the capacity for the next batch but drops references (strings, slices)
// so the previous batch's decoded values can be collected.
func (c *col[T]) reset() { clear(c.v); c.v = c.v[:0] }

func (c *col[T]) filter(keep []bool) {
	n := 0
	for i, ok := range keep {
		if ok {
			c.v[n] = c.v[i]
			n++
		}
	}
	clear(c.v[n:])
	c.v = c.v[:n]
}

// timeCols holds an event time in the forms both table profiles need: DateTime64(3)
// takes Unix milliseconds; the legacy profile's DateTime takes seconds plus a separate
// millisecond column (event_time_ms).
type timeCols struct {
	millis col[int64]
	secs   col[int64]
	ms     col[uint16]
}

func (t *timeCols) append(ms int64) {
	s, r := ms/1000, ms%1000
	if r < 0 { // floor division for times before 1970
		s, r = s-1, r+1000
	}
	t.millis.v = append(t.millis.v, ms)
	t.secs.v = append(t.secs.v, s)
	t.ms.v = append(t.ms.v, uint16(r))
}

// value returns the event_time data for a ClickHouse column type.
func (t *timeCols) value(chType string) any {
	if strings.HasPrefix(chType, "DateTime64") {
		return t.millis.v
	}
	return t.secs.v
}

// rowSet is the columns of one table's batch.
type rowSet interface {
	// decodeAppend decodes one record value, validates it and appends it as a row. On
	// error nothing is appended and the error is a *recordError.
	decodeAppend(dec Decoder, value []byte) error
	// value returns the typed slice for a column name, given its ClickHouse type.
	value(name, chType string) (any, error)
	columns() []column
	eventIDs() []uuid.UUID
	eventMillis() []int64
	// overhead is the fixed in-memory cost of one row in these columns (headers of the
	// slices and strings), added to the record size to estimate buffered bytes.
	overhead() int
}

func newRowSet(table string) (rowSet, error) {
	switch table {
	case chschema.TableCobrowse:
		r := &cobrowseRows{}
		r.all = []column{&r.id, &r.tenant, &r.session, &r.seq, &r.t.millis, &r.t.secs, &r.t.ms,
			&r.actor, &r.typ, &r.element, &r.scrollX, &r.scrollY, &r.form, &r.inputText,
			&r.inputMasked, &r.page, &r.customType, &r.customValue, &r.pageURL}
		return r, nil
	case chschema.TableAudit:
		r := &auditRows{}
		r.all = []column{&r.id, &r.tenant, &r.user, &r.t.millis, &r.t.secs, &r.t.ms, &r.typ,
			&r.callID, &r.customerID, &r.sessionID, &r.status, &r.messageID, &r.roleName,
			&r.targetUserID, &r.permissions, &r.dataJSON, &r.operation, &r.joinedAgents, &r.tags}
		return r, nil
	}
	return nil, fmt.Errorf("consumer: unknown table %q", table)
}

// cobrowseRows are the columns of cobrowse_events.
type cobrowseRows struct {
	id                                     col[uuid.UUID]
	tenant, session                        col[string]
	seq                                    col[uint64]
	t                                      timeCols
	actor, typ, element                    col[string]
	scrollX, scrollY                       col[int64]
	form, inputText                        col[string]
	inputMasked                            col[uint8]
	page, customType, customValue, pageURL col[string]
	all                                    []column
	scratch                                event.Cobrowse
}

func (r *cobrowseRows) decodeAppend(dec Decoder, value []byte) error {
	ev := &r.scratch
	*ev = event.Cobrowse{}
	if err := dec.DecodeCobrowse(value, ev); err != nil {
		return decodeError(err)
	}
	if err := ev.Validate(); err != nil {
		return &recordError{Reason: ReasonValidation, Err: err}
	}
	r.append(ev)
	return nil
}

func (r *cobrowseRows) append(ev *event.Cobrowse) {
	r.id.v = append(r.id.v, uuid.UUID(ev.EventID))
	r.tenant.v = append(r.tenant.v, ev.TenantID)
	r.session.v = append(r.session.v, ev.SessionID)
	r.seq.v = append(r.seq.v, uint64(ev.Seq))
	r.t.append(ev.Time.UnixMilli())
	r.actor.v = append(r.actor.v, string(ev.Actor))
	r.typ.v = append(r.typ.v, string(ev.Type))
	var (
		element, form, text, page, ctype, cvalue string
		sx, sy                                   int64
		masked                                   uint8
	)
	switch {
	case ev.Click != nil:
		element = ev.Click.Element
	case ev.Scroll != nil:
		element, sx, sy = ev.Scroll.Element, ev.Scroll.X, ev.Scroll.Y
	case ev.Form != nil:
		form = ev.Form.Form
	case ev.Input != nil:
		element, text = ev.Input.Element, ev.Input.Text
		if ev.Input.Masked {
			masked = 1
		}
	case ev.PageChange != nil:
		page = ev.PageChange.Page
	case ev.CustomEvent != nil:
		ctype, cvalue = ev.CustomEvent.EventType, ev.CustomEvent.Value
	}
	r.element.v = append(r.element.v, element)
	r.scrollX.v = append(r.scrollX.v, sx)
	r.scrollY.v = append(r.scrollY.v, sy)
	r.form.v = append(r.form.v, form)
	r.inputText.v = append(r.inputText.v, text)
	r.inputMasked.v = append(r.inputMasked.v, masked)
	r.page.v = append(r.page.v, page)
	r.customType.v = append(r.customType.v, ctype)
	r.customValue.v = append(r.customValue.v, cvalue)
	r.pageURL.v = append(r.pageURL.v, ev.PageURL)
}

func (r *cobrowseRows) value(name, chType string) (any, error) {
	switch name {
	case "event_id":
		return r.id.v, nil
	case "tenant_id":
		return r.tenant.v, nil
	case "session_id":
		return r.session.v, nil
	case "seq":
		return r.seq.v, nil
	case "event_time":
		return r.t.value(chType), nil
	case "event_time_ms":
		return r.t.ms.v, nil
	case "actor":
		return r.actor.v, nil
	case "type":
		return r.typ.v, nil
	case "element":
		return r.element.v, nil
	case "scroll_x":
		return r.scrollX.v, nil
	case "scroll_y":
		return r.scrollY.v, nil
	case "form":
		return r.form.v, nil
	case "input_text":
		return r.inputText.v, nil
	case "input_masked":
		return r.inputMasked.v, nil
	case "page":
		return r.page.v, nil
	case "custom_type":
		return r.customType.v, nil
	case "custom_value":
		return r.customValue.v, nil
	case "page_url":
		return r.pageURL.v, nil
	}
	return nil, fmt.Errorf("%w: %s.%s", ErrUnknownColumn, chschema.TableCobrowse, name)
}

func (r *cobrowseRows) columns() []column     { return r.all }
func (r *cobrowseRows) eventIDs() []uuid.UUID { return r.id.v }
func (r *cobrowseRows) eventMillis() []int64  { return r.t.millis.v }

// overhead: 12 string headers (16 B), 5 eight-byte values, a UUID, small ints.
func (r *cobrowseRows) overhead() int { return 12*16 + 5*8 + 16 + 4 }

// auditRows are the columns of audit_events.
type auditRows struct {
	id                                         col[uuid.UUID]
	tenant, user                               col[string]
	t                                          timeCols
	typ, callID, customerID, sessionID, status col[string]
	messageID, roleName, targetUserID          col[string]
	permissions                                col[[]string]
	dataJSON, operation                        col[string]
	joinedAgents, tags                         col[[]string]
	all                                        []column
	scratch                                    event.Audit
}

func (r *auditRows) decodeAppend(dec Decoder, value []byte) error {
	ev := &r.scratch
	*ev = event.Audit{}
	if err := dec.DecodeAudit(value, ev); err != nil {
		return decodeError(err)
	}
	if err := ev.Validate(); err != nil {
		return &recordError{Reason: ReasonValidation, Err: err}
	}
	r.append(ev)
	return nil
}

func (r *auditRows) append(ev *event.Audit) {
	r.id.v = append(r.id.v, uuid.UUID(ev.EventID))
	r.tenant.v = append(r.tenant.v, ev.TenantID)
	r.user.v = append(r.user.v, ev.TenantUserID)
	r.t.append(ev.Time.UnixMilli())
	r.typ.v = append(r.typ.v, string(ev.Type))
	var (
		callID, customerID, sessionID, status, messageID string
		roleName, targetUserID, dataJSON                 string
		permissions, joinedAgents, tags                  []string
		operation                                        = string(event.MeetingOperationUnknown)
	)
	switch {
	case ev.StartCall != nil:
		callID, customerID = ev.StartCall.CallID, ev.StartCall.CustomerID
	case ev.ConferenceAgent != nil:
		callID, customerID = ev.ConferenceAgent.CallID, ev.ConferenceAgent.CustomerID
	case ev.MessengerSend != nil:
		customerID = ev.MessengerSend.CustomerID
	case ev.LiveView != nil:
		sessionID = ev.LiveView.SessionID
	case ev.StatusChange != nil:
		customerID, status, messageID = ev.StatusChange.CustomerID, ev.StatusChange.Status, ev.StatusChange.MessageID
	case ev.RoleChange != nil:
		roleName, targetUserID = ev.RoleChange.RoleName, ev.RoleChange.TargetUserID
	case ev.PermissionChange != nil:
		roleName, permissions = ev.PermissionChange.RoleName, ev.PermissionChange.Permissions
	case ev.PluginChange != nil:
		dataJSON = ev.PluginChange.JSON
	case ev.SettingsChange != nil:
		dataJSON = ev.SettingsChange.JSON
	case ev.MeetingChange != nil:
		dataJSON = ev.MeetingChange.ConferenceJSON
		if ev.MeetingChange.Operation != "" {
			operation = string(ev.MeetingChange.Operation)
		}
	case ev.ConferenceRecording != nil:
		cr := ev.ConferenceRecording
		callID, customerID, joinedAgents, tags = cr.CallID, cr.CustomerID, cr.JoinedAgents, cr.Tags
	}
	r.callID.v = append(r.callID.v, callID)
	r.customerID.v = append(r.customerID.v, customerID)
	r.sessionID.v = append(r.sessionID.v, sessionID)
	r.status.v = append(r.status.v, status)
	r.messageID.v = append(r.messageID.v, messageID)
	r.roleName.v = append(r.roleName.v, roleName)
	r.targetUserID.v = append(r.targetUserID.v, targetUserID)
	r.permissions.v = append(r.permissions.v, permissions)
	r.dataJSON.v = append(r.dataJSON.v, dataJSON)
	r.operation.v = append(r.operation.v, operation)
	r.joinedAgents.v = append(r.joinedAgents.v, joinedAgents)
	r.tags.v = append(r.tags.v, tags)
}

func (r *auditRows) value(name, chType string) (any, error) {
	switch name {
	case "event_id":
		return r.id.v, nil
	case "tenant_id":
		return r.tenant.v, nil
	case "user_id":
		return r.user.v, nil
	case "event_time":
		return r.t.value(chType), nil
	case "event_time_ms":
		return r.t.ms.v, nil
	case "type":
		return r.typ.v, nil
	case "call_id":
		return r.callID.v, nil
	case "customer_id":
		return r.customerID.v, nil
	case "session_id":
		return r.sessionID.v, nil
	case "status":
		return r.status.v, nil
	case "message_id":
		return r.messageID.v, nil
	case "role_name":
		return r.roleName.v, nil
	case "target_user_id":
		return r.targetUserID.v, nil
	case "permissions":
		return r.permissions.v, nil
	case "data_json":
		return r.dataJSON.v, nil
	case "operation":
		return r.operation.v, nil
	case "joined_agents":
		return r.joinedAgents.v, nil
	case "tags":
		return r.tags.v, nil
	}
	return nil, fmt.Errorf("%w: %s.%s", ErrUnknownColumn, chschema.TableAudit, name)
}

func (r *auditRows) columns() []column     { return r.all }
func (r *auditRows) eventIDs() []uuid.UUID { return r.id.v }
func (r *auditRows) eventMillis() []int64  { return r.t.millis.v }

// overhead: 13 string headers, 3 slice headers (24 B), 3 eight-byte values, a UUID.
func (r *auditRows) overhead() int { return 13*16 + 3*24 + 3*8 + 16 + 2 }
