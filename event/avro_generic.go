package event

import (
	"fmt"
	"time"

	"github.com/hamba/avro/v2"
)

// This file is the hamba/avro (reflection) side of the codec: Avro-shaped structs of the
// newest (reader) schemas and their conversion to and from the event model. It decodes
// every writer schema that is not byte-identical to the reader (older versions, via
// hamba's writer→reader resolution) and is the reference the hand-written fast path in
// avro_fast.go is tested against.

// hambaAPI is a private hamba configuration: our own type registry (no global state),
// single-block arrays (the fast encoder writes the same bytes) and decode limits that
// bound what hostile bytes can make it allocate.
var hambaAPI = func() avro.API {
	api := avro.Config{
		DisableBlockSizeHeader: true,
		UnionResolutionError:   true,
		MaxByteSliceSize:       MaxStringLen,
		MaxSliceAllocSize:      MaxListLen,
	}.Freeze()
	for name, v := range map[string]any{
		"io.auditstream.audit.StartCall":           avroCall{},
		"io.auditstream.audit.MessengerSend":       avroMessengerSend{},
		"io.auditstream.audit.LiveView":            avroLiveView{},
		"io.auditstream.audit.StatusChange":        avroStatusChange{},
		"io.auditstream.audit.RoleChange":          avroRoleChange{},
		"io.auditstream.audit.PermissionChange":    avroPermissionChange{},
		"io.auditstream.audit.PluginChange":        avroPluginChange{},
		"io.auditstream.audit.SettingsChange":      avroSettingsChange{},
		"io.auditstream.audit.MeetingChange":       avroMeetingChange{},
		"io.auditstream.audit.ConferenceAgent":     avroConferenceAgent{},
		"io.auditstream.audit.ConferenceRecording": avroRecording{},
		"io.auditstream.cobrowse.Click":            avroClick{},
		"io.auditstream.cobrowse.Scroll":           avroScroll{},
		"io.auditstream.cobrowse.Form":             avroForm{},
		"io.auditstream.cobrowse.Input":            avroInput{},
		"io.auditstream.cobrowse.PageChange":       avroPageChange{},
		"io.auditstream.cobrowse.CustomEvent":      avroCustomEvent{},
	} {
		api.Register(name, v)
	}
	return api
}()

type avroAudit struct {
	EventID      [16]byte `avro:"event_id"`
	TenantID     string   `avro:"tenant_id"`
	TenantUserID string   `avro:"tenant_user_id"`
	OccurredAt   int64    `avro:"occurred_at"`
	Type         string   `avro:"type"`
	Payload      any      `avro:"payload"`
}

type avroCall struct {
	CallID     string `avro:"call_id"`
	CustomerID string `avro:"customer_id"`
}

// Distinct named types per union branch: hamba picks the branch by Go type.
type (
	avroConferenceAgent avroCall
	avroMessengerSend   struct {
		CustomerID string `avro:"customer_id"`
	}
)

type avroLiveView struct {
	SessionID string `avro:"session_id"`
}

type avroStatusChange struct {
	CustomerID string `avro:"customer_id"`
	Status     string `avro:"status"`
	MessageID  string `avro:"message_id"`
}

type avroRoleChange struct {
	RoleName     string `avro:"role_name"`
	TargetUserID string `avro:"target_user_id"`
}

type avroPermissionChange struct {
	RoleName    string   `avro:"role_name"`
	Permissions []string `avro:"permissions"`
}

type avroPluginChange struct {
	ConfigJSON string `avro:"config_json"`
}

type avroSettingsChange avroPluginChange

type avroMeetingChange struct {
	Operation      string `avro:"operation"`
	ConferenceJSON string `avro:"conference_json"`
}

type avroRecording struct {
	CallID       string   `avro:"call_id"`
	CustomerID   string   `avro:"customer_id"`
	JoinedAgents []string `avro:"joined_agents"`
	Tags         []string `avro:"tags"`
}

