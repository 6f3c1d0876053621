package producer_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/auditstream/auditstream/event"
	"github.com/auditstream/auditstream/producer"
)

// exampleKafka starts an in-process Kafka holding the two topics, so the examples run
// offline; a service passes its brokers' addresses instead.
func exampleKafka() *kfake.Cluster {
	return kfake.MustCluster(kfake.SeedTopics(3, producer.DefaultAuditTopic, producer.DefaultCobrowseTopic))
}

func ExampleNew() {
	kafka := exampleKafka()
	defer kafka.Close()
	ctx := context.Background()

	p, err := producer.New(producer.Brokers(kafka.ListenAddrs()...))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx) // flushes: nothing emitted is lost

	agent := producer.User{Tenant: "acme", ID: "agent-7"}
	e := agent.StartCall(event.CallData{CallID: "call-1", CustomerID: "cust-9"})
	if err := p.EmitAuditSync(ctx, e); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Type, "acknowledged; the producer set an ID:", !e.EventID.IsZero())
	// Output: START_CALL acknowledged; the producer set an ID: true
}

// A Session numbers a co-browsing session's events; the producer masks INPUT text
// before it leaves the process.
func ExampleSession() {
	kafka := exampleKafka()
	defer kafka.Close()
	ctx := context.Background()
	p, err := producer.New(producer.Brokers(kafka.ListenAddrs()...))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx)

	s := producer.NewSession("acme", "sess-42")
	for _, e := range []*event.Cobrowse{
		s.PageChange(event.ActorCustomer, event.PageChangeData{Page: "Login"}),
		s.Input(event.ActorCustomer, event.InputData{Element: "input#password", Text: "hunter2"}),
		s.Click(event.ActorAgent, event.ElementData{Element: "button#sign-in"}),
	} {
		if err := p.EmitCobrowse(ctx, e, nil); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Print(e.Seq, " ", e.Type)
		if e.Input != nil {
			fmt.Printf(" %q masked=%v", e.Input.Text, e.Input.Masked)
		}
		fmt.Println()
	}
	if err := p.Flush(ctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 0 PAGE-CHANGE
	// 1 INPUT "********" masked=true
	// 2 CLICK
}

// An invalid event is refused before anything is sent; the error names the field and
// the rule it breaks.
func ExampleProducer_EmitAudit_invalid() {
	kafka := exampleKafka()
	defer kafka.Close()
	ctx := context.Background()
	p, err := producer.New(producer.Brokers(kafka.ListenAddrs()...))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx)

	agent := producer.User{Tenant: "acme", ID: "agent-7"}
	err = p.EmitAudit(ctx, agent.StartCall(event.CallData{CustomerID: "cust-9"}), nil)
	fmt.Println(err)
	if ve, ok := event.IsValidation(err); ok {
		fmt.Println("field:", ve.Field, "rule:", ve.Rule)
	}
	// Output:
	// producer: audit START_CALL: event: invalid payload.call_id: required
	// field: payload.call_id rule: required
}

// Emit asynchronously from a request handler: the callback reports each delivery, and
// FailWhenFull sheds load instead of waiting when Kafka falls behind.
func ExampleProducer_EmitCobrowse() {
	kafka := exampleKafka()
	defer kafka.Close()
	ctx := context.Background()
	p, err := producer.New(producer.Brokers(kafka.ListenAddrs()...),
		producer.WhenBufferFull(producer.FailWhenFull))
	if err != nil {
		fmt.Println(err)
		return
	}

	var delivered, failed atomic.Int64
	onDelivery := func(err error) { // runs on the producer's callback goroutine: keep it short
		if err != nil {
			failed.Add(1)
			return
		}
		delivered.Add(1)
	}
	s := producer.NewSession("acme", "sess-42")
	for y := int64(0); y < 1000; y += 100 {
		err := p.EmitCobrowse(ctx, s.Scroll(event.ActorCustomer, event.ScrollData{Y: y}), onDelivery)
		switch {
		case errors.Is(err, producer.ErrBufferFull):
			// shed: count it, drop it, or retry later
		case err != nil:
			fmt.Println(err)
		}
	}
	if err := p.Close(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println("delivered:", delivered.Load(), "failed:", failed.Load())
	// Output: delivered: 10 failed: 0
}
