package integration_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/auditstream/auditstream/consumer"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// TestConsumerEveryEventTypeLands: every audit and co-browsing type produced is stored in
// its table with its data.
func TestConsumerEveryEventTypeLands(t *testing.T) {
	p := newPipeline(t, 3)
	aud, audIDs := p.gen.Audit(p.audit, 14*10)
	cob, cobIDs := p.gen.Cobrowse(p.cobrowse, 7*10, 5)
	p.produce(t, append(aud, cob...))
	p.runConsumer(t, p.config())
	waitFor(t, time.Minute, "all events stored", func() bool {
		return p.rowCount(t, chschema.TableAudit) >= 140 && p.rowCount(t, chschema.TableCobrowse) >= 70
	})
	p.requireExactly(t, chschema.TableAudit, audIDs)
	p.requireExactly(t, chschema.TableCobrowse, cobIDs)

	types := func(table string) map[string]uint64 {
		rows, err := p.ch.Query(context.Background(), fmt.Sprintf("SELECT toString(type), count() FROM %s.%s GROUP BY type", p.db, table))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]uint64{}
		for rows.Next() {
			var k string
			var n uint64
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			out[k] = n
		}
		return out
	}
	wantAudit := map[string]uint64{}
	for _, ty := range []string{"START_CALL", "MESSENGER_SEND", "LIVE_VIEW", "LOGGED_IN", "ONLINE_STATUS_ONLINE",
		"ONLINE_STATUS_OFFLINE", "STATUS_CHANGE", "ROLE_CHANGE", "PERMISSION_CHANGE", "PLUGIN_CHANGE",
		"SETTINGS_CHANGE", "MEETING_CHANGE", "CONFERENCE_AGENT", "CONFERENCE_RECORDING"} {
		wantAudit[ty] = 10
	}
	if got := types(chschema.TableAudit); !maps.Equal(got, wantAudit) {
		t.Errorf("audit types %v, want %v", got, wantAudit)
	}
	wantCob := map[string]uint64{"CLICK": 10, "SCROLL": 10, "FORM": 10, "INPUT": 10, "PAGE-CHANGE": 10, "SELECTION": 10, "CUSTOM_EVENT": 10}
	if got := types(chschema.TableCobrowse); !maps.Equal(got, wantCob) {
		t.Errorf("cobrowse types %v, want %v", got, wantCob)
	}
	// Payload columns carry the data (spot checks of lists, flags and JSON).
	var perms, agents uint64
	var masked uint8
	ctx := context.Background()
	if err := p.ch.QueryRow(ctx, fmt.Sprintf("SELECT sum(length(permissions)), sum(length(joined_agents)) FROM %s.%s", p.db, chschema.TableAudit)).Scan(&perms, &agents); err != nil {
		t.Fatal(err)
	}
	if err := p.ch.QueryRow(ctx, fmt.Sprintf("SELECT min(input_masked) FROM %s.%s WHERE type = 'INPUT'", p.db, chschema.TableCobrowse)).Scan(&masked); err != nil {
		t.Fatal(err)
	}
	if perms == 0 || agents == 0 || masked != 1 {
		t.Errorf("payload columns empty: permissions %d joined_agents %d input_masked %d", perms, agents, masked)
	}
}

// TestConsumerGroupSharesWork: two members of one group split the partitions and together
// store every event once.
func TestConsumerGroupSharesWork(t *testing.T) {
	p := newPipeline(t, 6)
	cob, ids := p.gen.Cobrowse(p.cobrowse, 20_000, 500)
	_, regA := p.runConsumer(t, p.config())
	_, regB := p.runConsumer(t, p.config())
	waitFor(t, time.Minute, "both members to own partitions", func() bool {
		gs, err := p.env.Admin().DescribeGroups(context.Background(), p.group)
		if err != nil {
			t.Fatal(err)
		}
		g := gs[p.group]
		if len(g.Members) != 2 || g.State != "Stable" {
			return false
		}
		for _, m := range g.Members {
			if a, ok := m.Assigned.AsConsumer(); !ok || len(a.Topics) == 0 {
				return false
			}
		}
		return true
	})
	p.produce(t, cob)
	waitFor(t, 2*time.Minute, "all events stored", func() bool { return p.rowCount(t, chschema.TableCobrowse) >= 20_000 })
	dups := p.requireExactly(t, chschema.TableCobrowse, ids)
	a, b := consumed(t, regA), consumed(t, regB)
	t.Logf("member A consumed %v, member B %v, duplicate rows %d", a, b, dups)
	if a == 0 || b == 0 {
		t.Fatalf("work not shared: A %v, B %v", a, b)
	}
}