type avroCobrowse struct {
	EventID    [16]byte `avro:"event_id"`
	TenantID   string   `avro:"tenant_id"`
	SessionID  string   `avro:"session_id"`
	Seq        int64    `avro:"seq"`
	Actor      string   `avro:"actor"`
	OccurredAt int64    `avro:"occurred_at"`
	Type       string   `avro:"type"`
	Payload    any      `avro:"payload"`
	PageURL    *string  `avro:"page_url"`
}

type avroClick struct {
	Element string `avro:"element"`
}

type avroScroll struct {
	Element string `avro:"element"`
	X       int64  `avro:"x"`
	Y       int64  `avro:"y"`
}

type avroForm struct {
	Form string `avro:"form"`
}

type avroInput struct {
	Element string `avro:"element"`
	Text    string `avro:"text"`
	Masked  bool   `avro:"masked"`
}

type avroPageChange struct {
	Page string `avro:"page"`
}

type avroCustomEvent struct {
	EventType string `avro:"event_type"`
	Value     string `avro:"value"`
}

// toAvroAudit converts a valid event to its Avro shape.
func toAvroAudit(e *Audit) *avroAudit {
	a := &avroAudit{
		EventID: e.EventID, TenantID: e.TenantID, TenantUserID: e.TenantUserID,
		OccurredAt: e.Time.UnixMilli(), Type: string(e.Type),
	}
	switch {
	case e.StartCall != nil:
		a.Payload = avroCall{e.StartCall.CallID, e.StartCall.CustomerID}
	case e.MessengerSend != nil:
		a.Payload = avroMessengerSend{e.MessengerSend.CustomerID}
	case e.LiveView != nil:
		a.Payload = avroLiveView{e.LiveView.SessionID}
	case e.StatusChange != nil:
		a.Payload = avroStatusChange{e.StatusChange.CustomerID, e.StatusChange.Status, e.StatusChange.MessageID}
	case e.RoleChange != nil:
		a.Payload = avroRoleChange{e.RoleChange.RoleName, e.RoleChange.TargetUserID}
	case e.PermissionChange != nil:
		a.Payload = avroPermissionChange{e.PermissionChange.RoleName, nonNil(e.PermissionChange.Permissions)}
	case e.PluginChange != nil:
		a.Payload = avroPluginChange{e.PluginChange.JSON}
	case e.SettingsChange != nil:
		a.Payload = avroSettingsChange{e.SettingsChange.JSON}
	case e.MeetingChange != nil:
		a.Payload = avroMeetingChange{string(e.MeetingChange.Operation), e.MeetingChange.ConferenceJSON}
	case e.ConferenceAgent != nil:
		a.Payload = avroConferenceAgent{e.ConferenceAgent.CallID, e.ConferenceAgent.CustomerID}
	case e.ConferenceRecording != nil:
		r := e.ConferenceRecording
		a.Payload = avroRecording{r.CallID, r.CustomerID, nonNil(r.JoinedAgents), nonNil(r.Tags)}
	}
	return a
}

