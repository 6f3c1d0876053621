package event

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/auditstream/auditstream/schemas"
)

func staticCodec(t testing.TB) *Codec {
	t.Helper()
	c, err := NewStaticCodec()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sampleAudit(t testing.TB, typ AuditType) Audit {
	t.Helper()
	for _, e := range SampleAudits("tenant-acme") {
		if e.Type == typ {
			return e
		}
	}
	t.Fatalf("no sample audit event of type %s", typ)
	return Audit{}
}

func sampleCobrowse(t testing.TB, typ CobrowseType) Cobrowse {
	t.Helper()
	for _, e := range SampleCobrowse("tenant-acme", "sess-1") {
		if e.Type == typ {
			return e
		}
	}
	t.Fatalf("no sample cobrowse event of type %s", typ)
	return Cobrowse{}
}

// allTypes lists the 21 catalogue types; the round-trip tests run over it.
var allTypes = []struct {
	audit    AuditType
	cobrowse CobrowseType
}{
	{audit: StartCall}, {audit: MessengerSend}, {audit: LiveView}, {audit: LoggedIn},
	{audit: OnlineStatusOnline}, {audit: OnlineStatusOffline}, {audit: StatusChange},
	{audit: RoleChange}, {audit: PermissionChange}, {audit: PluginChange}, {audit: SettingsChange},
	{audit: MeetingChange}, {audit: ConferenceAgent}, {audit: ConferenceRecording},
	{cobrowse: Click}, {cobrowse: Scroll}, {cobrowse: Form}, {cobrowse: Input},
	{cobrowse: PageChange}, {cobrowse: Selection}, {cobrowse: CustomEvent},
}

func TestAllTypesListed(t *testing.T) {
	if len(allTypes) != 21 || len(AuditTypes()) != 14 || len(CobrowseTypes()) != 7 {
		t.Fatalf("%d types in the table, %d audit, %d cobrowse; the catalogue has 21 = 14 + 7",
			len(allTypes), len(AuditTypes()), len(CobrowseTypes()))
	}
	if n := len(SampleAudits("t")) + len(SampleCobrowse("t", "s")); n != 21 {
		t.Fatalf("%d sample events, want one per type (21)", n)
	}
}

// TestRoundTrip encodes one event of every type and decodes it with the fast path, with
// hamba (the reference) and into a struct still holding another event.
func TestRoundTrip(t *testing.T) {
	c := staticCodec(t)
	for _, tt := range allTypes {
		if tt.audit != "" {
			t.Run(string(tt.audit), func(t *testing.T) {
				in := sampleAudit(t, tt.audit)
				frame, err := c.AppendAudit(nil, &in)
				if err != nil {
					t.Fatal(err)
				}
				if id, _ := SchemaID(frame); id != schemas.AuditV1ID {
					t.Fatalf("schema ID %d, want %d", id, schemas.AuditV1ID)
				}
				// The fast encoder writes exactly what hamba writes.
				ref, err := hambaAPI.Marshal(c.readers[schemas.Audit].schema, toAvroAudit(&in))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(frame[5:], ref) {
					t.Fatalf("fast encoding differs from hamba:\n fast  %x\n hamba %x", frame[5:], ref)
				}
				out := sampleAudit(t, ConferenceRecording) // reused struct with other data
				if tt.audit == ConferenceRecording {
					out = sampleAudit(t, LoggedIn)
				}
				if err := c.DecodeAudit(frame, &out); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(in, out) {
					t.Fatalf("fast decode:\n got %+v\nwant %+v", out, in)
				}
				var a avroAudit
				if err := unmarshalHamba(c.readers[schemas.Audit].schema, frame[5:], &a); err != nil {
					t.Fatal(err)
				}
				var viaHamba Audit
				if err := fromAvroAudit(&a, &viaHamba); err != nil || !reflect.DeepEqual(in, viaHamba) {
					t.Fatalf("hamba decode (%v):\n got %+v\nwant %+v", err, viaHamba, in)
				}
			})
			continue
		}
		t.Run(string(tt.cobrowse), func(t *testing.T) {
			in := sampleCobrowse(t, tt.cobrowse)
			frame, err := c.AppendCobrowse(nil, &in)
			if err != nil {
				t.Fatal(err)
			}
			if id, _ := SchemaID(frame); id != schemas.CobrowseV2ID {
				t.Fatalf("schema ID %d, want %d", id, schemas.CobrowseV2ID)
			}
			ref, err := hambaAPI.Marshal(c.readers[schemas.Cobrowse].schema, toAvroCobrowse(&in))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(frame[5:], ref) {
				t.Fatalf("fast encoding differs from hamba:\n fast  %x\n hamba %x", frame[5:], ref)
			}
			out := sampleCobrowse(t, Input)
			if tt.cobrowse == Input {
				out = sampleCobrowse(t, Scroll)
			}
			if err := c.DecodeCobrowse(frame, &out); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in, out) {
				t.Fatalf("fast decode:\n got %+v\nwant %+v", out, in)
			}
			var a avroCobrowse
			if err := unmarshalHamba(c.readers[schemas.Cobrowse].schema, frame[5:], &a); err != nil {
				t.Fatal(err)
			}
			var viaHamba Cobrowse
			if err := fromAvroCobrowse(&a, &viaHamba); err != nil || !reflect.DeepEqual(in, viaHamba) {
				t.Fatalf("hamba decode (%v):\n got %+v\nwant %+v", err, viaHamba, in)
			}
		})
	}
}

