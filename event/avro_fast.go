package event

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// This file is the hand-written Avro binary codec for the newest schema of each
// category (audit v1, cobrowse v2): the encode path and the decode path for records
// written with exactly that schema. It is used only while the parsed reader schema's
// canonical fingerprint equals the one it was written for (fastAuditFingerprint,
// fastCobrowseFingerprint); otherwise the codec falls back to hamba for everything.
// Tests check it byte for byte against hamba and against the Java implementation.

// The canonical-form SHA-256 fingerprints of the schemas this file implements.
// A schema change makes TestFastCodecFingerprints fail: update the code below and
// these constants together.
const (
	fastAuditFingerprint    = "bc57ef433d537d25101f8108d055289423ab915e4bda94be954a8dbe55f21b41"
	fastCobrowseFingerprint = "e31b08ea5202c58833488726c19461e8a06a5c67d44313f022e4ef5df4c1ae09"
)

// Union branch indexes of the audit payload (0 is null).
const (
	auditBranchStartCall = iota + 1
	auditBranchMessengerSend
	auditBranchLiveView
	auditBranchStatusChange
	auditBranchRoleChange
	auditBranchPermissionChange
	auditBranchPluginChange
	auditBranchSettingsChange
	auditBranchMeetingChange
	auditBranchConferenceAgent
	auditBranchConferenceRecording
)

// Union branch indexes of the co-browsing payload (0 is null).
const (
	cobrowseBranchClick = iota + 1
	cobrowseBranchScroll
	cobrowseBranchForm
	cobrowseBranchInput
	cobrowseBranchPageChange
	cobrowseBranchCustomEvent
)

func appendLong(b []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63) // zigzag
	for u >= 0x80 {
		b = append(b, byte(u)|0x80)
		u >>= 7
	}
	return append(b, byte(u))
}

func appendString(b []byte, s string) []byte {
	b = appendLong(b, int64(len(s)))
	return append(b, s...)
}

func appendStrings(b []byte, l []string) []byte {
	if len(l) > 0 {
		b = appendLong(b, int64(len(l)))
		for _, s := range l {
			b = appendString(b, s)
		}
	}
	return append(b, 0) // end of blocks
}

// appendAuditFast appends the Avro body of a valid event (Validate passed).
func appendAuditFast(b []byte, e *Audit) []byte {
	b = append(b, e.EventID[:]...)
	b = appendString(b, e.TenantID)
	b = appendString(b, e.TenantUserID)
	b = appendLong(b, e.Time.UnixMilli())
	b = appendLong(b, int64(e.Type.index()))
	switch e.Type {
	case StartCall:
		b = appendLong(b, auditBranchStartCall)
		b = appendString(b, e.StartCall.CallID)
		b = appendString(b, e.StartCall.CustomerID)
	case MessengerSend:
		b = appendLong(b, auditBranchMessengerSend)
		b = appendString(b, e.MessengerSend.CustomerID)
	case LiveView:
		b = appendLong(b, auditBranchLiveView)
		b = appendString(b, e.LiveView.SessionID)
	case StatusChange:
		b = appendLong(b, auditBranchStatusChange)
		b = appendString(b, e.StatusChange.CustomerID)
		b = appendString(b, e.StatusChange.Status)
		b = appendString(b, e.StatusChange.MessageID)
	case RoleChange:
		b = appendLong(b, auditBranchRoleChange)
		b = appendString(b, e.RoleChange.RoleName)
		b = appendString(b, e.RoleChange.TargetUserID)
	case PermissionChange:
		b = appendLong(b, auditBranchPermissionChange)
		b = appendString(b, e.PermissionChange.RoleName)
		b = appendStrings(b, e.PermissionChange.Permissions)
	case PluginChange:
		b = appendLong(b, auditBranchPluginChange)
		b = appendString(b, e.PluginChange.JSON)
	case SettingsChange:
		b = appendLong(b, auditBranchSettingsChange)
		b = appendString(b, e.SettingsChange.JSON)
	case MeetingChange:
		b = appendLong(b, auditBranchMeetingChange)
		b = appendLong(b, int64(e.MeetingChange.Operation.index()))
		b = appendString(b, e.MeetingChange.ConferenceJSON)
	case ConferenceAgent:
		b = appendLong(b, auditBranchConferenceAgent)
		b = appendString(b, e.ConferenceAgent.CallID)
		b = appendString(b, e.ConferenceAgent.CustomerID)
	case ConferenceRecording:
		r := e.ConferenceRecording
		b = appendLong(b, auditBranchConferenceRecording)
		b = appendString(b, r.CallID)
		b = appendString(b, r.CustomerID)
		b = appendStrings(b, r.JoinedAgents)
		b = appendStrings(b, r.Tags)
	default: // LOGGED_IN, ONLINE_STATUS_*: null
		b = append(b, 0)
	}
	return b
}