// fromAvroAudit fills e (reset first) from its Avro shape. Lists come back non-nil
// only when they have items, as from the fast decoder.
func fromAvroAudit(a *avroAudit, e *Audit) error {
	*e = Audit{
		EventID: a.EventID, TenantID: a.TenantID, TenantUserID: a.TenantUserID,
		Time: time.UnixMilli(a.OccurredAt).UTC(), Type: AuditType(a.Type),
	}
	if !e.Type.Known() {
		e.Type = AuditUnknown // resolution maps unknown symbols to the default already
	}
	switch p := a.Payload.(type) {
	case nil:
	case avroCall:
		e.StartCall = &CallData{p.CallID, p.CustomerID}
	case avroMessengerSend:
		e.MessengerSend = &MessengerSendData{p.CustomerID}
	case avroLiveView:
		e.LiveView = &LiveViewData{p.SessionID}
	case avroStatusChange:
		e.StatusChange = &StatusChangeData{p.CustomerID, p.Status, p.MessageID}
	case avroRoleChange:
		e.RoleChange = &RoleChangeData{p.RoleName, p.TargetUserID}
	case avroPermissionChange:
		e.PermissionChange = &PermissionChangeData{p.RoleName, nilIfEmpty(p.Permissions)}
	case avroPluginChange:
		e.PluginChange = &ConfigData{p.ConfigJSON}
	case avroSettingsChange:
		e.SettingsChange = &ConfigData{p.ConfigJSON}
	case avroMeetingChange:
		op := MeetingOperation(p.Operation)
		if op.index() < 0 {
			op = MeetingOperationUnknown
		}
		e.MeetingChange = &MeetingChangeData{op, p.ConferenceJSON}
	case avroConferenceAgent:
		e.ConferenceAgent = &CallData{p.CallID, p.CustomerID}
	case avroRecording:
		e.ConferenceRecording = &RecordingData{p.CallID, p.CustomerID, nilIfEmpty(p.JoinedAgents), nilIfEmpty(p.Tags)}
	default:
		return fmt.Errorf("%w: unexpected audit payload %T", ErrMalformed, p)
	}
	return nil
}

func toAvroCobrowse(e *Cobrowse) *avroCobrowse {
	a := &avroCobrowse{
		EventID: e.EventID, TenantID: e.TenantID, SessionID: e.SessionID, Seq: e.Seq,
		Actor: string(e.Actor), OccurredAt: e.Time.UnixMilli(), Type: e.Type.AvroSymbol(),
	}
	if e.PageURL != "" {
		a.PageURL = &e.PageURL
	}
	switch {
	case e.Click != nil:
		a.Payload = avroClick{e.Click.Element}
	case e.Scroll != nil:
		a.Payload = avroScroll{e.Scroll.Element, e.Scroll.X, e.Scroll.Y}
	case e.Form != nil:
		a.Payload = avroForm{e.Form.Form}
	case e.Input != nil:
		a.Payload = avroInput{e.Input.Element, e.Input.Text, e.Input.Masked}
	case e.PageChange != nil:
		a.Payload = avroPageChange{e.PageChange.Page}
	case e.CustomEvent != nil:
		a.Payload = avroCustomEvent{e.CustomEvent.EventType, e.CustomEvent.Value}
	}
	return a
}

func fromAvroCobrowse(a *avroCobrowse, e *Cobrowse) error {
	*e = Cobrowse{
		EventID: a.EventID, TenantID: a.TenantID, SessionID: a.SessionID, Seq: a.Seq,
		Time: time.UnixMilli(a.OccurredAt).UTC(), Actor: Actor(a.Actor), Type: CobrowseType(a.Type),
	}
	if a.Type == "PAGE_CHANGE" {
		e.Type = PageChange
	}
	if !e.Type.Known() {
		e.Type = CobrowseUnknown
	}
	if e.Actor.index() < 0 {
		e.Actor = ActorUnknown
	}
	if a.PageURL != nil {
		e.PageURL = *a.PageURL
	}
	switch p := a.Payload.(type) {
	case nil:
	case avroClick:
		e.Click = &ElementData{p.Element}
	case avroScroll:
		e.Scroll = &ScrollData{p.Element, p.X, p.Y}
	case avroForm:
		e.Form = &FormData{p.Form}
	case avroInput:
		e.Input = &InputData{p.Element, p.Text, p.Masked}
	case avroPageChange:
		e.PageChange = &PageChangeData{p.Page}
	case avroCustomEvent:
		e.CustomEvent = &CustomEventData{p.EventType, p.Value}
	default:
		return fmt.Errorf("%w: unexpected cobrowse payload %T", ErrMalformed, p)
	}
	return nil
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func nilIfEmpty(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}