func consumed(t *testing.T, reg *prometheus.Registry) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() == "auditstream_consumer_records_consumed_total" {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// TestConsumerGarbageGoesToDLQ: with 1% garbage, every bad record is in the dead-letter
// topic with its reason and every good record is stored.
func TestConsumerGarbageGoesToDLQ(t *testing.T) {
	p := newPipeline(t, 3)
	good, ids := p.gen.Cobrowse(p.cobrowse, 9_900, 200)
	bad := p.gen.Garbage(p.cobrowse, 100)
	var recs []*kgo.Record
	for i, r := range good {
		recs = append(recs, r)
		if i%99 == 0 && len(bad) > 0 {
			recs, bad = append(recs, bad[0]), bad[1:]
		}
	}
	recs = append(recs, bad...)
	p.produce(t, recs)
	p.runConsumer(t, p.config())
	waitFor(t, time.Minute, "good events stored", func() bool { return p.rowCount(t, chschema.TableCobrowse) >= 9_900 })
	p.requireExactly(t, chschema.TableCobrowse, ids)

	reasons := map[consumer.Reason]int{}
	waitFor(t, time.Minute, "100 dead letters", func() bool {
		clear(reasons)
		n := 0
		err := consumer.ScanDeadLetters(context.Background(), p.dlq, func(d consumer.DeadLetter, err error) error {
			if err != nil {
				return err
			}
			if d.Topic != p.cobrowse || d.Error == "" || string(d.Key) != "garbage" {
				t.Errorf("dead letter lacks its source, error or key: %+v", d)
			}
			n++
			reasons[d.Reason]++
			return nil
		}, kgo.SeedBrokers(p.env.KafkaBrokers...))
		if err != nil {
			t.Fatal(err)
		}
		return n >= 100
	})
	want := map[consumer.Reason]int{consumer.ReasonDecode: 34, consumer.ReasonUnknownSchema: 33, consumer.ReasonValidation: 33}
	if !maps.Equal(reasons, want) {
		t.Fatalf("dead letters by reason %v, want %v", reasons, want)
	}
}

// TestConsumerClickHouseOutage: ClickHouse becomes unreachable (a TCP proxy in front of the
// shared server is cut), the consumer retries the same batches and pauses fetching at its
// buffer bound instead of growing; when ClickHouse is back, nothing is lost or shown twice.
func TestConsumerClickHouseOutage(t *testing.T) {
	p := newPipeline(t, 3)
	proxy := newTCPProxy(t, p.env.ClickHouseAddr)
	const bound = 4 << 20
	cfg := p.config()
	cfg.ClickHouse.Addr = []string{proxy.addr}
	cfg.ClickHouse.DialTimeout = time.Second
	cfg.InsertTimeout = 5 * time.Second
	cfg.Batch = consumer.BatchPolicy{MaxRows: 100_000, MaxBytes: 1 << 20, MaxAge: 200 * time.Millisecond}
	cfg.MaxBufferedBytes = bound
	cfg.MaxPollRecords = 1000
	_, reg := p.runConsumer(t, cfg)

	proxy.Cut()
	cob, ids := p.gen.Cobrowse(p.cobrowse, 60_000, 300) // ~25 MB of rows: 6x the bound
	p.produce(t, cob)
	waitFor(t, time.Minute, "fetching paused", func() bool { return gauge(t, reg, "auditstream_consumer_paused") == 1 })
	var peak float64
	var ms runtime.MemStats
	for range 30 {
		peak = max(peak, gauge(t, reg, "auditstream_consumer_buffered_bytes"))
		time.Sleep(100 * time.Millisecond)
	}
	runtime.ReadMemStats(&ms)
	n := consumed(t, reg)
	t.Logf("outage: consumed %v of 60000, peak buffered %v bytes (bound %d), test-process heap in use %d MiB",
		n, peak, bound, ms.HeapInuse>>20)
	if slack := float64(bound + 1000*1024); peak > slack {
		t.Fatalf("buffered %v bytes during the outage, bound %d (+ one poll)", peak, bound)
	}
	if n >= 60_000 {
		t.Fatal("consumed everything during the outage: fetching was not paused")
	}
	if rows := p.rowCount(t, chschema.TableCobrowse); rows != 0 {
		t.Fatalf("%d rows stored through a cut proxy", rows)
	}
	proxy.Restore(t)
	waitFor(t, 2*time.Minute, "backlog stored", func() bool { return p.rowCount(t, chschema.TableCobrowse) >= 60_000 })
	dups := p.requireExactly(t, chschema.TableCobrowse, ids)
	t.Logf("after recovery: %d duplicate rows (collapsed by ReplacingMergeTree)", dups)
	if gauge(t, reg, "auditstream_consumer_paused") != 0 {
		t.Error("still paused after recovery")
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}

// TestConsumerSIGKILLMidBatch runs the real binary, kills it with SIGKILL while it is
// inserting, restarts it, and checks that exactly the produced event IDs are visible.
// Then SIGTERM must stop it cleanly within the shutdown bound.
func TestConsumerSIGKILLMidBatch(t *testing.T) {
	p := newPipeline(t, 4)
	bin := buildBinary(t)
	env := p.binaryEnv(p.env.ClickHouseAddr,
		"AUDITSTREAM_BATCH_MAX_ROWS=3000",
		"AUDITSTREAM_BATCH_MAX_AGE=300ms",
		"AUDITSTREAM_SHUTDOWN_TIMEOUT=10s",
		"AUDITSTREAM_SESSION_TIMEOUT=6s", // the broker's minimum: the killed member's partitions move sooner
	)
	start := func() (*exec.Cmd, *syncBuilder) { return startBinary(t, bin, env) }

	cob, cobIDs := p.gen.Cobrowse(p.cobrowse, 60_000, 400)
	aud, audIDs := p.gen.Audit(p.audit, 6_000)
	p.produce(t, slices.Concat(cob[:30_000], aud))
	first, _ := start()
	waitFor(t, time.Minute, "the first process to insert something", func() bool {
		return p.rowCount(t, chschema.TableCobrowse) > 5_000
	})
	p.produce(t, cob[30_000:])
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait() // killed: the error is the signal
	killedAt := p.rowCount(t, chschema.TableCobrowse)

	second, logs := start()
	waitFor(t, 2*time.Minute, "the restarted process to store everything", func() bool {
		return p.rowCount(t, chschema.TableCobrowse) >= 60_000 && p.rowCount(t, chschema.TableAudit) >= 6_000
	})
	time.Sleep(time.Second) // let a straggling redelivery land before judging
	dups := p.requireExactly(t, chschema.TableCobrowse, cobIDs)
	dups += p.requireExactly(t, chschema.TableAudit, audIDs)
	t.Logf("killed with %d co-browsing rows stored; after restart %d duplicate rows (collapsed by ReplacingMergeTree)", killedAt, dups)

	stopAt := time.Now()
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- second.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("SIGTERM: exit %v\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit within 30 s of SIGTERM\n%s", logs.String())
	}
	t.Logf("graceful stop took %v", time.Since(stopAt))
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the logs:\n%s", logs.String())
	}
}

