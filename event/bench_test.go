package event

import (
	"testing"

	"github.com/auditstream/auditstream/schemas"
)

// FuzzDecode feeds arbitrary bytes to both decoders: they must return an error or an
// event, never panic, and a successful decode must re-encode to a frame that decodes to
// the same event whenever the event is valid.
func FuzzDecode(f *testing.F) {
	c := staticCodec(f)
	for _, e := range SampleAudits("t") {
		b, _ := c.AppendAudit(nil, &e)
		f.Add(b)
	}
	for _, e := range SampleCobrowse("t", "s") {
		b, _ := c.AppendCobrowse(nil, &e)
		f.Add(b)
		v1, _ := hambaAPI.Marshal(mustParse(f, schemas.Versions(schemas.Cobrowse)[0].Text), toAvroCobrowse(&e))
		f.Add(frame(schemas.CobrowseV1ID, v1))
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var a Audit
		if err := c.DecodeAudit(b, &a); err == nil && a.Validate() == nil {
			re, err := c.AppendAudit(nil, &a)
			if err != nil {
				t.Fatalf("valid decoded event does not encode: %v", err)
			}
			var back Audit
			if err := c.DecodeAudit(re, &back); err != nil {
				t.Fatalf("re-encoded event does not decode: %v", err)
			}
		}
		var e Cobrowse
		if err := c.DecodeCobrowse(b, &e); err == nil && e.Validate() == nil {
			if _, err := c.AppendCobrowse(nil, &e); err != nil {
				t.Fatalf("valid decoded event does not encode: %v", err)
			}
		}
	})
}

// The benchmarks cycle through one event of every type of the category. The "hamba"
// variants are the baseline: hamba/avro reflection over the Avro-shaped structs (what the
// codec falls back to); the plain ones are the codec as used.

func BenchmarkAppendCobrowse(b *testing.B) {
	c := staticCodec(b)
	events := SampleCobrowse("tenant-acme", "sess-1")
	b.Run("codec", func(b *testing.B) {
		benchAppend(b, events, c.AppendCobrowse)
	})
	b.Run("hamba", func(b *testing.B) {
		s := c.readers[schemas.Cobrowse].schema
		benchAppend(b, events, func(dst []byte, e *Cobrowse) ([]byte, error) {
			if err := e.Validate(); err != nil {
				return dst, err
			}
			return appendHamba(append(dst, 0, 0, 0, 0, 3), s, toAvroCobrowse(e))
		})
	})
}

func BenchmarkAppendAudit(b *testing.B) {
	c := staticCodec(b)
	events := SampleAudits("tenant-acme")
	b.Run("codec", func(b *testing.B) {
		benchAppend(b, events, c.AppendAudit)
	})
	b.Run("hamba", func(b *testing.B) {
		s := c.readers[schemas.Audit].schema
		benchAppend(b, events, func(dst []byte, e *Audit) ([]byte, error) {
			if err := e.Validate(); err != nil {
				return dst, err
			}
			return appendHamba(append(dst, 0, 0, 0, 0, 1), s, toAvroAudit(e))
		})
	})
}

func benchAppend[E any](b *testing.B, events []E, fn func([]byte, *E) ([]byte, error)) {
	var total int
	for i := range events {
		out, err := fn(nil, &events[i])
		if err != nil {
			b.Fatal(err)
		}
		total += len(out)
	}
	b.SetBytes(int64(total / len(events)))
	b.ReportAllocs()
	buf := make([]byte, 0, 4096)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		var err error
		if buf, err = fn(buf[:0], &events[i%len(events)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkDecodeCobrowse(b *testing.B) {
	c := staticCodec(b)
	events := SampleCobrowse("tenant-acme", "sess-1")
	var v2, v1 [][]byte
	v1schema := mustParse(b, schemas.Versions(schemas.Cobrowse)[0].Text)
	for i := range events {
		f, _ := c.AppendCobrowse(nil, &events[i])
		v2 = append(v2, f)
		body, err := hambaAPI.Marshal(v1schema, toAvroCobrowse(&events[i]))
		if err != nil {
			b.Fatal(err)
		}
		v1 = append(v1, frame(schemas.CobrowseV1ID, body))
	}
	b.Run("v2-codec", func(b *testing.B) { benchDecode(b, v2, c.DecodeCobrowse) })
	b.Run("v2-hamba", func(b *testing.B) {
		s := c.readers[schemas.Cobrowse].schema
		benchDecode(b, v2, func(f []byte, e *Cobrowse) error {
			var a avroCobrowse
			if err := unmarshalHamba(s, f[5:], &a); err != nil {
				return err
			}
			return fromAvroCobrowse(&a, e)
		})
	})
	b.Run("v1-resolved", func(b *testing.B) { benchDecode(b, v1, c.DecodeCobrowse) })
}

func BenchmarkDecodeAudit(b *testing.B) {
	c := staticCodec(b)
	events := SampleAudits("tenant-acme")
	var frames [][]byte
	for i := range events {
		f, _ := c.AppendAudit(nil, &events[i])
		frames = append(frames, f)
	}
	b.Run("codec", func(b *testing.B) { benchDecode(b, frames, c.DecodeAudit) })
	b.Run("hamba", func(b *testing.B) {
		s := c.readers[schemas.Audit].schema
		benchDecode(b, frames, func(f []byte, e *Audit) error {
			var a avroAudit
			if err := unmarshalHamba(s, f[5:], &a); err != nil {
				return err
			}
			return fromAvroAudit(&a, e)
		})
	})
}

func benchDecode[E any](b *testing.B, frames [][]byte, fn func([]byte, *E) error) {
	var total int
	for _, f := range frames {
		total += len(f)
	}
	b.SetBytes(int64(total / len(frames)))
	b.ReportAllocs()
	var e E
	for i := 0; b.Loop(); i++ {
		if err := fn(frames[i%len(frames)], &e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
