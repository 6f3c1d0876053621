package interop_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/schemas"
)

// avroVersion is the Apache Avro Java release the test runs against (pom.xml).
const avroVersion = "1.12.2"

// javaJars returns the directory holding the Avro Java jars, fetching them with Maven
// into $HOME/.cache/auditstream on the first run. It skips the test when java or mvn
// is missing, unless AUDITSTREAM_E2E=1 asks for it to run.
func javaJars(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"java", "mvn"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("AUDITSTREAM_E2E") == "1" {
				t.Fatalf("AUDITSTREAM_E2E=1 but %s is not installed: %v", tool, err)
			}
			t.Skipf("%s not installed (set AUDITSTREAM_E2E=1 to make this a failure)", tool)
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, ".cache", "auditstream", "avro-"+avroVersion)
	if _, err := os.Stat(filepath.Join(dir, "avro-"+avroVersion+".jar")); err == nil {
		return dir
	}
	cmd := exec.Command("mvn", "-q", "-B", "-f", "pom.xml", "dependency:copy-dependencies", "-DoutputDirectory="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fetching Avro Java with Maven: %v\n%s", err, out)
	}
	return dir
}

// runJava runs AvroInterop.java over groups of (writer schema, reader schema, in.bin,
// out.jsonl, out.bin).
func runJava(t *testing.T, jars string, args ...string) {
	t.Helper()
	cmd := exec.Command("java", append([]string{"-cp", filepath.Join(jars, "*"), "AvroInterop.java"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("java: %v\n%s", err, out)
	}
	t.Logf("java: %s", bytes.TrimSpace(out))
}

// TestJavaReadsOurAvro encodes one event of every type with our codec, has Apache Avro
// Java decode the Avro bodies (and, for co-browsing, also resolve them to the v1 reader
// schema), and checks that Java saw exactly our field values: through Java's Avro JSON
// output, and by decoding Java's re-encoded binary with our codec.
func TestJavaReadsOurAvro(t *testing.T) {
	jars := javaJars(t)
	codec, err := event.NewStaticCodec()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	write := func(name string, b []byte) {
		if err := os.WriteFile(path(name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	audits := event.SampleAudits("tenant-ジャパン")
	sessions := event.SampleCobrowse("tenant-ジャパン", "sess-β")
	// Exercise edge values too: an unmasked INPUT, empty optional strings, extremes.
	sessions = append(sessions, event.Cobrowse{
		EventID: event.NewID(), TenantID: "t", SessionID: "s", Seq: 1<<63 - 1, Time: time.UnixMilli(-1).UTC(),
		Actor: event.ActorAgent, Type: event.Scroll, Scroll: &event.ScrollData{X: -1 << 63, Y: 1<<63 - 1},
	})
	var auditBin, cobrowseBin []byte
	for i := range audits {
		f, err := codec.AppendAudit(nil, &audits[i])
		if err != nil {
			t.Fatal(err)
		}
		auditBin = append(auditBin, f[5:]...) // the Avro body, without the Confluent frame
	}
	for i := range sessions {
		f, err := codec.AppendCobrowse(nil, &sessions[i])
		if err != nil {
			t.Fatal(err)
		}
		cobrowseBin = append(cobrowseBin, f[5:]...)
	}
	write("audit.bin", auditBin)
	write("cobrowse.bin", cobrowseBin)
	for _, s := range schemas.All() {
		write(s.File, []byte(s.Text))
	}
	auditSchema := schemas.Reader(schemas.Audit).File
	cobrowseV1, cobrowseV2 := schemas.Versions(schemas.Cobrowse)[0].File, schemas.Reader(schemas.Cobrowse).File

	runJava(t, jars,
		path(auditSchema), path(auditSchema), path("audit.bin"), path("audit.jsonl"), path("audit.java.bin"),
		path(cobrowseV2), path(cobrowseV2), path("cobrowse.bin"), path("cobrowse.jsonl"), path("cobrowse.java.bin"),
		path(cobrowseV2), path(cobrowseV1), path("cobrowse.bin"), path("cobrowse-v1.jsonl"), path("cobrowse-v1.java.bin"),
	)

	t.Run("audit JSON", func(t *testing.T) {
		lines := readLines(t, path("audit.jsonl"))
		if len(lines) != len(audits) {
			t.Fatalf("java printed %d records, want %d", len(lines), len(audits))
		}
		for i, l := range lines {
			got, err := auditFromJava(l)
			if err != nil {
				t.Fatalf("record %d: %v\n%s", i, err, l)
			}
			if !reflect.DeepEqual(got, audits[i]) {
				t.Errorf("%s: java saw\n %+v\nwant\n %+v", audits[i].Type, got, audits[i])
			}
		}
	})
	t.Run("cobrowse JSON", func(t *testing.T) {
		for _, file := range []string{"cobrowse.jsonl", "cobrowse-v1.jsonl"} {
			lines := readLines(t, path(file))
			if len(lines) != len(sessions) {
				t.Fatalf("%s: java printed %d records, want %d", file, len(lines), len(sessions))
			}
			for i, l := range lines {
				got, err := cobrowseFromJava(l)
				if err != nil {
					t.Fatalf("%s record %d: %v\n%s", file, i, err, l)
				}
				want := sessions[i]
				if file == "cobrowse-v1.jsonl" {
					if strings.Contains(l, "page_url") {
						t.Errorf("the v1 reader saw page_url: %s", l)
					}
					want.PageURL = ""
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s %s: java saw\n %+v\nwant\n %+v", file, want.Type, got, want)
				}
			}
		}
	})
	t.Run("Java binary decoded by Go", func(t *testing.T) {
		for i, body := range readFrames(t, path("audit.java.bin")) {
			var got event.Audit
			if err := codec.DecodeAudit(withFrame(schemas.AuditV1ID, body), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, audits[i]) {
				t.Errorf("%s: got %+v", audits[i].Type, got)
			}
		}
		for _, f := range []struct {
			file string
			id   int
		}{{"cobrowse.java.bin", schemas.CobrowseV2ID}, {"cobrowse-v1.java.bin", schemas.CobrowseV1ID}} {
			bodies := readFrames(t, path(f.file))
			if len(bodies) != len(sessions) {
				t.Fatalf("%s: %d records", f.file, len(bodies))
			}
			for i, body := range bodies {
				var got event.Cobrowse
				if err := codec.DecodeCobrowse(withFrame(f.id, body), &got); err != nil {
					t.Fatal(err)
				}
				want := sessions[i]
				if f.id == schemas.CobrowseV1ID {
					want.PageURL = ""
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s %s: got %+v, want %+v", f.file, want.Type, got, want)
				}
			}
		}
	})
}

func readLines(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func readFrames(t *testing.T, file string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 4 {
			t.Fatalf("%s: truncated length", file)
		}
		n := int(binary.BigEndian.Uint32(b))
		if len(b) < 4+n {
			t.Fatalf("%s: truncated record", file)
		}
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	return out
}

func withFrame(id int, body []byte) []byte {
	f := []byte{0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(f[1:], uint32(id))
	return append(f, body...)
}

// The functions below map Avro's JSON encoding (as Java prints it) to the event model,
// independently of the Go codec: fixed as a string of code points 0-255, unions as
// {"full.Name": value} or null, enums as symbols, longs as numbers.

type obj = map[string]any

func parseJSON(line string) (obj, error) {
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	var m obj
	return m, d.Decode(&m)
}

func fixed16(v any) (event.ID, error) {
	var id event.ID
	s, ok := v.(string)
	r := []rune(s)
	if !ok || len(r) != 16 {
		return id, fmt.Errorf("fixed %v is not 16 code points", v)
	}
	for i, c := range r {
		if c > 0xff {
			return id, fmt.Errorf("fixed code point %U", c)
		}
		id[i] = byte(c)
	}
	return id, nil
}

func long(v any) int64 {
	n, _ := v.(json.Number).Int64()
	return n
}

func str(v any) string { s, _ := v.(string); return s }

func strs(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// union returns the branch name (without namespace) and value of a JSON union.
func union(v any) (string, obj) {
	m, ok := v.(obj)
	if !ok {
		return "", nil
	}
	for k, val := range m {
		inner, _ := val.(obj)
		return k[strings.LastIndex(k, ".")+1:], inner
	}
	return "", nil
}

func auditFromJava(line string) (event.Audit, error) {
	m, err := parseJSON(line)
	if err != nil {
		return event.Audit{}, err
	}
	id, err := fixed16(m["event_id"])
	if err != nil {
		return event.Audit{}, err
	}
	e := event.Audit{
		EventID: id, TenantID: str(m["tenant_id"]), TenantUserID: str(m["tenant_user_id"]),
		Time: time.UnixMilli(long(m["occurred_at"])).UTC(), Type: event.AuditType(str(m["type"])),
	}
	name, p := union(m["payload"])
	switch name {
	case "":
	case "StartCall":
		e.StartCall = &event.CallData{CallID: str(p["call_id"]), CustomerID: str(p["customer_id"])}
	case "ConferenceAgent":
		e.ConferenceAgent = &event.CallData{CallID: str(p["call_id"]), CustomerID: str(p["customer_id"])}
	case "MessengerSend":
		e.MessengerSend = &event.MessengerSendData{CustomerID: str(p["customer_id"])}
	case "LiveView":
		e.LiveView = &event.LiveViewData{SessionID: str(p["session_id"])}
	case "StatusChange":
		e.StatusChange = &event.StatusChangeData{CustomerID: str(p["customer_id"]), Status: str(p["status"]), MessageID: str(p["message_id"])}
	case "RoleChange":
		e.RoleChange = &event.RoleChangeData{RoleName: str(p["role_name"]), TargetUserID: str(p["target_user_id"])}
	case "PermissionChange":
		e.PermissionChange = &event.PermissionChangeData{RoleName: str(p["role_name"]), Permissions: strs(p["permissions"])}
	case "PluginChange":
		e.PluginChange = &event.ConfigData{JSON: str(p["config_json"])}
	case "SettingsChange":
		e.SettingsChange = &event.ConfigData{JSON: str(p["config_json"])}
	case "MeetingChange":
		e.MeetingChange = &event.MeetingChangeData{Operation: event.MeetingOperation(str(p["operation"])), ConferenceJSON: str(p["conference_json"])}
	case "ConferenceRecording":
		e.ConferenceRecording = &event.RecordingData{CallID: str(p["call_id"]), CustomerID: str(p["customer_id"]),
			JoinedAgents: strs(p["joined_agents"]), Tags: strs(p["tags"])}
	default:
		return e, fmt.Errorf("unexpected payload branch %q", name)
	}
	return e, nil
}

func cobrowseFromJava(line string) (event.Cobrowse, error) {
	m, err := parseJSON(line)
	if err != nil {
		return event.Cobrowse{}, err
	}
	id, err := fixed16(m["event_id"])
	if err != nil {
		return event.Cobrowse{}, err
	}
	typ := event.CobrowseType(str(m["type"]))
	if typ == "PAGE_CHANGE" {
		typ = event.PageChange
	}
	e := event.Cobrowse{
		EventID: id, TenantID: str(m["tenant_id"]), SessionID: str(m["session_id"]), Seq: long(m["seq"]),
		Time: time.UnixMilli(long(m["occurred_at"])).UTC(), Actor: event.Actor(str(m["actor"])), Type: typ,
	}
	if u, ok := m["page_url"].(obj); ok {
		e.PageURL = str(u["string"])
	}
	name, p := union(m["payload"])
	switch name {
	case "":
	case "Click":
		e.Click = &event.ElementData{Element: str(p["element"])}
	case "Scroll":
		e.Scroll = &event.ScrollData{Element: str(p["element"]), X: long(p["x"]), Y: long(p["y"])}
	case "Form":
		e.Form = &event.FormData{Form: str(p["form"])}
	case "Input":
		e.Input = &event.InputData{Element: str(p["element"]), Text: str(p["text"]), Masked: p["masked"] == true}
	case "PageChange":
		e.PageChange = &event.PageChangeData{Page: str(p["page"])}
	case "CustomEvent":
		e.CustomEvent = &event.CustomEventData{EventType: str(p["event_type"]), Value: str(p["value"])}
	default:
		return e, fmt.Errorf("unexpected payload branch %q", name)
	}
	return e, nil
}
