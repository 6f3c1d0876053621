package chschema

import (
	"time"

	"github.com/google/uuid"

	"github.com/auditstream/auditstream/event"
)

// Enum codes of the DDL's Enum8 columns. A value this build does not know is stored as
// UNKNOWN (0) rather than failing the whole insert.
var (
	actorCodes = map[event.Actor]int8{
		event.ActorUnknown: 0, event.ActorAgent: 1, event.ActorCustomer: 2,
	}
	cobrowseTypeCodes = map[event.CobrowseType]int8{
		event.CobrowseUnknown: 0, event.Click: 1, event.Scroll: 2, event.Form: 3,
		event.Input: 4, event.PageChange: 5, event.Selection: 6, event.CustomEvent: 7,
	}
	auditTypeCodes = map[event.AuditType]int8{
		event.AuditUnknown: 0, event.StartCall: 1, event.MessengerSend: 2, event.LiveView: 3,
		event.LoggedIn: 4, event.OnlineStatusOnline: 5, event.OnlineStatusOffline: 6,
		event.StatusChange: 7, event.RoleChange: 8, event.PermissionChange: 9,
		event.PluginChange: 10, event.SettingsChange: 11, event.MeetingChange: 12,
		event.ConferenceAgent: 13, event.ConferenceRecording: 14,
	}
	operationCodes = map[event.MeetingOperation]int8{
		event.MeetingOperationUnknown: 0, event.MeetingCreateOrUpdate: 1, event.MeetingDelete: 2,
	}
)

// splitTime returns what the event_time column(s) of profile p hold for t: Modern keeps
// the millisecond instant; Legacy stores whole seconds plus the millisecond part.
func splitTime(t time.Time) (sec time.Time, ms uint16) {
	t = t.UTC().Truncate(time.Millisecond)
	sec = t.Truncate(time.Second)
	return sec, uint16(t.Sub(sec) / time.Millisecond)
}

// CobrowseColumns accumulates co-browsing events as columns in the order of
// InsertColumns(p, TableCobrowse). Call Reset before first use.
type CobrowseColumns struct {
	profile                          Profile
	eventID                          []uuid.UUID
	tenant, session                  []string
	seq                              []uint64
	eventTime                        []time.Time
	eventTimeMS                      []uint16
	actor, typ                       []int8
	element, form, inputText, page   []string
	customType, customValue, pageURL []string
	scrollX, scrollY                 []int64
	inputMasked                      []uint8
}

// Reset empties the builder (keeping its capacity) and sets the profile.
func (c *CobrowseColumns) Reset(p Profile) {
	*c = CobrowseColumns{
		profile: p, eventID: c.eventID[:0], tenant: c.tenant[:0], session: c.session[:0],
		seq: c.seq[:0], eventTime: c.eventTime[:0], eventTimeMS: c.eventTimeMS[:0],
		actor: c.actor[:0], typ: c.typ[:0], element: c.element[:0], form: c.form[:0],
		inputText: c.inputText[:0], page: c.page[:0], customType: c.customType[:0],
		customValue: c.customValue[:0], pageURL: c.pageURL[:0], scrollX: c.scrollX[:0],
		scrollY: c.scrollY[:0], inputMasked: c.inputMasked[:0],
	}
}

// Len returns the number of events appended since Reset.
func (c *CobrowseColumns) Len() int { return len(c.eventID) }

// Append adds one event; the payload matching e.Type fills its columns, the rest stay empty.
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
	c.appendTime(e.Time)
	c.actor = append(c.actor, actorCodes[e.Actor])
	c.typ = append(c.typ, cobrowseTypeCodes[e.Type])
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

func (c *CobrowseColumns) appendTime(t time.Time) {
	if c.profile == Legacy {
		sec, ms := splitTime(t)
		c.eventTime = append(c.eventTime, sec)
		c.eventTimeMS = append(c.eventTimeMS, ms)
		return
	}
	c.eventTime = append(c.eventTime, t.UTC().Truncate(time.Millisecond))
}