// TestConsumerMemoryBoundedDuringOutage runs the real binary with a 32 MiB buffer bound,
// makes ClickHouse unreachable for 30 s while a backlog of about 25x the bound waits in
// Kafka, and checks the process's peak RSS against the documented bound
// (consumer/doc.go: RSS ≈ 2 × (max_buffered_bytes + fetch buffers + one batch) + ~30 MiB).
// Afterwards every event is stored exactly once.
func TestConsumerMemoryBoundedDuringOutage(t *testing.T) {
	p := newPipeline(t, 3)
	proxy := newTCPProxy(t, p.env.ClickHouseAddr)
	const boundMiB, batchMiB, outage = 32, 8, 30 * time.Second
	env := p.binaryEnv(proxy.addr,
		fmt.Sprintf("AUDITSTREAM_MAX_BUFFERED_BYTES=%d", boundMiB<<20),
		fmt.Sprintf("AUDITSTREAM_BATCH_MAX_BYTES=%d", batchMiB<<20),
		"AUDITSTREAM_INSERT_TIMEOUT=5s",
		"AUDITSTREAM_CLICKHOUSE_DIAL_TIMEOUT=1s",
		"AUDITSTREAM_RETRY_MAX_BACKOFF=2s",
	)
	cmd, logs := startBinary(t, buildBinary(t), env)
	waitFor(t, time.Minute, "the consumer to start consuming", func() bool {
		return strings.Contains(logs.String(), `"msg":"consuming"`)
	})
	baseline := rssMiB(t, cmd.Process.Pid)

	proxy.Cut()
	const n = 800_000 // ~330 B of buffered row each: ~250 MiB of rows, about 8x the bound
	cob, ids := p.gen.Cobrowse(p.cobrowse, n, 2000)
	p.produce(t, cob)
	var peak float64
	for deadline := time.Now().Add(outage); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		peak = max(peak, rssMiB(t, cmd.Process.Pid))
	}
	if rows := p.rowCount(t, chschema.TableCobrowse); rows != 0 {
		t.Fatalf("%d rows stored through a cut proxy", rows)
	}
	// franz-go fetches at most about 1 MiB per partition per request here (3 partitions);
	// 50 MiB covers FetchMaxBytes. The formula's 2x is Go's heap growth at GOGC=100.
	limit := 2*float64(boundMiB+50+batchMiB) + 30
	t.Logf("outage %v: RSS %.0f MiB before, peak %.0f MiB with %d events waiting (bound %d MiB, documented limit %.0f MiB)",
		outage, baseline, peak, n, boundMiB, limit)
	if peak > limit {
		t.Fatalf("peak RSS %.0f MiB above the documented limit %.0f MiB for a %d MiB buffer bound", peak, limit, boundMiB)
	}
	if !strings.Contains(logs.String(), "paused fetching") {
		t.Errorf("no 'paused fetching' log line during the outage:\n%s", tail(logs.String(), 20))
	}

	proxy.Restore(t)
	waitFor(t, 3*time.Minute, "the backlog stored after recovery", func() bool {
		return p.rowCount(t, chschema.TableCobrowse) >= n
	})
	dups := p.requireExactly(t, chschema.TableCobrowse, ids)
	t.Logf("after recovery: all %d stored, %d duplicate rows (collapsed by ReplacingMergeTree)", n, dups)
}

