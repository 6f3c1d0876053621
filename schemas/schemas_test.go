package schemas

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
)

func TestSchemasParseAndAreConsistent(t *testing.T) {
	files, err := filepath.Glob("*.avsc")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(All()) {
		t.Fatalf("%d .avsc files in the directory, %d listed in all: list every file", len(files), len(All()))
	}
	recordName := map[Category]string{Audit: "io.auditstream.audit.AuditEvent", Cobrowse: "io.auditstream.cobrowse.CobrowseEvent"}
	seenID := map[int]string{}
	for _, c := range Categories() {
		for i, s := range Versions(c) {
			if s.Version != i+1 {
				t.Errorf("%s: version %d at position %d: versions must be 1, 2, ... without gaps", s.File, s.Version, i)
			}
			if want := fmt.Sprintf("%s.v%d.avsc", c, s.Version); s.File != want {
				t.Errorf("file %s, want %s", s.File, want)
			}
			if prev, dup := seenID[s.ID]; dup || s.ID <= 0 {
				t.Errorf("%s: static ID %d invalid or already used by %s", s.File, s.ID, prev)
			}
			seenID[s.ID] = s.File
			disk, err := os.ReadFile(s.File)
			if err != nil || string(disk) != s.Text {
				t.Errorf("%s: embedded text differs from the file (err %v)", s.File, err)
			}
			p, err := s.Parse()
			if err != nil {
				t.Fatalf("%s: %v", s.File, err)
			}
			rec, ok := p.(*avro.RecordSchema)
			if !ok || rec.FullName() != recordName[c] {
				t.Errorf("%s: top-level type %s, want record %s (the name must never change)", s.File, p.Type(), recordName[c])
			}
		}
	}
	for id, want := range map[int]string{AuditV1ID: "audit.v1.avsc", CobrowseV1ID: "cobrowse.v1.avsc", CobrowseV2ID: "cobrowse.v2.avsc"} {
		if s, ok := ByID(id); !ok || s.File != want {
			t.Errorf("ByID(%d) = %q, %v; want %s", id, s.File, ok, want)
		}
	}
	if _, ok := ByID(99); ok {
		t.Error("ByID(99) found a schema")
	}
	if Reader(Cobrowse).ID != CobrowseV2ID || Reader(Audit).ID != AuditV1ID {
		t.Errorf("readers: audit %d, cobrowse %d", Reader(Audit).ID, Reader(Cobrowse).ID)
	}
}

// TestEvolutionCompatible is the compatibility gate: every schema version must be
// backward and forward compatible with its predecessor, so producers and consumers can
// be upgraded in any order.
func TestEvolutionCompatible(t *testing.T) {
	for _, c := range Categories() {
		v := Versions(c)
		for i := 1; i < len(v); i++ {
			if err := CheckCompatibility(v[i-1].Text, v[i].Text); err != nil {
				t.Errorf("%s -> %s: %v", v[i-1].File, v[i].File, err)
			}
		}
	}
}

// TestCheckCompatibilityCatchesBreakingChanges proves the gate above can fail: each
// edit of the newest co-browsing schema below breaks one direction of compatibility.
func TestCheckCompatibilityCatchesBreakingChanges(t *testing.T) {
	base := Reader(Cobrowse).Text
	tests := []struct {
		name   string
		edit   func(rec map[string]any)
		breaks string // "" = compatible
	}{
		{"add optional field with default", func(r map[string]any) {
			addField(r, map[string]any{"name": "referrer", "type": []any{"null", "string"}, "default": nil})
		}, ""},
		{"add enum symbol (reader default covers it)", func(r map[string]any) {
			enum := field(r, "type")["type"].(map[string]any)
			enum["symbols"] = append(enum["symbols"].([]any), "HOVER")
		}, ""},
		{"add required field without default", func(r map[string]any) {
			addField(r, map[string]any{"name": "tab_id", "type": "string"})
		}, "backward"},
		{"remove field without default", func(r map[string]any) {
			removeField(r, "session_id")
		}, "forward"},
		{"change field type long to string", func(r map[string]any) {
			field(r, "seq")["type"] = "string"
		}, "backward"},
		{"narrow field type long to int", func(r map[string]any) {
			field(r, "seq")["type"] = "int"
		}, "backward"},
		{"remove enum symbol and the reader default", func(r map[string]any) {
			enum := field(r, "actor")["type"].(map[string]any)
			enum["symbols"] = []any{"UNKNOWN", "AGENT"}
			delete(enum, "default")
		}, "backward"},
		{"remove payload union branch", func(r map[string]any) {
			u := field(r, "payload")["type"].([]any)
			field(r, "payload")["type"] = u[:len(u)-1]
		}, "backward"},
		{"rename the record", func(r map[string]any) {
			r["name"] = "SessionEvent"
		}, "backward"},
		{"resize event_id", func(r map[string]any) {
			field(r, "event_id")["type"].(map[string]any)["size"] = 32
		}, "backward"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec map[string]any
			if err := json.Unmarshal([]byte(base), &rec); err != nil {
				t.Fatal(err)
			}
			tt.edit(rec)
			newer, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckCompatibility(base, string(newer))
			switch {
			case tt.breaks == "" && err != nil:
				t.Fatalf("compatible change rejected: %v", err)
			case tt.breaks != "" && err == nil:
				t.Fatalf("breaking change (%s) not detected", tt.breaks)
			case tt.breaks != "" && !strings.Contains(err.Error(), "not "+tt.breaks+" compatible"):
				t.Fatalf("error %q does not name the %s direction", err, tt.breaks)
			}
		})
	}
}

func TestCheckCompatibilityRejectsInvalidSchemas(t *testing.T) {
	good := Reader(Audit).Text
	for _, pair := range [][2]string{{"{", good}, {good, `{"type":"record"}`}} {
		if err := CheckCompatibility(pair[0], pair[1]); err == nil || !strings.Contains(err.Error(), "parse") {
			t.Errorf("CheckCompatibility accepted an invalid schema: %v", err)
		}
	}
}

func field(rec map[string]any, name string) map[string]any {
	for _, f := range rec["fields"].([]any) {
		if f := f.(map[string]any); f["name"] == name {
			return f
		}
	}
	panic("no field " + name)
}

func addField(rec map[string]any, f map[string]any) {
	rec["fields"] = append(rec["fields"].([]any), f)
}

func removeField(rec map[string]any, name string) {
	var kept []any
	for _, f := range rec["fields"].([]any) {
		if f.(map[string]any)["name"] != name {
			kept = append(kept, f)
		}
	}
	rec["fields"] = kept
}
