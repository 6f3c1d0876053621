package event

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidateSamples(t *testing.T) {
	for _, e := range SampleAudits("tenant-a") {
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", e.Type, err)
		}
	}
	for _, e := range SampleCobrowse("tenant-a", "s") {
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", e.Type, err)
		}
	}
}

func TestValidateAudit(t *testing.T) {
	big := strings.Repeat("x", MaxStringLen+1)
	tests := []struct {
		name  string
		typ   AuditType // sample to start from
		edit  func(e *Audit)
		field string
		rule  string
	}{
		{"missing event_id", LoggedIn, func(e *Audit) { e.EventID = ID{} }, "event_id", RuleRequired},
		{"missing tenant_id", LoggedIn, func(e *Audit) { e.TenantID = "" }, "tenant_id", RuleRequired},
		{"missing tenant_user_id", LoggedIn, func(e *Audit) { e.TenantUserID = "" }, "tenant_user_id", RuleRequired},
		{"tenant_id too long", LoggedIn, func(e *Audit) { e.TenantID = strings.Repeat("t", MaxKeyLen+1) }, "tenant_id", RuleTooLong},
		{"tenant_id not utf8", LoggedIn, func(e *Audit) { e.TenantID = "a\xffb" }, "tenant_id", RuleUTF8},
		{"zero time", LoggedIn, func(e *Audit) { e.Time = time.Time{} }, "occurred_at", RuleRequired},
		{"empty type", LoggedIn, func(e *Audit) { e.Type = "" }, "type", RuleUnknown},
		{"UNKNOWN type", LoggedIn, func(e *Audit) { e.Type = AuditUnknown }, "type", RuleUnknown},
		{"type not in catalogue", LoggedIn, func(e *Audit) { e.Type = "LOGGED_OUT" }, "type", RuleUnknown},
		{"payload missing", StartCall, func(e *Audit) { e.StartCall = nil }, "payload", RuleMismatch},
		{"payload of another type", StartCall, func(e *Audit) { e.StartCall, e.ConferenceAgent = nil, e.StartCall }, "payload", RuleMismatch},
		{"two payloads", StartCall, func(e *Audit) { e.LiveView = &LiveViewData{SessionID: "s"} }, "payload", RuleMismatch},
		{"payload on a type without data", LoggedIn, func(e *Audit) { e.LiveView = &LiveViewData{SessionID: "s"} }, "payload", RuleMismatch},
		{"missing call_id", StartCall, func(e *Audit) { e.StartCall.CallID = "" }, "payload.call_id", RuleRequired},
		{"missing status", StatusChange, func(e *Audit) { e.StatusChange.Status = "" }, "payload.status", RuleRequired},
		{"invalid plugin json", PluginChange, func(e *Audit) { e.PluginChange.JSON = "{enabled:true}" }, "payload.config_json", RuleJSON},
		{"empty settings json", SettingsChange, func(e *Audit) { e.SettingsChange.JSON = "" }, "payload.config_json", RuleRequired},
		{"unknown meeting operation", MeetingChange, func(e *Audit) { e.MeetingChange.Operation = "MOVE" }, "payload.operation", RuleUnknown},
		{"oversize conference json", MeetingChange, func(e *Audit) { e.MeetingChange.ConferenceJSON = `"` + big + `"` }, "payload.conference_json", RuleTooLong},
		{"too many permissions", PermissionChange, func(e *Audit) { e.PermissionChange.Permissions = make([]string, MaxListLen+1) }, "payload.permissions", RuleTooMany},
		{"bad permission item", PermissionChange, func(e *Audit) { e.PermissionChange.Permissions[2] = "\xc3" }, "payload.permissions[2]", RuleUTF8},
		{"oversize tag", ConferenceRecording, func(e *Audit) { e.ConferenceRecording.Tags = []string{"a", big} }, "payload.tags[1]", RuleTooLong},
		{"event too large", ConferenceRecording, func(e *Audit) {
			l := make([]string, 5)
			for i := range l {
				l[i] = big[:MaxStringLen]
			}
			e.ConferenceRecording.JoinedAgents = l
		}, "event", RuleTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleAudit(t, tt.typ)
			tt.edit(&e)
			checkValidation(t, e.Validate(), tt.field, tt.rule)
		})
	}
}

