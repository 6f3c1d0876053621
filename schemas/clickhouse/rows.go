package chschema

import (
	"github.com/google/uuid"

	"github.com/auditstream/auditstream/event"
)

// Column representations. Each builder keeps one typed slice per column, in the form
// clickhouse-go v2.51 appends most cheaply and whose meaning its source makes certain
// for both profiles (lib/column/datetime64.go, datetime.go, enum8.go):
//
//   - event_time is kept once, as Unix milliseconds ([]int64). Modern's DateTime64(3)
//     takes that slice as it is: DateTime64.Append converts each value with
//     time.UnixMilli and ch-go stores UnixNano/10^6, i.e. the same number. The driver
//     documents []int64 as "assumed milliseconds, not scaled to the precision"; at
//     precision 3 milliseconds and the column's raw ticks coincide, so the value is right
//     under either reading (TestColumnsThroughDriver pins the precision and decodes the
//     appended column). []time.Time would go through the same conversion at 24 B per row
//     instead of 8, with a pointer for the GC to scan. Legacy's DateTime gets whole Unix
//     seconds ([]int64, converted with time.Unix(v, 0)) plus event_time_ms ([]uint16),
//     both derived from the milliseconds when Columns is called. The milliseconds also
//     serve EventMillis (the consumer's end-to-end latency metric).
//   - Enum8 columns are int8 codes: Enum8.Append checks a code against a bitset, where a
//     string costs a map lookup per row and 16 B per row to hold. The codes are the ones
//     the DDL declares, identically in both profiles (TestColumnsThroughDriver reads them
//     back by name through the driver). A value this build does not know is stored as
//     UNKNOWN (0) rather than failing the whole insert.

func actorCode(a event.Actor) int8 {
	switch a {
	case event.ActorAgent:
		return 1
	case event.ActorCustomer:
		return 2
	}
	return 0
}

func cobrowseTypeCode(t event.CobrowseType) int8 {
	switch t {
	case event.Click:
		return 1
	case event.Scroll:
		return 2
	case event.Form:
		return 3
	case event.Input:
		return 4
	case event.PageChange:
		return 5
	case event.Selection:
		return 6
	case event.CustomEvent:
		return 7
	}
	return 0
}

func auditTypeCode(t event.AuditType) int8 {
	switch t {
	case event.StartCall:
		return 1
	case event.MessengerSend:
		return 2
	case event.LiveView:
		return 3
	case event.LoggedIn:
		return 4
	case event.OnlineStatusOnline:
		return 5
	case event.OnlineStatusOffline:
		return 6
	case event.StatusChange:
		return 7
	case event.RoleChange:
		return 8
	case event.PermissionChange:
		return 9
	case event.PluginChange:
		return 10
	case event.SettingsChange:
		return 11
	case event.MeetingChange:
		return 12
	case event.ConferenceAgent:
		return 13
	case event.ConferenceRecording:
		return 14
	}
	return 0
}

func operationCode(o event.MeetingOperation) int8 {
	switch o {
	case event.MeetingCreateOrUpdate:
		return 1
	case event.MeetingDelete:
		return 2
	}
	return 0
}

// reset empties s, keeping its capacity, and zeroes the old elements so that the
// strings and slices they referenced can be collected.
func reset[T any](s []T) []T {
	clear(s)
	return s[:0]
}

// filter keeps the elements i of s with keep[i], in order, and zeroes the rest.
func filter[T any](s []T, keep []bool) []T {
	n := 0
	for i, ok := range keep {
		if ok {
			s[n] = s[i]
			n++
		}
	}
	clear(s[n:])
	return s[:n]
}

// legacyTime holds the legacy profile's event_time (Unix seconds) and event_time_ms,
// derived from the milliseconds by Columns(Legacy) into buffers reused across batches.
type legacyTime struct {
	secs []int64
	ms   []uint16
}