// appendCobrowseFast appends the Avro body (schema v2) of a valid event.
func appendCobrowseFast(b []byte, e *Cobrowse) []byte {
	b = append(b, e.EventID[:]...)
	b = appendString(b, e.TenantID)
	b = appendString(b, e.SessionID)
	b = appendLong(b, e.Seq)
	b = appendLong(b, int64(e.Actor.index()))
	b = appendLong(b, e.Time.UnixMilli())
	b = appendLong(b, int64(e.Type.index()))
	switch e.Type {
	case Click:
		b = appendLong(b, cobrowseBranchClick)
		b = appendString(b, e.Click.Element)
	case Scroll:
		b = appendLong(b, cobrowseBranchScroll)
		b = appendString(b, e.Scroll.Element)
		b = appendLong(b, e.Scroll.X)
		b = appendLong(b, e.Scroll.Y)
	case Form:
		b = appendLong(b, cobrowseBranchForm)
		b = appendString(b, e.Form.Form)
	case Input:
		b = appendLong(b, cobrowseBranchInput)
		b = appendString(b, e.Input.Element)
		b = appendString(b, e.Input.Text)
		if e.Input.Masked {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	case PageChange:
		b = appendLong(b, cobrowseBranchPageChange)
		b = appendString(b, e.PageChange.Page)
	case CustomEvent:
		b = appendLong(b, cobrowseBranchCustomEvent)
		b = appendString(b, e.CustomEvent.EventType)
		b = appendString(b, e.CustomEvent.Value)
	default: // SELECTION: null
		b = append(b, 0)
	}
	if e.PageURL == "" {
		return append(b, 0)
	}
	b = append(b, 2) // branch 1 (string), zigzag-encoded
	return appendString(b, e.PageURL)
}

var errShort = errors.New("unexpected end of data")

// decoder reads Avro binary from b. Strings are substrings of s, one copy of the
// whole body made up front, so a decoded event costs one allocation for all of its
// strings (the event keeps the body alive while any of its strings is referenced).
// Every length is checked against the bytes left before anything is allocated, so
// hostile input cannot make it allocate more than a small multiple of its size.
type decoder struct {
	s   string
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: at byte %d: "+format, append([]any{ErrMalformed, d.off}, args...)...)
	}
}

func (d *decoder) long() int64 {
	var u uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if d.off >= len(d.s) {
			d.fail("%v", errShort)
			return 0
		}
		c := d.s[d.off]
		d.off++
		if shift == 63 && c > 1 {
			break
		}
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int64(u>>1) ^ -int64(u&1)
		}
	}
	d.fail("varint overflows a long")
	return 0
}

// index reads a long that must be in [0, n).
func (d *decoder) index(what string, n int) int {
	v := d.long()
	if d.err != nil {
		return 0 // keeps table lookups in range after an earlier error
	}
	if v < 0 || v >= int64(n) {
		d.fail("%s index %d out of range [0, %d)", what, v, n)
		return 0
	}
	return int(v)
}

