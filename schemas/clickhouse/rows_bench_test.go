package chschema

import (
	"testing"
	"time"

	"github.com/auditstream/auditstream/event"
)

// benchCobrowse returns n co-browsing events with the catalogue's payload mix.
func benchCobrowse(n int) []event.Cobrowse {
	samples := event.SampleCobrowse("tenant-0001", "session-0001")
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	evs := make([]event.Cobrowse, n)
	for i := range evs {
		evs[i] = samples[i%len(samples)]
		evs[i].Seq = int64(i)
		evs[i].Time = t0.Add(time.Duration(i) * time.Millisecond)
	}
	return evs
}

// BenchmarkCobrowseAppend measures building one 10k-row batch of co-browsing columns and
// producing the slices for an insert, with the builder reused across batches as the
// consumer does.
//
//	go test ./schemas/clickhouse -run '^$' -bench Append -benchmem
func BenchmarkCobrowseAppend(b *testing.B) {
	const rows = 10_000
	evs := benchCobrowse(rows)
	for _, p := range []Profile{Modern, Legacy} {
		b.Run(p.String(), func(b *testing.B) {
			var c CobrowseColumns
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				c.Reset()
				for i := range evs {
					c.Append(&evs[i])
				}
				if len(c.Columns(p)) == 0 {
					b.Fatal("no columns")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
		})
	}
}
