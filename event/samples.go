package event

import (
	"time"
)

// sampleEpoch is the fixed time of the first sample event, so fixtures are stable.
var sampleEpoch = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

// sampleID returns a deterministic, valid UUIDv7 for fixture n: the timestamp of the
// fixture, then n, so sample events are reproducible and still sort by time.
func sampleID(t time.Time, tenant string, n int) ID {
	var id ID
	ms := t.UnixMilli()
	for i := 5; i >= 0; i-- {
		id[i] = byte(ms)
		ms >>= 8
	}
	id[6] = 0x70 // version 7
	id[8] = 0x80 // RFC 9562 variant
	h := uint64(14695981039346656037)
	for i := 0; i < len(tenant); i++ {
		h = (h ^ uint64(tenant[i])) * 1099511628211
	}
	for i := 9; i < 14; i++ {
		id[i] = byte(h >> (8 * (i - 9)))
	}
	id[14], id[15] = byte(n>>8), byte(n)
	return id
}

// SampleAudits returns one valid audit event of every type of the catalogue, in
// catalogue order, for tenant, with realistic data and deterministic IDs and times
// (one second apart from 2026-11-25T09:30:00Z). Tests, demos and integration tests
// use them; each call returns fresh values the caller may modify.
func SampleAudits(tenant string) []Audit {
	const user = "user-7f3a"
	out := []Audit{
		{Type: StartCall, StartCall: &CallData{CallID: "call-20261125-0001", CustomerID: "cust-4821"}},
		{Type: MessengerSend, MessengerSend: &MessengerSendData{CustomerID: "cust-4821"}},
		{Type: LiveView, LiveView: &LiveViewData{SessionID: "sess-9c1e2b"}},
		{Type: LoggedIn},
		{Type: OnlineStatusOnline},
		{Type: OnlineStatusOffline},
		{Type: StatusChange, StatusChange: &StatusChangeData{CustomerID: "cust-4821", Status: "Done", MessageID: "msg-000173"}},
		{Type: RoleChange, RoleChange: &RoleChangeData{RoleName: "Supervisor", TargetUserID: "user-0b91"}},
		{Type: PermissionChange, PermissionChange: &PermissionChangeData{
			RoleName: "Agent", Permissions: []string{"chat.read", "chat.write", "cobrowse.join", "calls.start"}}},
		{Type: PluginChange, PluginChange: &ConfigData{
			JSON: `{"plugin":"chat-widget","enabled":true,"position":"bottom-right","greeting":"こんにちは！ご用件をどうぞ"}`}},
		{Type: SettingsChange, SettingsChange: &ConfigData{
			JSON: `{"security":{"mfa_required":true,"session_timeout_min":30,"ip_allowlist":["203.0.113.0/24"]}}`}},
		{Type: MeetingChange, MeetingChange: &MeetingChangeData{
			Operation: MeetingCreateOrUpdate,
			ConferenceJSON: `{"conference_id":"conf-118","title":"Quarterly onboarding review",` +
				`"starts_at":"2026-12-01T10:00:00Z","duration_min":45}`}},
		{Type: ConferenceAgent, ConferenceAgent: &CallData{CallID: "call-20261125-0002", CustomerID: "cust-5530"}},
		{Type: ConferenceRecording, ConferenceRecording: &RecordingData{
			CallID: "call-20261125-0002", CustomerID: "cust-5530",
			JoinedAgents: []string{"user-7f3a", "user-0b91"}, Tags: []string{"onboarding", "vip"}}},
	}
	for i := range out {
		out[i].Time = sampleEpoch.Add(time.Duration(i) * time.Second)
		out[i].EventID = sampleID(out[i].Time, tenant, i)
		out[i].TenantID = tenant
		out[i].TenantUserID = user
	}
	return out
}

// SampleCobrowse returns one valid co-browsing event of every type of the catalogue, in
// catalogue order, for one session: seq 0..6, alternating actors, deterministic IDs and
// times (250 ms apart from 2026-11-25T09:30:00Z). The INPUT event is already masked
// (a card number typed by the customer).
func SampleCobrowse(tenant, session string) []Cobrowse {
	out := []Cobrowse{
		{Type: Click, Actor: ActorCustomer, Click: &ElementData{Element: "button#add-to-cart"}},
		{Type: Scroll, Actor: ActorCustomer, Scroll: &ScrollData{Element: "div.product-list", X: 0, Y: 1840}},
		{Type: Form, Actor: ActorAgent, Form: &FormData{Form: "form#shipping-address"}},
		{Type: Input, Actor: ActorCustomer, Input: &InputData{Element: "input#card-number", Text: MaskText, Masked: true}},
		{Type: PageChange, Actor: ActorCustomer, PageChange: &PageChangeData{Page: "Checkout – お支払い"}},
		{Type: Selection, Actor: ActorAgent},
		{Type: CustomEvent, Actor: ActorAgent, CustomEvent: &CustomEventData{EventType: "coupon_applied", Value: `{"code":"WINTER26","discount_pct":15}`}},
	}
	for i := range out {
		out[i].Time = sampleEpoch.Add(time.Duration(i) * 250 * time.Millisecond)
		out[i].EventID = sampleID(out[i].Time, tenant+"\x00"+session, i)
		out[i].TenantID = tenant
		out[i].SessionID = session
		out[i].Seq = int64(i)
		out[i].PageURL = "https://shop.example.com/checkout?step=" + string(rune('1'+i%3))
	}
	return out
}
