package producer

import (
	"sync/atomic"

	"github.com/auditstream/auditstream/event"
)

// User builds the audit events of one tenant user: one method per audit type of
// the catalogue, each taking that type's data (from the event package) and
// returning an event ready for EmitAudit or EmitAuditSync. EventID and Time
// stay zero, so the emit fills them; set them on the returned event to
// override. A User is a plain value, safe to copy and to share.
//
//	u := producer.User{Tenant: "acme", ID: "agent-7"}
//	err := p.EmitAudit(ctx, u.StartCall(event.CallData{CallID: "c-1", CustomerID: "cust-9"}), nil)
type User struct {
	Tenant string // the tenant ID
	ID     string // the tenant user ID: who did it
}

func (u User) audit(t event.AuditType) *event.Audit {
	return &event.Audit{TenantID: u.Tenant, TenantUserID: u.ID, Type: t}
}

// StartCall builds a START_CALL: a 1:1 audio, video or screen-sharing call started.
func (u User) StartCall(d event.CallData) *event.Audit {
	e := u.audit(event.StartCall)
	e.StartCall = &d
	return e
}

// MessengerSend builds a MESSENGER_SEND: a message was sent via the Live Chat.
func (u User) MessengerSend(d event.MessengerSendData) *event.Audit {
	e := u.audit(event.MessengerSend)
	e.MessengerSend = &d
	return e
}

// LiveView builds a LIVE_VIEW: the user joined a co-browsing session.
func (u User) LiveView(d event.LiveViewData) *event.Audit {
	e := u.audit(event.LiveView)
	e.LiveView = &d
	return e
}

// LoggedIn builds a LOGGED_IN: the user logged in.
func (u User) LoggedIn() *event.Audit { return u.audit(event.LoggedIn) }

// OnlineStatusOnline builds an ONLINE_STATUS_ONLINE: the user pressed "Go online".
func (u User) OnlineStatusOnline() *event.Audit { return u.audit(event.OnlineStatusOnline) }

// OnlineStatusOffline builds an ONLINE_STATUS_OFFLINE: the user pressed "Go offline".
func (u User) OnlineStatusOffline() *event.Audit { return u.audit(event.OnlineStatusOffline) }

// StatusChange builds a STATUS_CHANGE: a chat conversation's status changed.
func (u User) StatusChange(d event.StatusChangeData) *event.Audit {
	e := u.audit(event.StatusChange)
	e.StatusChange = &d
	return e
}

// RoleChange builds a ROLE_CHANGE: the role of a tenant user changed.
func (u User) RoleChange(d event.RoleChangeData) *event.Audit {
	e := u.audit(event.RoleChange)
	e.RoleChange = &d
	return e
}

// PermissionChange builds a PERMISSION_CHANGE: the permissions within a role changed.
func (u User) PermissionChange(d event.PermissionChangeData) *event.Audit {
	e := u.audit(event.PermissionChange)
	e.PermissionChange = &d
	return e
}

// PluginChange builds a PLUGIN_CHANGE carrying the new plugin configuration
// (JSON text).
func (u User) PluginChange(d event.ConfigData) *event.Audit {
	e := u.audit(event.PluginChange)
	e.PluginChange = &d
	return e
}

// SettingsChange builds a SETTINGS_CHANGE carrying the new settings
// configuration (JSON text).
func (u User) SettingsChange(d event.ConfigData) *event.Audit {
	e := u.audit(event.SettingsChange)
	e.SettingsChange = &d
	return e
}

// MeetingChange builds a MEETING_CHANGE: a meeting was created, updated or deleted.
func (u User) MeetingChange(d event.MeetingChangeData) *event.Audit {
	e := u.audit(event.MeetingChange)
	e.MeetingChange = &d
	return e
}

// ConferenceAgent builds a CONFERENCE_AGENT: an agent joined a conference meeting.
func (u User) ConferenceAgent(d event.CallData) *event.Audit {
	e := u.audit(event.ConferenceAgent)
	e.ConferenceAgent = &d
	return e
}

// ConferenceRecording builds a CONFERENCE_RECORDING: recording of a conference started.
func (u User) ConferenceRecording(d event.RecordingData) *event.Audit {
	e := u.audit(event.ConferenceRecording)
	e.ConferenceRecording = &d
	return e
}

// Session builds the events of one co-browsing session and numbers them: each
// method takes the next sequence number (0, 1, 2, ...), then returns an event
// ready for EmitCobrowse or EmitCobrowseSync, with EventID and Time left zero
// for the emit to fill. A Session is safe for concurrent use; numbers are
// unique and increasing in the order of the calls.
//
//	s := producer.NewSession("acme", "sess-42")
//	err := p.EmitCobrowse(ctx, s.Click(event.ActorAgent, event.ElementData{Element: "#checkout"}), nil)
type Session struct {
	tenant, id string
	next       atomic.Int64
}

// NewSession returns a Session whose first event gets sequence number 0.
func NewSession(tenant, sessionID string) *Session { return ResumeSession(tenant, sessionID, 0) }

// ResumeSession returns a Session whose next event gets sequence number next:
// for a service that continues a session another process (or a restart)
// began.
func ResumeSession(tenant, sessionID string, next int64) *Session {
	s := &Session{tenant: tenant, id: sessionID}
	s.next.Store(next)
	return s
}

// Tenant returns the session's tenant ID.
func (s *Session) Tenant() string { return s.tenant }

// ID returns the session ID.
func (s *Session) ID() string { return s.id }

// NextSeq takes and returns the next sequence number; the typed methods call
// it, callers building an event.Cobrowse by hand can too.
func (s *Session) NextSeq() int64 { return s.next.Add(1) - 1 }

func (s *Session) event(a event.Actor, t event.CobrowseType) *event.Cobrowse {
	return &event.Cobrowse{TenantID: s.tenant, SessionID: s.id, Seq: s.NextSeq(), Actor: a, Type: t}
}

// Click builds a CLICK: an element was clicked.
func (s *Session) Click(a event.Actor, d event.ElementData) *event.Cobrowse {
	e := s.event(a, event.Click)
	e.Click = &d
	return e
}

// Scroll builds a SCROLL: a scroll on an element (or the whole page, when
// d.Element is empty) to position d.X, d.Y.
func (s *Session) Scroll(a event.Actor, d event.ScrollData) *event.Cobrowse {
	e := s.event(a, event.Scroll)
	e.Scroll = &d
	return e
}

// Form builds a FORM: a form was submitted.
func (s *Session) Form(a event.Actor, d event.FormData) *event.Cobrowse {
	e := s.event(a, event.Form)
	e.Form = &d
	return e
}

// Input builds an INPUT: text was typed into an element. The emit masks d.Text
// with the producer's Masker before it is encoded.
func (s *Session) Input(a event.Actor, d event.InputData) *event.Cobrowse {
	e := s.event(a, event.Input)
	e.Input = &d
	return e
}

// PageChange builds a PAGE-CHANGE: the page changed.
func (s *Session) PageChange(a event.Actor, d event.PageChangeData) *event.Cobrowse {
	e := s.event(a, event.PageChange)
	e.PageChange = &d
	return e
}

// Selection builds a SELECTION: text or elements were selected.
func (s *Session) Selection(a event.Actor) *event.Cobrowse { return s.event(a, event.Selection) }

// CustomEvent builds a CUSTOM_EVENT triggered via the public API.
func (s *Session) CustomEvent(a event.Actor, d event.CustomEventData) *event.Cobrowse {
	e := s.event(a, event.CustomEvent)
	e.CustomEvent = &d
	return e
}