func (l *legacyTime) split(millis []int64) {
	l.secs, l.ms = l.secs[:0], l.ms[:0]
	for _, m := range millis {
		s, r := m/1000, m%1000
		if r < 0 { // floor division for times before 1970
			s, r = s-1, r+1000
		}
		l.secs = append(l.secs, s)
		l.ms = append(l.ms, uint16(r))
	}
}

// CobrowseColumns accumulates co-browsing events as the insert columns of
// TableCobrowse. The zero value is empty and ready to use; Reset empties it for the next
// batch and keeps the memory.
type CobrowseColumns struct {
	eventID                          []uuid.UUID
	tenant, session                  []string
	seq                              []uint64
	millis                           []int64
	actor, typ                       []int8
	element, form, inputText, page   []string
	customType, customValue, pageURL []string
	scrollX, scrollY                 []int64
	inputMasked                      []uint8
	legacy                           legacyTime
}

// Reset empties the builder, keeping its capacity. It drops the references to the
// appended events' strings so that they can be collected.
func (c *CobrowseColumns) Reset() {
	c.eventID, c.tenant, c.session = reset(c.eventID), reset(c.tenant), reset(c.session)
	c.seq, c.millis, c.actor, c.typ = reset(c.seq), reset(c.millis), reset(c.actor), reset(c.typ)
	c.element, c.form, c.inputText, c.page = reset(c.element), reset(c.form), reset(c.inputText), reset(c.page)
	c.customType, c.customValue, c.pageURL = reset(c.customType), reset(c.customValue), reset(c.pageURL)
	c.scrollX, c.scrollY, c.inputMasked = reset(c.scrollX), reset(c.scrollY), reset(c.inputMasked)
}

// Len returns the number of rows.
func (c *CobrowseColumns) Len() int { return len(c.eventID) }

// Append adds e as one row; the payload matching e.Type fills its columns, the others
// stay empty. The row refers to e's strings (it does not copy them) but not to e.
func (c *CobrowseColumns) Append(e *event.Cobrowse) {
	var (
		element, form, input, page, ctype, cvalue string
		x, y                                      int64
		masked                                    uint8
	)
	switch {
	case e.Click != nil:
		element = e.Click.Element
	case e.Scroll != nil:
		element, x, y = e.Scroll.Element, e.Scroll.X, e.Scroll.Y
	case e.Form != nil:
		form = e.Form.Form
	case e.Input != nil:
		element, input = e.Input.Element, e.Input.Text
		if e.Input.Masked {
			masked = 1
		}
	case e.PageChange != nil:
		page = e.PageChange.Page
	case e.CustomEvent != nil:
		ctype, cvalue = e.CustomEvent.EventType, e.CustomEvent.Value
	}
	c.eventID = append(c.eventID, uuid.UUID(e.EventID))
	c.tenant = append(c.tenant, e.TenantID)
	c.session = append(c.session, e.SessionID)
	c.seq = append(c.seq, uint64(max(e.Seq, 0)))
	c.millis = append(c.millis, e.Time.UnixMilli())
	c.actor = append(c.actor, actorCode(e.Actor))
	c.typ = append(c.typ, cobrowseTypeCode(e.Type))
	c.element = append(c.element, element)
	c.scrollX = append(c.scrollX, x)
	c.scrollY = append(c.scrollY, y)
	c.form = append(c.form, form)
	c.inputText = append(c.inputText, input)
	c.inputMasked = append(c.inputMasked, masked)
	c.page = append(c.page, page)
	c.customType = append(c.customType, ctype)
	c.customValue = append(c.customValue, cvalue)
	c.pageURL = append(c.pageURL, e.PageURL)
}

// Filter keeps the rows i with keep[i] (len(keep) must be Len()), in order, and drops
// the others.
func (c *CobrowseColumns) Filter(keep []bool) {
	c.eventID, c.tenant, c.session = filter(c.eventID, keep), filter(c.tenant, keep), filter(c.session, keep)
	c.seq, c.millis = filter(c.seq, keep), filter(c.millis, keep)
	c.actor, c.typ = filter(c.actor, keep), filter(c.typ, keep)
	c.element, c.form = filter(c.element, keep), filter(c.form, keep)
	c.inputText, c.page = filter(c.inputText, keep), filter(c.page, keep)
	c.customType, c.customValue = filter(c.customType, keep), filter(c.customValue, keep)
	c.pageURL, c.scrollX, c.scrollY = filter(c.pageURL, keep), filter(c.scrollX, keep), filter(c.scrollY, keep)
	c.inputMasked = filter(c.inputMasked, keep)
}