func TestRoundTripEdgeValues(t *testing.T) {
	c := staticCodec(t)
	e := sampleCobrowse(t, Scroll)
	e.Seq = 1<<63 - 1
	e.Scroll.X, e.Scroll.Y = -1<<63, 1<<63-1
	e.Time = time.UnixMilli(-1).UTC() // before the epoch
	e.PageURL = ""
	frame, err := c.AppendCobrowse(nil, &e)
	if err != nil {
		t.Fatal(err)
	}
	var out Cobrowse
	if err := c.DecodeCobrowse(frame, &out); err != nil || !reflect.DeepEqual(e, out) {
		t.Fatalf("err %v\n got %+v\nwant %+v", err, out, e)
	}
	// Sub-millisecond precision is truncated, as documented.
	e.Time = sampleEpoch.Add(1500 * time.Microsecond)
	frame, _ = c.AppendCobrowse(frame[:0], &e)
	if err := c.DecodeCobrowse(frame, &out); err != nil || !out.Time.Equal(sampleEpoch.Add(time.Millisecond)) {
		t.Fatalf("time %v (err %v), want truncation to the millisecond", out.Time, err)
	}
}

// TestFastCodecMatchesSchemas guards the hand-written codec: its enum and union tables
// must match the newest schemas symbol for symbol, and it must be active.
func TestFastCodecMatchesSchemas(t *testing.T) {
	c := staticCodec(t)
	for _, cat := range schemas.Categories() {
		if !c.readers[cat].fast {
			t.Errorf("%s: the reader schema's fingerprint is not the one avro_fast.go implements: "+
				"update avro_fast.go (code and fingerprint constant) for the schema change", cat)
		}
	}
	fields := func(cat schemas.Category) map[string]avro.Schema {
		m := map[string]avro.Schema{}
		for _, f := range c.readers[cat].schema.(*avro.RecordSchema).Fields() {
			m[f.Name()] = f.Type()
		}
		return m
	}
	symbols := func(s avro.Schema) []string { return s.(*avro.EnumSchema).Symbols() }
	branches := func(s avro.Schema) []string {
		var names []string
		for _, b := range s.(*avro.UnionSchema).Types()[1:] {
			names = append(names, b.(*avro.RecordSchema).Name())
		}
		return names
	}
	a, cb := fields(schemas.Audit), fields(schemas.Cobrowse)
	var gotAudit, gotCobrowse, gotActors, gotOps []string
	for _, v := range auditTypes {
		gotAudit = append(gotAudit, string(v))
	}
	for _, v := range cobrowseTypes {
		gotCobrowse = append(gotCobrowse, v.AvroSymbol())
	}
	for _, v := range actors {
		gotActors = append(gotActors, string(v))
	}
	for _, v := range meetingOperations {
		gotOps = append(gotOps, string(v))
	}
	meeting := a["payload"].(*avro.UnionSchema).Types()[auditBranchMeetingChange].(*avro.RecordSchema).Fields()[0].Type()
	for _, tt := range []struct {
		name      string
		got, want []string
	}{
		{"audit type symbols", gotAudit, symbols(a["type"])},
		{"cobrowse type symbols", gotCobrowse, symbols(cb["type"])},
		{"actor symbols", gotActors, symbols(cb["actor"])},
		{"meeting operation symbols", gotOps, symbols(meeting)},
		{"audit payload branches", branches(a["payload"]), []string{"StartCall", "MessengerSend", "LiveView",
			"StatusChange", "RoleChange", "PermissionChange", "PluginChange", "SettingsChange", "MeetingChange",
			"ConferenceAgent", "ConferenceRecording"}},
		{"cobrowse payload branches", branches(cb["payload"]), []string{"Click", "Scroll", "Form", "Input", "PageChange", "CustomEvent"}},
	} {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: code has %v, schema has %v", tt.name, tt.got, tt.want)
		}
	}
}