// rssMiB reads a process's resident set size from /proc.
func rssMiB(t *testing.T, pid int) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%f kB", &kb); err != nil {
				t.Fatal(err)
			}
			return kb / 1024
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// TestDLQListAndReplay drives the operator's tool: `auditstream dlq list` shows every dead
// letter with its reason and source, and `auditstream dlq replay` puts the original records
// back on their source topic (here they are still bad, so the running consumer dead-letters
// them a second time: the DLQ doubles, which proves the original bytes went back).
func TestDLQListAndReplay(t *testing.T) {
	p := newPipeline(t, 3)
	const n = 30
	p.produce(t, p.gen.Garbage(p.cobrowse, n))
	p.runConsumer(t, p.config())
	countDLQ := func() int {
		got := 0
		err := consumer.ScanDeadLetters(context.Background(), p.dlq, func(_ consumer.DeadLetter, err error) error {
			got++
			return err
		}, kgo.SeedBrokers(p.env.KafkaBrokers...))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	waitFor(t, time.Minute, "the garbage dead-lettered", func() bool { return countDLQ() >= n })

	bin := buildBinary(t)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"dlq"}, args...)...)
		cmd.Env = append(os.Environ(), "AUDITSTREAM_KAFKA_BROKERS="+strings.Join(p.env.KafkaBrokers, ","))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("auditstream dlq %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	list := run("list", "-topic", p.dlq)
	for _, want := range []string{"decode", "unknown-schema", "validation", p.cobrowse} {
		if !strings.Contains(list, want) {
			t.Errorf("dlq list does not mention %q:\n%s", want, list)
		}
	}
	if dry := run("replay", "-dry-run", "-topic", p.dlq, "-reason", "decode"); countDLQ() != n || !strings.Contains(dry, "decode") {
		t.Fatalf("dry run changed the DLQ or printed nothing useful:\n%s", dry)
	}
	t.Logf("dlq replay: %s", tail(run("replay", "-topic", p.dlq), 1))
	waitFor(t, time.Minute, "the replayed records dead-lettered again", func() bool { return countDLQ() >= 2*n })
	if got := countDLQ(); got != 2*n {
		t.Fatalf("%d dead letters after replaying %d, want %d", got, n, 2*n)
	}
}
