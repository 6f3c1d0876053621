package event

// The tables below give each enum value its Avro symbol index. The order is the
// symbol order of the .avsc files and of the ClickHouse Enum8 codes (UNKNOWN = 0, then
// catalogue order); codec_test checks it against the schemas.

var auditTypes = [...]AuditType{
	AuditUnknown, StartCall, MessengerSend, LiveView, LoggedIn, OnlineStatusOnline,
	OnlineStatusOffline, StatusChange, RoleChange, PermissionChange, PluginChange,
	SettingsChange, MeetingChange, ConferenceAgent, ConferenceRecording,
}

var cobrowseTypes = [...]CobrowseType{
	CobrowseUnknown, Click, Scroll, Form, Input, PageChange, Selection, CustomEvent,
}

var actors = [...]Actor{ActorUnknown, ActorAgent, ActorCustomer}

var meetingOperations = [...]MeetingOperation{MeetingOperationUnknown, MeetingCreateOrUpdate, MeetingDelete}

// AuditTypes returns the 14 audit types of the catalogue, in catalogue order.
func AuditTypes() []AuditType { return append([]AuditType(nil), auditTypes[1:]...) }

// CobrowseTypes returns the 7 co-browsing types of the catalogue, in catalogue order.
func CobrowseTypes() []CobrowseType { return append([]CobrowseType(nil), cobrowseTypes[1:]...) }

// Known reports whether t is one of the catalogue's audit types (not UNKNOWN).
func (t AuditType) Known() bool { return t.index() > 0 }

// Known reports whether t is one of the catalogue's co-browsing types (not UNKNOWN).
func (t CobrowseType) Known() bool { return t.index() > 0 }

// AvroSymbol returns the Avro enum symbol of t: the catalogue spelling, except
// PAGE_CHANGE for "PAGE-CHANGE" (Avro symbols cannot contain '-').
func (t CobrowseType) AvroSymbol() string {
	if t == PageChange {
		return "PAGE_CHANGE"
	}
	return string(t)
}

// index returns the Avro symbol index of t, or -1 if t is not a symbol.
func (t AuditType) index() int {
	switch t {
	case AuditUnknown:
		return 0
	case StartCall:
		return 1
	case MessengerSend:
		return 2
	case LiveView:
		return 3
	case LoggedIn:
		return 4
	case OnlineStatusOnline:
		return 5
	case OnlineStatusOffline:
		return 6
	case StatusChange:
		return 7
	case RoleChange:
		return 8
	case PermissionChange:
		return 9
	case PluginChange:
		return 10
	case SettingsChange:
		return 11
	case MeetingChange:
		return 12
	case ConferenceAgent:
		return 13
	case ConferenceRecording:
		return 14
	}
	return -1
}

func (t CobrowseType) index() int {
	switch t {
	case CobrowseUnknown:
		return 0
	case Click:
		return 1
	case Scroll:
		return 2
	case Form:
		return 3
	case Input:
		return 4
	case PageChange:
		return 5
	case Selection:
		return 6
	case CustomEvent:
		return 7
	}
	return -1
}

func (a Actor) index() int {
	switch a {
	case ActorUnknown:
		return 0
	case ActorAgent:
		return 1
	case ActorCustomer:
		return 2
	}
	return -1
}

func (o MeetingOperation) index() int {
	switch o {
	case MeetingOperationUnknown:
		return 0
	case MeetingCreateOrUpdate:
		return 1
	case MeetingDelete:
		return 2
	}
	return -1
}