// TestHambaFallback checks the codec stays correct when the fast path is off (what
// happens if a schema changes before avro_fast.go does).
func TestHambaFallback(t *testing.T) {
	c := staticCodec(t)
	for _, r := range c.readers {
		r.fast = false
	}
	for _, w := range *c.writers.Load() {
		w.fast = false
	}
	for _, in := range SampleAudits("t1") {
		frame, err := c.AppendAudit(nil, &in)
		if err != nil {
			t.Fatal(err)
		}
		var out Audit
		if err := c.DecodeAudit(frame, &out); err != nil || !reflect.DeepEqual(in, out) {
			t.Fatalf("%s: err %v\n got %+v\nwant %+v", in.Type, err, out, in)
		}
	}
	for _, in := range SampleCobrowse("t1", "s1") {
		frame, err := c.AppendCobrowse(nil, &in)
		if err != nil {
			t.Fatal(err)
		}
		var out Cobrowse
		if err := c.DecodeCobrowse(frame, &out); err != nil || !reflect.DeepEqual(in, out) {
			t.Fatalf("%s: err %v\n got %+v\nwant %+v", in.Type, err, out, in)
		}
	}
}

func frame(id int, body []byte) []byte {
	b := []byte{0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(id))
	return append(b, body...)
}

func mustParse(t testing.TB, text string) avro.Schema {
	t.Helper()
	s, err := schemas.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEvolution: data written with cobrowse v1 is read by the v2 reader (page_url
// takes its default), data written with v2 is read by a v1 reader (page_url is
// skipped), and a symbol added by a future version reads as UNKNOWN.
func TestEvolution(t *testing.T) {
	c := staticCodec(t)
	v1 := mustParse(t, schemas.Versions(schemas.Cobrowse)[0].Text)
	v2 := c.readers[schemas.Cobrowse].schema

	t.Run("v1 writer, v2 reader", func(t *testing.T) {
		for _, in := range SampleCobrowse("t1", "s1") {
			body, err := hambaAPI.Marshal(v1, toAvroCobrowse(&in))
			if err != nil {
				t.Fatal(err)
			}
			var out Cobrowse
			if err := c.DecodeCobrowse(frame(schemas.CobrowseV1ID, body), &out); err != nil {
				t.Fatal(err)
			}
			want := in
			want.PageURL = "" // v1 has no page_url: the reader's default (null)
			if !reflect.DeepEqual(want, out) {
				t.Fatalf("%s:\n got %+v\nwant %+v", in.Type, out, want)
			}
		}
	})

	t.Run("v2 writer, v1 reader", func(t *testing.T) {
		resolved, err := avro.NewSchemaCompatibility().Resolve(v1, v2)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range SampleCobrowse("t1", "s1") {
			frame, err := c.AppendCobrowse(nil, &in)
			if err != nil {
				t.Fatal(err)
			}
			var a avroCobrowse // a v1-only consumer's struct would simply lack PageURL
			if err := unmarshalHamba(resolved, frame[5:], &a); err != nil {
				t.Fatal(err)
			}
			if a.PageURL != nil {
				t.Fatalf("v1 reader saw page_url %q", *a.PageURL)
			}
			var out Cobrowse
			if err := fromAvroCobrowse(&a, &out); err != nil {
				t.Fatal(err)
			}
			want := in
			want.PageURL = ""
			if !reflect.DeepEqual(want, out) {
				t.Fatalf("%s:\n got %+v\nwant %+v", in.Type, out, want)
			}
		}
	})

	t.Run("future symbols read as UNKNOWN", func(t *testing.T) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(schemas.Reader(schemas.Cobrowse).Text), &rec); err != nil {
			t.Fatal(err)
		}
		for _, f := range rec["fields"].([]any) {
			f := f.(map[string]any)
			if f["name"] == "type" || f["name"] == "actor" {
				enum := f["type"].(map[string]any)
				enum["symbols"] = append(enum["symbols"].([]any), "FUTURE")
			}
		}
		v3text, _ := json.Marshal(rec)
		const v3ID = 1000
		if _, err := c.addWriter(v3ID, string(v3text), 3); err != nil {
			t.Fatal(err)
		}
		v3 := mustParse(t, string(v3text))
		in := sampleCobrowse(t, Selection)
		a := toAvroCobrowse(&in)
		a.Type, a.Actor = "FUTURE", "FUTURE"
		body, err := hambaAPI.Marshal(v3, a)
		if err != nil {
			t.Fatal(err)
		}
		var out Cobrowse
		if err := c.DecodeCobrowse(frame(v3ID, body), &out); err != nil {
			t.Fatal(err)
		}
		if out.Type != CobrowseUnknown || out.Actor != ActorUnknown || out.SessionID != in.SessionID {
			t.Fatalf("got type %q actor %q session %q, want UNKNOWN, UNKNOWN, %q", out.Type, out.Actor, out.SessionID, in.SessionID)
		}
		if err := out.Validate(); err == nil {
			t.Fatal("an UNKNOWN event validated")
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	c := staticCodec(t)
	in := sampleCobrowse(t, Input)
	good, err := c.AppendCobrowse(nil, &in)
	if err != nil {
		t.Fatal(err)
	}
	goodAudit := sampleAudit(t, PermissionChange)
	auditFrame, _ := c.AppendAudit(nil, &goodAudit)
	tests := []struct {
		name  string
		b     []byte
		audit bool
		want  error
	}{
		{"empty", nil, false, ErrMalformed},
		{"short header", []byte{0, 0, 0}, false, ErrMalformed},
		{"bad magic", append([]byte{1}, good[1:]...), false, ErrMalformed},
		{"unknown id", frame(42, good[5:]), false, ErrUnknownSchema},
		{"cobrowse id into audit", good, true, ErrUnknownSchema},
		{"audit id into cobrowse", auditFrame, false, ErrUnknownSchema},
		{"truncated", good[:len(good)-3], false, ErrMalformed},
		{"trailing byte", append(append([]byte{}, good...), 0), false, ErrMalformed},
		{"truncated audit list", auditFrame[:len(auditFrame)-4], true, ErrMalformed},
		{"v1 frame truncated (hamba path)", frame(schemas.CobrowseV1ID, good[5:20]), false, ErrMalformed},
		{"v1 frame with trailing bytes (hamba path)", frame(schemas.CobrowseV1ID, good[5:]), false, ErrMalformed},
		{"huge string length", frame(schemas.CobrowseV2ID, append(make([]byte, 16), 0xfe, 0xff, 0xff, 0xff, 0x0f)), false, ErrMalformed},
		{"varint overflow", frame(schemas.CobrowseV2ID, append(make([]byte, 16), bytes.Repeat([]byte{0xff}, 11)...)), false, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.audit {
				e := sampleAudit(t, StartCall)
				err = c.DecodeAudit(tt.b, &e)
				if !reflect.DeepEqual(e, Audit{}) {
					t.Errorf("event not reset on error: %+v", e)
				}
			} else {
				e := sampleCobrowse(t, Click)
				err = c.DecodeCobrowse(tt.b, &e)
				if !reflect.DeepEqual(e, Cobrowse{}) {
					t.Errorf("event not reset on error: %+v", e)
				}
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCodecIDs(t *testing.T) {
	c := staticCodec(t)
	for id, want := range map[int]schemas.Category{1: schemas.Audit, 2: schemas.Cobrowse, 3: schemas.Cobrowse} {
		if got, ok := c.Category(id); !ok || got != want {
			t.Errorf("Category(%d) = %q, %v; want %q", id, got, ok, want)
		}
	}
	if _, ok := c.Category(4); ok {
		t.Error("Category(4) known")
	}
	if c.WriterID(schemas.Audit) != 1 || c.WriterID(schemas.Cobrowse) != 3 {
		t.Errorf("writer IDs %d, %d", c.WriterID(schemas.Audit), c.WriterID(schemas.Cobrowse))
	}
	if id, err := SchemaID([]byte{0, 0x01, 0x02, 0x03, 0x04}); err != nil || id != 0x01020304 {
		t.Errorf("SchemaID = %d, %v", id, err)
	}
	if _, err := SchemaID([]byte{0, 1}); !errors.Is(err, ErrMalformed) {
		t.Errorf("SchemaID(short) err = %v", err)
	}
	if _, err := c.LoadSchema(context.Background(), 77); !errors.Is(err, ErrUnknownSchema) {
		t.Errorf("static LoadSchema err = %v", err)
	}
}

func TestAppendInvalidLeavesDst(t *testing.T) {
	c := staticCodec(t)
	dst := []byte("prefix")
	e := sampleAudit(t, StartCall)
	e.TenantID = ""
	out, err := c.AppendAudit(dst, &e)
	if _, ok := IsValidation(err); !ok || string(out) != "prefix" {
		t.Fatalf("AppendAudit = %q, %v", out, err)
	}
	ce := sampleCobrowse(t, Click)
	ce.Actor = ActorUnknown
	out, err = c.AppendCobrowse(dst, &ce)
	if !errors.Is(err, ErrInvalid) || string(out) != "prefix" {
		t.Fatalf("AppendCobrowse = %q, %v", out, err)
	}
	// Appending several frames to one buffer keeps each intact.
	a, b := sampleCobrowse(t, Click), sampleCobrowse(t, Input)
	buf, _ := c.AppendCobrowse(nil, &a)
	n := len(buf)
	buf, _ = c.AppendCobrowse(buf, &b)
	var got Cobrowse
	if err := c.DecodeCobrowse(buf[n:], &got); err != nil || !reflect.DeepEqual(got, b) {
		t.Fatalf("second frame: %v %+v", err, got)
	}
}

// TestRegistryCodec runs against franz-go's in-process Schema Registry (srfake), which
// speaks the Confluent REST API over HTTP.
func TestRegistryCodec(t *testing.T) {
	ctx := context.Background()
	reg := srfake.New()
	defer reg.Close()
	// Occupy some IDs so registry IDs differ from the static ones.
	for i := range 5 {
		if _, _, err := reg.RegisterSchema("other-value", sr.Schema{Schema: `{"type":"fixed","name":"F` + string(rune('a'+i)) + `","size":1}`}); err != nil {
			t.Fatal(err)
		}
	}
	// An old producer registered cobrowse v1 under a custom subject.
	v1ID, _, err := reg.RegisterSchema("shop.cobrowse-value", sr.Schema{Schema: schemas.Versions(schemas.Cobrowse)[0].Text})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}

	if _, err := NewRegistryCodec(ctx, cl, LookupOnly()); err == nil {
		t.Fatal("LookupOnly codec built although the schemas are not registered")
	}

	c, err := NewRegistryCodec(ctx, cl, CobrowseSubject(TopicSubject("shop.cobrowse")))
	if err != nil {
		t.Fatal(err)
	}
	auditID, cobrowseID := c.WriterID(schemas.Audit), c.WriterID(schemas.Cobrowse)
	if auditID <= 5 || cobrowseID <= 5 || auditID == cobrowseID || cobrowseID == v1ID {
		t.Fatalf("registry IDs: audit %d, cobrowse %d (v1 %d)", auditID, cobrowseID, v1ID)
	}
	if cat, ok := c.Category(v1ID); !ok || cat != schemas.Cobrowse {
		t.Fatalf("v1 schema under the subject not looked up: %q %v", cat, ok)
	}
	ss, ok := reg.GetSchema(DefaultAuditSubject, 1)
	if !ok || ss.ID != auditID {
		t.Fatalf("audit schema not registered under %s: %+v", DefaultAuditSubject, ss)
	}

	in := sampleCobrowse(t, Input)
	b, err := c.AppendCobrowse(nil, &in)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := SchemaID(b); id != cobrowseID {
		t.Fatalf("frame ID %d, want %d", id, cobrowseID)
	}
	var out Cobrowse
	if err := c.DecodeCobrowse(b, &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: %v %+v", err, out)
	}

	// A second codec (another process) with LookupOnly finds the same IDs.
	c2, err := NewRegistryCodec(ctx, cl, CobrowseSubject("shop.cobrowse-value"), LookupOnly())
	if err != nil || c2.WriterID(schemas.Cobrowse) != cobrowseID || c2.WriterID(schemas.Audit) != auditID {
		t.Fatalf("lookup codec: %v", err)
	}

	// A schema this codec never saw (a newer producer's v3) is learned by ID.
	v3 := strings.Replace(schemas.Reader(schemas.Cobrowse).Text, `"name": "page_url"`, `"name": "referrer", "type": ["null","string"], "default": null}, {"name": "page_url"`, 1)
	if v3 == schemas.Reader(schemas.Cobrowse).Text {
		t.Fatal("test edit did not apply")
	}
	v3ID, _, err := reg.RegisterSchema("shop.cobrowse-value", sr.Schema{Schema: v3})
	if err != nil {
		t.Fatal(err)
	}
	body, err := hambaAPI.Marshal(mustParse(t, v3), toAvroCobrowse(&in))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DecodeCobrowse(frame(v3ID, body), &out); !errors.Is(err, ErrUnknownSchema) {
		t.Fatalf("unknown ID decoded: %v", err)
	}
	if cat, err := c.LoadSchema(ctx, v3ID); err != nil || cat != schemas.Cobrowse {
		t.Fatalf("LoadSchema = %q, %v", cat, err)
	}
	if err := c.DecodeCobrowse(frame(v3ID, body), &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("after LoadSchema: %v\n got %+v\nwant %+v", err, out, in)
	}
	// Foreign schemas are refused.
	if _, err := c.LoadSchema(ctx, 1); !errors.Is(err, ErrUnknownSchema) {
		t.Fatalf("LoadSchema(foreign) = %v", err)
	}
	if _, err := c.LoadSchema(ctx, 9999); !errors.Is(err, ErrUnknownSchema) {
		t.Fatalf("LoadSchema(missing) = %v", err)
	}
}

// TestConcurrentUse runs encoders, decoders and schema additions at once (meaningful
// under -race).
func TestConcurrentUse(t *testing.T) {
	c := staticCodec(t)
	v1 := schemas.Versions(schemas.Cobrowse)[0].Text
	done := make(chan struct{})
	go func() {
		defer close(done)
		for id := 100; id < 150; id++ {
			if _, err := c.addWriter(id, v1, 1); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			var out Cobrowse
			for i := range 200 {
				in := SampleCobrowse("t", "s")[i%7]
				var err error
				if buf, err = c.AppendCobrowse(buf[:0], &in); err != nil {
					t.Error(err)
					return
				}
				if err := c.DecodeCobrowse(buf, &out); err != nil || !reflect.DeepEqual(in, out) {
					t.Errorf("decode: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	<-done
	if cat, ok := c.Category(149); !ok || cat != schemas.Cobrowse {
		t.Fatalf("schema added concurrently is missing: %q %v", cat, ok)
	}
}
