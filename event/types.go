package event

import (
	"time"
)

// ID is a producer-generated event identifier: a UUIDv7, so IDs sort by creation time
// (which keeps them compressible in ClickHouse) and stay unique across producers.
// It travels as an Avro fixed(16) and is stored as a ClickHouse UUID.
type ID [16]byte

// AuditType is the type of an audit event, spelled as in the event catalogue.
type AuditType string

// The audit event types of the catalogue (docs/events.md, category 1).
const (
	AuditUnknown        AuditType = "UNKNOWN" // a type this build does not know (Avro enum default)
	StartCall           AuditType = "START_CALL"
	MessengerSend       AuditType = "MESSENGER_SEND"
	LiveView            AuditType = "LIVE_VIEW"
	LoggedIn            AuditType = "LOGGED_IN"
	OnlineStatusOnline  AuditType = "ONLINE_STATUS_ONLINE"
	OnlineStatusOffline AuditType = "ONLINE_STATUS_OFFLINE"
	StatusChange        AuditType = "STATUS_CHANGE"
	RoleChange          AuditType = "ROLE_CHANGE"
	PermissionChange    AuditType = "PERMISSION_CHANGE"
	PluginChange        AuditType = "PLUGIN_CHANGE"
	SettingsChange      AuditType = "SETTINGS_CHANGE"
	MeetingChange       AuditType = "MEETING_CHANGE"
	ConferenceAgent     AuditType = "CONFERENCE_AGENT"
	ConferenceRecording AuditType = "CONFERENCE_RECORDING"
)

// CobrowseType is the type of a co-browsing event, spelled as in the event catalogue
// (note "PAGE-CHANGE" with a hyphen; its Avro enum symbol is PAGE_CHANGE).
type CobrowseType string

// The co-browsing event types of the catalogue (category 2).
const (
	CobrowseUnknown CobrowseType = "UNKNOWN" // a type this build does not know (Avro enum default)
	Click           CobrowseType = "CLICK"
	Scroll          CobrowseType = "SCROLL"
	Form            CobrowseType = "FORM"
	Input           CobrowseType = "INPUT"
	PageChange      CobrowseType = "PAGE-CHANGE"
	Selection       CobrowseType = "SELECTION"
	CustomEvent     CobrowseType = "CUSTOM_EVENT"
)

// Actor says who acted in a co-browsing session.
type Actor string

// The actors of a co-browsing event.
const (
	ActorUnknown  Actor = "UNKNOWN"
	ActorAgent    Actor = "AGENT"
	ActorCustomer Actor = "CUSTOMER"
)

// MeetingOperation is what a MEETING_CHANGE did.
type MeetingOperation string

// The operations of a MEETING_CHANGE.
const (
	MeetingOperationUnknown MeetingOperation = "UNKNOWN"
	MeetingCreateOrUpdate   MeetingOperation = "CREATE_OR_UPDATE"
	MeetingDelete           MeetingOperation = "DELETE"
)

// Audit is one general audit event: who (TenantUserID) of which tenant did what (Type), when.
// Exactly one of the payload pointers that matches Type is set; LOGGED_IN,
// ONLINE_STATUS_ONLINE and ONLINE_STATUS_OFFLINE carry no payload.
type Audit struct {
	EventID      ID        // producer-generated UUIDv7
	TenantID     string    // required
	TenantUserID string    // required: who did it
	Time         time.Time // event time, millisecond precision
	Type         AuditType

	StartCall           *CallData             // START_CALL
	MessengerSend       *MessengerSendData    // MESSENGER_SEND
	LiveView            *LiveViewData         // LIVE_VIEW
	StatusChange        *StatusChangeData     // STATUS_CHANGE
	RoleChange          *RoleChangeData       // ROLE_CHANGE
	PermissionChange    *PermissionChangeData // PERMISSION_CHANGE
	PluginChange        *ConfigData           // PLUGIN_CHANGE: the new plugin configuration
	SettingsChange      *ConfigData           // SETTINGS_CHANGE: the new settings configuration
	MeetingChange       *MeetingChangeData    // MEETING_CHANGE
	ConferenceAgent     *CallData             // CONFERENCE_AGENT
	ConferenceRecording *RecordingData        // CONFERENCE_RECORDING
}

// CallData is the data of START_CALL and CONFERENCE_AGENT.
type CallData struct {
	CallID     string
	CustomerID string
}

// MessengerSendData is the data of MESSENGER_SEND.
type MessengerSendData struct{ CustomerID string }

// LiveViewData is the data of LIVE_VIEW: the co-browsing session joined.
type LiveViewData struct{ SessionID string }

// StatusChangeData is the data of STATUS_CHANGE.
type StatusChangeData struct {
	CustomerID string
	Status     string // the new status, e.g. "Done"
	MessageID  string
}

// RoleChangeData is the data of ROLE_CHANGE.
type RoleChangeData struct {
	RoleName     string
	TargetUserID string // the tenant user whose role changed
}

// PermissionChangeData is the data of PERMISSION_CHANGE.
type PermissionChangeData struct {
	RoleName    string
	Permissions []string
}

// ConfigData carries a configuration losslessly as JSON text (PLUGIN_CHANGE, SETTINGS_CHANGE).
type ConfigData struct{ JSON string }

// MeetingChangeData is the data of MEETING_CHANGE.
type MeetingChangeData struct {
	Operation      MeetingOperation
	ConferenceJSON string // the conference data as JSON text
}

// RecordingData is the data of CONFERENCE_RECORDING.
type RecordingData struct {
	CallID       string
	CustomerID   string
	JoinedAgents []string
	Tags         []string
}

// Cobrowse is one co-browsing session event. Seq orders the events of one session.
// Exactly one payload pointer that matches Type is set; SELECTION carries none.
type Cobrowse struct {
	EventID   ID // producer-generated UUIDv7
	TenantID  string
	SessionID string
	Seq       int64 // per-session sequence number, >= 0, increasing
	Time      time.Time
	Actor     Actor
	Type      CobrowseType
	PageURL   string // schema v2: the page the event happened on; optional

	Click       *ElementData     // CLICK
	Scroll      *ScrollData      // SCROLL
	Form        *FormData        // FORM
	Input       *InputData       // INPUT
	PageChange  *PageChangeData  // PAGE-CHANGE
	CustomEvent *CustomEventData // CUSTOM_EVENT
}

// ElementData names the element acted on (its name or id).
type ElementData struct{ Element string }

// ScrollData is the data of SCROLL. An empty Element means the whole page.
type ScrollData struct {
	Element string
	X, Y    int64 // scroll position in pixels
}

// FormData is the data of FORM: the submitted form's name or id.
type FormData struct{ Form string }

// InputData is the data of INPUT. Text is sensitive; Masked says it was masked at the source.
type InputData struct {
	Element string
	Text    string
	Masked  bool
}

// PageChangeData is the data of PAGE-CHANGE.
type PageChangeData struct{ Page string }

// CustomEventData is the data of CUSTOM_EVENT, triggered via the public API.
type CustomEventData struct {
	EventType string
	Value     string
}