// EventIDs returns the event_id column. It aliases the builder.
func (c *CobrowseColumns) EventIDs() []uuid.UUID { return c.eventID }

// EventMillis returns each row's event time in Unix milliseconds. It aliases the builder.
func (c *CobrowseColumns) EventMillis() []int64 { return c.millis }

// Columns returns one slice per column of InsertColumns(p, TableCobrowse), in that
// order, ready for batch.Column(i).Append; nil for an invalid profile. The slices alias
// the builder until its next Reset, Append, Filter or Columns call.
func (c *CobrowseColumns) Columns(p Profile) []any {
	if !p.valid() {
		return nil
	}
	cols := make([]any, 0, len(cobrowseColumns)+1)
	cols = append(cols, c.eventID, c.tenant, c.session, c.seq)
	if p == Legacy {
		c.legacy.split(c.millis)
		cols = append(cols, c.legacy.secs, c.legacy.ms)
	} else {
		cols = append(cols, c.millis)
	}
	return append(cols, c.actor, c.typ, c.element, c.scrollX, c.scrollY, c.form,
		c.inputText, c.inputMasked, c.page, c.customType, c.customValue, c.pageURL)
}

// AuditColumns accumulates audit events as the insert columns of TableAudit. The zero
// value is empty and ready to use; Reset empties it for the next batch and keeps the
// memory.
type AuditColumns struct {
	eventID                                          []uuid.UUID
	tenant, user                                     []string
	millis                                           []int64
	typ, operation                                   []int8
	callID, customerID, sessionID, status, messageID []string
	roleName, targetUserID, dataJSON                 []string
	permissions, joinedAgents, tags                  [][]string
	legacy                                           legacyTime
}

// Reset empties the builder, keeping its capacity. It drops the references to the
// appended events' strings and slices so that they can be collected.
func (c *AuditColumns) Reset() {
	c.eventID, c.tenant, c.user, c.millis = reset(c.eventID), reset(c.tenant), reset(c.user), reset(c.millis)
	c.typ, c.operation = reset(c.typ), reset(c.operation)
	c.callID, c.customerID, c.sessionID = reset(c.callID), reset(c.customerID), reset(c.sessionID)
	c.status, c.messageID, c.roleName = reset(c.status), reset(c.messageID), reset(c.roleName)
	c.targetUserID, c.dataJSON = reset(c.targetUserID), reset(c.dataJSON)
	c.permissions, c.joinedAgents, c.tags = reset(c.permissions), reset(c.joinedAgents), reset(c.tags)
}

// Len returns the number of rows.
func (c *AuditColumns) Len() int { return len(c.eventID) }

