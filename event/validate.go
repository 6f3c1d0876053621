package event

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// Limits enforced by Validate (and therefore by the encoders). They keep one event
// far below Kafka's default 1 MiB record limit and bound what a consumer allocates.
const (
	// MaxKeyLen bounds the identifiers that form the Kafka key and the ClickHouse
	// sorting key: tenant_id, tenant_user_id, session_id.
	MaxKeyLen = 256
	// MaxStringLen bounds every other string field (bytes, not runes), including the
	// JSON configurations and INPUT text.
	MaxStringLen = 64 << 10
	// MaxListLen bounds the items of a list field (permissions, joined_agents, tags).
	MaxListLen = 1024
	// MaxEventSize bounds the sum of all string and list-item lengths of one event.
	MaxEventSize = 256 << 10
)

// The rules a ValidationError names.
const (
	RuleRequired = "required"  // the field is empty or zero
	RuleUnknown  = "unknown"   // the enum value is UNKNOWN or not in the catalogue
	RuleMismatch = "mismatch"  // the payload is missing, set for a type without data, or of another type
	RuleTooLong  = "too-long"  // a string exceeds MaxKeyLen or MaxStringLen
	RuleTooMany  = "too-many"  // a list exceeds MaxListLen
	RuleTooLarge = "too-large" // the event exceeds MaxEventSize
	RuleNegative = "negative"  // a number must be >= 0
	RuleUTF8     = "utf8"      // a string is not valid UTF-8 (Avro strings are UTF-8)
	RuleJSON     = "json"      // a configuration is not valid JSON text
)

// ErrInvalid matches every *ValidationError with errors.Is.
var ErrInvalid = errors.New("event: invalid")

// ValidationError says which field of an event breaks which rule. Field uses the Avro
// schema's field names ("tenant_id", "payload.permissions[2]").
type ValidationError struct {
	Field string // the offending field
	Rule  string // one of the Rule* constants
	Msg   string // detail for people
}