func TestValidateCobrowse(t *testing.T) {
	tests := []struct {
		name  string
		typ   CobrowseType
		edit  func(e *Cobrowse)
		field string
		rule  string
	}{
		{"missing event_id", Click, func(e *Cobrowse) { e.EventID = ID{} }, "event_id", RuleRequired},
		{"missing tenant_id", Click, func(e *Cobrowse) { e.TenantID = "" }, "tenant_id", RuleRequired},
		{"missing session_id", Click, func(e *Cobrowse) { e.SessionID = "" }, "session_id", RuleRequired},
		{"session_id too long", Click, func(e *Cobrowse) { e.SessionID = strings.Repeat("s", MaxKeyLen+1) }, "session_id", RuleTooLong},
		{"negative seq", Click, func(e *Cobrowse) { e.Seq = -1 }, "seq", RuleNegative},
		{"zero time", Click, func(e *Cobrowse) { e.Time = time.Time{} }, "occurred_at", RuleRequired},
		{"UNKNOWN actor", Click, func(e *Cobrowse) { e.Actor = ActorUnknown }, "actor", RuleUnknown},
		{"empty actor", Click, func(e *Cobrowse) { e.Actor = "" }, "actor", RuleUnknown},
		{"UNKNOWN type", Selection, func(e *Cobrowse) { e.Type = CobrowseUnknown }, "type", RuleUnknown},
		{"Avro spelling of PAGE-CHANGE", PageChange, func(e *Cobrowse) { e.Type = "PAGE_CHANGE" }, "type", RuleUnknown},
		{"payload missing", Input, func(e *Cobrowse) { e.Input = nil }, "payload", RuleMismatch},
		{"selection with payload", Selection, func(e *Cobrowse) { e.Click = &ElementData{Element: "a"} }, "payload", RuleMismatch},
		{"payload of another type", Click, func(e *Cobrowse) { e.Form = &FormData{Form: "f"}; e.Click = nil }, "payload", RuleMismatch},
		{"missing element", Click, func(e *Cobrowse) { e.Click.Element = "" }, "payload.element", RuleRequired},
		{"oversize input text", Input, func(e *Cobrowse) { e.Input.Text = strings.Repeat("a", MaxStringLen+1) }, "payload.text", RuleTooLong},
		{"oversize page_url", Click, func(e *Cobrowse) { e.PageURL = strings.Repeat("u", MaxStringLen+1) }, "page_url", RuleTooLong},
		{"custom event without type", CustomEvent, func(e *Cobrowse) { e.CustomEvent.EventType = "" }, "payload.event_type", RuleRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleCobrowse(t, tt.typ)
			tt.edit(&e)
			checkValidation(t, e.Validate(), tt.field, tt.rule)
		})
	}
	// Optional fields may be empty.
	e := sampleCobrowse(t, Scroll)
	e.Scroll.Element, e.PageURL = "", ""
	if err := e.Validate(); err != nil {
		t.Errorf("whole-page scroll without page_url: %v", err)
	}
}

func checkValidation(t *testing.T, err error, field, rule string) {
	t.Helper()
	ve, ok := IsValidation(err)
	if !ok {
		t.Fatalf("err = %v, want a *ValidationError", err)
	}
	if ve.Field != field || ve.Rule != rule {
		t.Fatalf("got field %q rule %q (%v), want field %q rule %q", ve.Field, ve.Rule, err, field, rule)
	}
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), field) {
		t.Fatalf("error %q: not ErrInvalid or does not name the field", err)
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		element, text string
		want          string
		masked        bool
	}{
		{"password", "hunter2", MaskText, true},
		{"input#new-password", "s3cret", MaskText, true},
		{"userPassword", "s3cret", MaskText, true},
		{"USER_PWD", "x", MaskText, true},
		{"cardCvv", "123", MaskText, true},
		{"cc-number", "4111111111111111", MaskText, true},
		{"input#pin", "1234", MaskText, true},
		{"ssn", "078-05-1120", MaskText, true},
		{"clientSecret", "abc", MaskText, true},
		{"api_token", "abc", MaskText, true},
		{"otp", "123456", MaskText, true},
		{"search", "red shoes", "red shoes", false},
		{"spinner", "3", "3", false}, // "pin" only as a word
		{"shipping", "Tokyo", "Tokyo", false},
		{"comment", "my card is 4111 1111 1111 1111 thanks", "my card is **** **** **** **** thanks", true},
		{"comment", "4012-8888-8888-1881", "****-****-****-****", true},
		{"comment", "order 4111111111111112", "order 4111111111111112", false}, // fails Luhn
		{"comment", "call 0312345678", "call 0312345678", false},               // too short
		{"comment", "", "", false},
		{"phone", "tel 378282246310005 / 5555555555554444", "tel *************** / ****************", true},
	}
	for _, tt := range tests {
		t.Run(tt.element+"/"+tt.text, func(t *testing.T) {
			d := InputData{Element: tt.element, Text: tt.text}
			DefaultMasker(&d)
			if d.Text != tt.want || d.Masked != tt.masked {
				t.Fatalf("got %q masked=%v, want %q masked=%v", d.Text, d.Masked, tt.want, tt.masked)
			}
		})
	}
	var m Masker = DefaultMasker
	d := InputData{Element: "password", Text: MaskText + "x", Masked: true}
	m(&d)
	if d.Text != MaskText+"x" {
		t.Error("an already masked input was masked again")
	}
	m(nil) // must not panic
}

func TestID(t *testing.T) {
	before := time.Now().Truncate(time.Millisecond)
	a, b := NewID(), NewID()
	if a == b || a.IsZero() {
		t.Fatal("NewID returned equal or zero IDs")
	}
	if a[6]>>4 != 7 || a[8]>>6 != 2 {
		t.Fatalf("not a UUIDv7: %s", a)
	}
	if a.String() >= b.String() {
		t.Fatalf("IDs do not sort by creation: %s >= %s", a, b)
	}
	if ts := a.Time(); ts.Before(before) || ts.After(time.Now()) {
		t.Fatalf("embedded time %v outside [%v, now]", ts, before)
	}
	p, err := ParseID(a.String())
	if err != nil || p != a {
		t.Fatalf("ParseID(%s) = %s, %v", a, p, err)
	}
	if _, err := ParseID("not-a-uuid"); err == nil {
		t.Fatal("ParseID accepted garbage")
	}
	var u ID
	txt, _ := a.MarshalText()
	if err := u.UnmarshalText(txt); err != nil || u != a {
		t.Fatalf("text round trip: %s %v", u, err)
	}
	if err := u.UnmarshalText([]byte("zz")); err == nil {
		t.Fatal("UnmarshalText accepted garbage")
	}
	// Sample IDs are valid v7 with the sample's time.
	s := SampleAudits("t")[3]
	if !s.EventID.Time().Equal(s.Time) {
		t.Fatalf("sample ID time %v, event time %v", s.EventID.Time(), s.Time)
	}
	if (ID{}).Time() != (time.Time{}) {
		t.Fatal("zero ID has a time")
	}
}