func (d *decoder) str() string {
	n := d.long()
	if d.err != nil {
		return ""
	}
	if n < 0 || n > int64(len(d.s)-d.off) {
		d.fail("string length %d, %d bytes left", n, len(d.s)-d.off)
		return ""
	}
	s := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

func (d *decoder) boolean() bool {
	if d.off >= len(d.s) {
		d.fail("%v", errShort)
		return false
	}
	c := d.s[d.off]
	d.off++
	if c > 1 {
		d.fail("boolean byte %d", c)
	}
	return c == 1
}

func (d *decoder) fixed16(id *ID) {
	if len(d.s)-d.off < 16 {
		d.fail("%v", errShort)
		return
	}
	copy(id[:], d.s[d.off:])
	d.off += 16
}

// strs reads an array of strings: blocks of count (a negative count is followed by
// the block's byte size) until a zero count. Returns nil for an empty array.
func (d *decoder) strs() []string {
	var out []string
	for d.err == nil {
		n := d.long()
		if n == 0 || d.err != nil {
			break
		}
		if n < 0 {
			if n == math.MinInt64 {
				d.fail("array block count overflows")
				break
			}
			n = -n
			d.long() // block size in bytes, not needed
		}
		// Each string takes at least one byte: a count beyond the bytes left is hostile.
		if n > int64(len(d.s)-d.off) || int64(len(out))+n > MaxListLen {
			d.fail("array block of %d items, %d bytes left", n, len(d.s)-d.off)
			break
		}
		if out == nil {
			out = make([]string, 0, n)
		}
		for i := int64(0); i < n && d.err == nil; i++ {
			out = append(out, d.str())
		}
	}
	return out
}

func (d *decoder) end() error {
	if d.err == nil && d.off != len(d.s) {
		d.fail("%d trailing bytes", len(d.s)-d.off)
	}
	return d.err
}

func (d *decoder) millis() time.Time { return time.UnixMilli(d.long()).UTC() }

// decodeAuditFast decodes an Avro body written with the newest audit schema into e,
// which it resets first.
func decodeAuditFast(body []byte, e *Audit) error {
	d := decoder{s: string(body)}
	*e = Audit{}
	d.fixed16(&e.EventID)
	e.TenantID = d.str()
	e.TenantUserID = d.str()
	e.Time = d.millis()
	e.Type = auditTypes[d.index("type", len(auditTypes))]
	switch d.index("payload", auditBranchConferenceRecording+1) {
	case auditBranchStartCall:
		e.StartCall = &CallData{CallID: d.str(), CustomerID: d.str()}
	case auditBranchMessengerSend:
		e.MessengerSend = &MessengerSendData{CustomerID: d.str()}
	case auditBranchLiveView:
		e.LiveView = &LiveViewData{SessionID: d.str()}
	case auditBranchStatusChange:
		e.StatusChange = &StatusChangeData{CustomerID: d.str(), Status: d.str(), MessageID: d.str()}
	case auditBranchRoleChange:
		e.RoleChange = &RoleChangeData{RoleName: d.str(), TargetUserID: d.str()}
	case auditBranchPermissionChange:
		e.PermissionChange = &PermissionChangeData{RoleName: d.str(), Permissions: d.strs()}
	case auditBranchPluginChange:
		e.PluginChange = &ConfigData{JSON: d.str()}
	case auditBranchSettingsChange:
		e.SettingsChange = &ConfigData{JSON: d.str()}
	case auditBranchMeetingChange:
		e.MeetingChange = &MeetingChangeData{
			Operation:      meetingOperations[d.index("operation", len(meetingOperations))],
			ConferenceJSON: d.str(),
		}
	case auditBranchConferenceAgent:
		e.ConferenceAgent = &CallData{CallID: d.str(), CustomerID: d.str()}
	case auditBranchConferenceRecording:
		e.ConferenceRecording = &RecordingData{CallID: d.str(), CustomerID: d.str(), JoinedAgents: d.strs(), Tags: d.strs()}
	}
	if err := d.end(); err != nil {
		*e = Audit{}
		return err
	}
	return nil
}

// decodeCobrowseFast decodes an Avro body written with the newest co-browsing schema
// into e, which it resets first.
func decodeCobrowseFast(body []byte, e *Cobrowse) error {
	d := decoder{s: string(body)}
	*e = Cobrowse{}
	d.fixed16(&e.EventID)
	e.TenantID = d.str()
	e.SessionID = d.str()
	e.Seq = d.long()
	e.Actor = actors[d.index("actor", len(actors))]
	e.Time = d.millis()
	e.Type = cobrowseTypes[d.index("type", len(cobrowseTypes))]
	switch d.index("payload", cobrowseBranchCustomEvent+1) {
	case cobrowseBranchClick:
		e.Click = &ElementData{Element: d.str()}
	case cobrowseBranchScroll:
		e.Scroll = &ScrollData{Element: d.str(), X: d.long(), Y: d.long()}
	case cobrowseBranchForm:
		e.Form = &FormData{Form: d.str()}
	case cobrowseBranchInput:
		e.Input = &InputData{Element: d.str(), Text: d.str(), Masked: d.boolean()}
	case cobrowseBranchPageChange:
		e.PageChange = &PageChangeData{Page: d.str()}
	case cobrowseBranchCustomEvent:
		e.CustomEvent = &CustomEventData{EventType: d.str(), Value: d.str()}
	}
	if d.index("page_url", 2) == 1 {
		e.PageURL = d.str()
	}
	if err := d.end(); err != nil {
		*e = Cobrowse{}
		return err
	}
	return nil
}