// Error implements error.
func (e *ValidationError) Error() string {
	s := "event: invalid " + e.Field + ": " + e.Rule
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// IsValidation reports whether err is or wraps a *ValidationError, and returns it.
func IsValidation(err error) (*ValidationError, bool) {
	var ve *ValidationError
	ok := errors.As(err, &ve)
	return ve, ok
}

func invalid(field, rule, msg string) error {
	return &ValidationError{Field: field, Rule: rule, Msg: msg}
}

// checker accumulates the event size and stops at the first violation.
type checker struct {
	err  error
	size int
}

func (c *checker) str(field, s string, required bool, limit int) {
	if c.err != nil {
		return
	}
	switch {
	case required && s == "":
		c.err = invalid(field, RuleRequired, "")
	case len(s) > limit:
		c.err = invalid(field, RuleTooLong, strconv.Itoa(len(s))+" bytes > "+strconv.Itoa(limit))
	case !utf8.ValidString(s):
		c.err = invalid(field, RuleUTF8, "")
	}
	c.size += len(s)
}

func (c *checker) json(field, s string) {
	c.str(field, s, true, MaxStringLen)
	if c.err == nil && !json.Valid([]byte(s)) {
		c.err = invalid(field, RuleJSON, "")
	}
}

func (c *checker) list(field string, l []string) {
	if c.err != nil {
		return
	}
	if len(l) > MaxListLen {
		c.err = invalid(field, RuleTooMany, strconv.Itoa(len(l))+" items > "+strconv.Itoa(MaxListLen))
		return
	}
	for i, s := range l {
		if len(s) > MaxStringLen || !utf8.ValidString(s) { // slow path only to name the item
			c.str(field+"["+strconv.Itoa(i)+"]", s, false, MaxStringLen)
			return
		}
		c.size += len(s)
	}
}

func (c *checker) done() error {
	if c.err == nil && c.size > MaxEventSize {
		c.err = invalid("event", RuleTooLarge, strconv.Itoa(c.size)+" bytes > "+strconv.Itoa(MaxEventSize))
	}
	return c.err
}

// Validate checks the event against the contract: required envelope fields, a known
// type, exactly the payload the type carries (none for LOGGED_IN and the two
// ONLINE_STATUS types), valid UTF-8, valid JSON configurations and the size limits.
// It returns the first violation as a *ValidationError. The encoders call it.
func (e *Audit) Validate() error {
	if e.EventID.IsZero() {
		return invalid("event_id", RuleRequired, "")
	}
	var c checker
	c.str("tenant_id", e.TenantID, true, MaxKeyLen)
	c.str("tenant_user_id", e.TenantUserID, true, MaxKeyLen)
	if c.err != nil {
		return c.err
	}
	if e.Time.IsZero() {
		return invalid("occurred_at", RuleRequired, "")
	}
	if !e.Type.Known() {
		return invalid("type", RuleUnknown, strconv.Quote(string(e.Type)))
	}
	if err := e.checkPayloadShape(); err != nil {
		return err
	}
	switch e.Type {
	case StartCall:
		c.str("payload.call_id", e.StartCall.CallID, true, MaxStringLen)
		c.str("payload.customer_id", e.StartCall.CustomerID, true, MaxStringLen)
	case ConferenceAgent:
		c.str("payload.call_id", e.ConferenceAgent.CallID, true, MaxStringLen)
		c.str("payload.customer_id", e.ConferenceAgent.CustomerID, true, MaxStringLen)
	case MessengerSend:
		c.str("payload.customer_id", e.MessengerSend.CustomerID, true, MaxStringLen)
	case LiveView:
		c.str("payload.session_id", e.LiveView.SessionID, true, MaxKeyLen)
	case StatusChange:
		c.str("payload.customer_id", e.StatusChange.CustomerID, true, MaxStringLen)
		c.str("payload.status", e.StatusChange.Status, true, MaxStringLen)
		c.str("payload.message_id", e.StatusChange.MessageID, false, MaxStringLen)
	case RoleChange:
		c.str("payload.role_name", e.RoleChange.RoleName, true, MaxStringLen)
		c.str("payload.target_user_id", e.RoleChange.TargetUserID, true, MaxKeyLen)
	case PermissionChange:
		c.str("payload.role_name", e.PermissionChange.RoleName, true, MaxStringLen)
		c.list("payload.permissions", e.PermissionChange.Permissions)
	case PluginChange:
		c.json("payload.config_json", e.PluginChange.JSON)
	case SettingsChange:
		c.json("payload.config_json", e.SettingsChange.JSON)
	case MeetingChange:
		if e.MeetingChange.Operation.index() <= 0 {
			return invalid("payload.operation", RuleUnknown, strconv.Quote(string(e.MeetingChange.Operation)))
		}
		c.json("payload.conference_json", e.MeetingChange.ConferenceJSON)
	case ConferenceRecording:
		r := e.ConferenceRecording
		c.str("payload.call_id", r.CallID, true, MaxStringLen)
		c.str("payload.customer_id", r.CustomerID, true, MaxStringLen)
		c.list("payload.joined_agents", r.JoinedAgents)
		c.list("payload.tags", r.Tags)
	}
	return c.done()
}

// checkPayloadShape checks that exactly the payload pointer of e.Type is set.
func (e *Audit) checkPayloadShape() error {
	set := 0
	for _, p := range [...]bool{
		e.StartCall != nil, e.MessengerSend != nil, e.LiveView != nil, e.StatusChange != nil,
		e.RoleChange != nil, e.PermissionChange != nil, e.PluginChange != nil, e.SettingsChange != nil,
		e.MeetingChange != nil, e.ConferenceAgent != nil, e.ConferenceRecording != nil,
	} {
		if p {
			set++
		}
	}
	var own bool
	switch e.Type {
	case LoggedIn, OnlineStatusOnline, OnlineStatusOffline:
		if set != 0 {
			return invalid("payload", RuleMismatch, string(e.Type)+" carries no data")
		}
		return nil
	case StartCall:
		own = e.StartCall != nil
	case MessengerSend:
		own = e.MessengerSend != nil
	case LiveView:
		own = e.LiveView != nil
	case StatusChange:
		own = e.StatusChange != nil
	case RoleChange:
		own = e.RoleChange != nil
	case PermissionChange:
		own = e.PermissionChange != nil
	case PluginChange:
		own = e.PluginChange != nil
	case SettingsChange:
		own = e.SettingsChange != nil
	case MeetingChange:
		own = e.MeetingChange != nil
	case ConferenceAgent:
		own = e.ConferenceAgent != nil
	case ConferenceRecording:
		own = e.ConferenceRecording != nil
	}
	if !own {
		return invalid("payload", RuleMismatch, "missing the "+string(e.Type)+" data")
	}
	if set != 1 {
		return invalid("payload", RuleMismatch, "data of another type set besides "+string(e.Type))
	}
	return nil
}

// Validate checks the event against the contract: required envelope fields, seq >= 0,
// a known actor (AGENT or CUSTOMER) and type, exactly the payload the type carries
// (none for SELECTION), valid UTF-8 and the size limits. It returns the first
// violation as a *ValidationError. The encoders call it.
func (e *Cobrowse) Validate() error {
	if e.EventID.IsZero() {
		return invalid("event_id", RuleRequired, "")
	}
	var c checker
	c.str("tenant_id", e.TenantID, true, MaxKeyLen)
	c.str("session_id", e.SessionID, true, MaxKeyLen)
	if c.err != nil {
		return c.err
	}
	if e.Seq < 0 {
		return invalid("seq", RuleNegative, strconv.FormatInt(e.Seq, 10))
	}
	if e.Time.IsZero() {
		return invalid("occurred_at", RuleRequired, "")
	}
	if e.Actor.index() <= 0 {
		return invalid("actor", RuleUnknown, strconv.Quote(string(e.Actor)))
	}
	if !e.Type.Known() {
		return invalid("type", RuleUnknown, strconv.Quote(string(e.Type)))
	}
	if err := e.checkPayloadShape(); err != nil {
		return err
	}
	c.str("page_url", e.PageURL, false, MaxStringLen)
	switch e.Type {
	case Click:
		c.str("payload.element", e.Click.Element, true, MaxStringLen)
	case Scroll:
		c.str("payload.element", e.Scroll.Element, false, MaxStringLen)
	case Form:
		c.str("payload.form", e.Form.Form, true, MaxStringLen)
	case Input:
		c.str("payload.element", e.Input.Element, true, MaxStringLen)
		c.str("payload.text", e.Input.Text, false, MaxStringLen)
	case PageChange:
		c.str("payload.page", e.PageChange.Page, true, MaxStringLen)
	case CustomEvent:
		c.str("payload.event_type", e.CustomEvent.EventType, true, MaxStringLen)
		c.str("payload.value", e.CustomEvent.Value, false, MaxStringLen)
	}
	return c.done()
}

func (e *Cobrowse) checkPayloadShape() error {
	set := 0
	for _, p := range [...]bool{
		e.Click != nil, e.Scroll != nil, e.Form != nil, e.Input != nil, e.PageChange != nil, e.CustomEvent != nil,
	} {
		if p {
			set++
		}
	}
	var own bool
	switch e.Type {
	case Selection:
		if set != 0 {
			return invalid("payload", RuleMismatch, "SELECTION carries no data")
		}
		return nil
	case Click:
		own = e.Click != nil
	case Scroll:
		own = e.Scroll != nil
	case Form:
		own = e.Form != nil
	case Input:
		own = e.Input != nil
	case PageChange:
		own = e.PageChange != nil
	case CustomEvent:
		own = e.CustomEvent != nil
	}
	if !own {
		return invalid("payload", RuleMismatch, "missing the "+string(e.Type)+" data")
	}
	if set != 1 {
		return invalid("payload", RuleMismatch, "data of another type set besides "+string(e.Type))
	}
	return nil
}