// Columns returns one slice per column of InsertColumns(p, TableCobrowse), in that order,
// ready for batch.Column(i).Append. The slices alias the builder until the next Reset.
func (c *CobrowseColumns) Columns() []any {
	cols := []any{c.eventID, c.tenant, c.session, c.seq, c.eventTime}
	if c.profile == Legacy {
		cols = append(cols, c.eventTimeMS)
	}
	return append(cols, c.actor, c.typ, c.element, c.scrollX, c.scrollY, c.form,
		c.inputText, c.inputMasked, c.page, c.customType, c.customValue, c.pageURL)
}

// AuditColumns accumulates audit events as columns in the order of
// InsertColumns(p, TableAudit). Call Reset before first use.
type AuditColumns struct {
	profile                                          Profile
	eventID                                          []uuid.UUID
	tenant, user                                     []string
	eventTime                                        []time.Time
	eventTimeMS                                      []uint16
	typ, operation                                   []int8
	callID, customerID, sessionID, status, messageID []string
	roleName, targetUserID, dataJSON                 []string
	permissions, joinedAgents, tags                  [][]string
}

// Reset empties the builder (keeping its capacity) and sets the profile.
func (c *AuditColumns) Reset(p Profile) {
	*c = AuditColumns{
		profile: p, eventID: c.eventID[:0], tenant: c.tenant[:0], user: c.user[:0],
		eventTime: c.eventTime[:0], eventTimeMS: c.eventTimeMS[:0], typ: c.typ[:0],
		operation: c.operation[:0], callID: c.callID[:0], customerID: c.customerID[:0],
		sessionID: c.sessionID[:0], status: c.status[:0], messageID: c.messageID[:0],
		roleName: c.roleName[:0], targetUserID: c.targetUserID[:0], dataJSON: c.dataJSON[:0],
		permissions: c.permissions[:0], joinedAgents: c.joinedAgents[:0], tags: c.tags[:0],
	}
}

// Len returns the number of events appended since Reset.
func (c *AuditColumns) Len() int { return len(c.eventID) }

// Append adds one event; the payload matching e.Type fills its columns, the rest stay empty.
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
		op, dataJSON = operationCodes[e.MeetingChange.Operation], e.MeetingChange.ConferenceJSON
	case e.ConferenceAgent != nil:
		callID, customerID = e.ConferenceAgent.CallID, e.ConferenceAgent.CustomerID
	case e.ConferenceRecording != nil:
		r := e.ConferenceRecording
		callID, customerID, joined, tags = r.CallID, r.CustomerID, r.JoinedAgents, r.Tags
	}
	c.eventID = append(c.eventID, uuid.UUID(e.EventID))
	c.tenant = append(c.tenant, e.TenantID)
	c.user = append(c.user, e.TenantUserID)
	if c.profile == Legacy {
		sec, ms := splitTime(e.Time)
		c.eventTime = append(c.eventTime, sec)
		c.eventTimeMS = append(c.eventTimeMS, ms)
	} else {
		c.eventTime = append(c.eventTime, e.Time.UTC().Truncate(time.Millisecond))
	}
	c.typ = append(c.typ, auditTypeCodes[e.Type])
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

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Columns returns one slice per column of InsertColumns(p, TableAudit), in that order,
// ready for batch.Column(i).Append. The slices alias the builder until the next Reset.
func (c *AuditColumns) Columns() []any {
	cols := []any{c.eventID, c.tenant, c.user, c.eventTime}
	if c.profile == Legacy {
		cols = append(cols, c.eventTimeMS)
	}
	return append(cols, c.typ, c.callID, c.customerID, c.sessionID, c.status, c.messageID,
		c.roleName, c.targetUserID, c.permissions, c.dataJSON, c.operation, c.joinedAgents, c.tags)
}