// Append adds e as one row; the payload matching e.Type fills its columns, the others
// stay empty. The row refers to e's strings and slices (it does not copy them) but not
// to e.
func (c *AuditColumns) Append(e *event.Audit) {
	var (
		callID, customerID, sessionID, status, messageID string
		roleName, targetUserID, dataJSON                 string
		op                                               int8
		permissions, joined, tags                        []string
	)
	switch {
	case e.StartCall != nil:
		callID, customerID = e.StartCall.CallID, e.StartCall.CustomerID
	case e.MessengerSend != nil:
		customerID = e.MessengerSend.CustomerID
	case e.LiveView != nil:
		sessionID = e.LiveView.SessionID
	case e.StatusChange != nil:
		customerID, status, messageID = e.StatusChange.CustomerID, e.StatusChange.Status, e.StatusChange.MessageID
	case e.RoleChange != nil:
		roleName, targetUserID = e.RoleChange.RoleName, e.RoleChange.TargetUserID
	case e.PermissionChange != nil:
		roleName, permissions = e.PermissionChange.RoleName, e.PermissionChange.Permissions
	case e.PluginChange != nil:
		dataJSON = e.PluginChange.JSON
	case e.SettingsChange != nil:
		dataJSON = e.SettingsChange.JSON
	case e.MeetingChange != nil:
		op, dataJSON = operationCode(e.MeetingChange.Operation), e.MeetingChange.ConferenceJSON
	case e.ConferenceAgent != nil:
		callID, customerID = e.ConferenceAgent.CallID, e.ConferenceAgent.CustomerID
	case e.ConferenceRecording != nil:
		r := e.ConferenceRecording
		callID, customerID, joined, tags = r.CallID, r.CustomerID, r.JoinedAgents, r.Tags
	}
	c.eventID = append(c.eventID, uuid.UUID(e.EventID))
	c.tenant = append(c.tenant, e.TenantID)
	c.user = append(c.user, e.TenantUserID)
	c.millis = append(c.millis, e.Time.UnixMilli())
	c.typ = append(c.typ, auditTypeCode(e.Type))
	c.callID = append(c.callID, callID)
	c.customerID = append(c.customerID, customerID)
	c.sessionID = append(c.sessionID, sessionID)
	c.status = append(c.status, status)
	c.messageID = append(c.messageID, messageID)
	c.roleName = append(c.roleName, roleName)
	c.targetUserID = append(c.targetUserID, targetUserID)
	c.permissions = append(c.permissions, nonNil(permissions))
	c.dataJSON = append(c.dataJSON, dataJSON)
	c.operation = append(c.operation, op)
	c.joinedAgents = append(c.joinedAgents, nonNil(joined))
	c.tags = append(c.tags, nonNil(tags))
}

// nonNil turns a missing array into an empty one, which every driver version encodes as [].
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Filter keeps the rows i with keep[i] (len(keep) must be Len()), in order, and drops
// the others.
func (c *AuditColumns) Filter(keep []bool) {
	c.eventID, c.tenant, c.user = filter(c.eventID, keep), filter(c.tenant, keep), filter(c.user, keep)
	c.millis, c.typ, c.operation = filter(c.millis, keep), filter(c.typ, keep), filter(c.operation, keep)
	c.callID, c.customerID = filter(c.callID, keep), filter(c.customerID, keep)
	c.sessionID, c.status = filter(c.sessionID, keep), filter(c.status, keep)
	c.messageID, c.roleName = filter(c.messageID, keep), filter(c.roleName, keep)
	c.targetUserID, c.dataJSON = filter(c.targetUserID, keep), filter(c.dataJSON, keep)
	c.permissions, c.joinedAgents = filter(c.permissions, keep), filter(c.joinedAgents, keep)
	c.tags = filter(c.tags, keep)
}

// EventIDs returns the event_id column. It aliases the builder.
func (c *AuditColumns) EventIDs() []uuid.UUID { return c.eventID }

// EventMillis returns each row's event time in Unix milliseconds. It aliases the builder.
func (c *AuditColumns) EventMillis() []int64 { return c.millis }

// Columns returns one slice per column of InsertColumns(p, TableAudit), in that order,
// ready for batch.Column(i).Append; nil for an invalid profile. The slices alias the
// builder until its next Reset, Append, Filter or Columns call.
func (c *AuditColumns) Columns(p Profile) []any {
	if !p.valid() {
		return nil
	}
	cols := make([]any, 0, len(auditColumns)+1)
	cols = append(cols, c.eventID, c.tenant, c.user)
	if p == Legacy {
		c.legacy.split(c.millis)
		cols = append(cols, c.legacy.secs, c.legacy.ms)
	} else {
		cols = append(cols, c.millis)
	}
	return append(cols, c.typ, c.callID, c.customerID, c.sessionID, c.status, c.messageID,
		c.roleName, c.targetUserID, c.permissions, c.dataJSON, c.operation, c.joinedAgents, c.tags)
}
