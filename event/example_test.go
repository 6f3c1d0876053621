package event_test

import (
	"errors"
	"fmt"

	"github.com/auditstream/auditstream/event"
)

func ExampleCodec() {
	codec, err := event.NewStaticCodec()
	if err != nil {
		panic(err)
	}
	e := event.SampleCobrowse("acme", "sess-1")[3] // INPUT
	// Not a sensitive element, so DefaultMasker masks only the card number.
	e.Input.Element = "textarea#message"
	e.Input.Text, e.Input.Masked = "my card: 4111 1111 1111 1111", false
	event.DefaultMasker(e.Input)

	buf, err := codec.AppendCobrowse(nil, &e)
	if err != nil {
		panic(err)
	}
	id, _ := event.SchemaID(buf)
	cat, _ := codec.Category(id)
	fmt.Println("schema", id, cat)

	var got event.Cobrowse
	if err := codec.DecodeCobrowse(buf, &got); err != nil {
		panic(err)
	}
	fmt.Println(got.Type, got.Actor, got.Seq, got.Input.Text, got.Input.Masked)

	e.Actor = event.ActorUnknown
	_, err = codec.AppendCobrowse(nil, &e)
	var ve *event.ValidationError
	fmt.Println(errors.As(err, &ve), ve.Field, ve.Rule)

	err = codec.DecodeAudit(buf, &event.Audit{})
	fmt.Println(errors.Is(err, event.ErrUnknownSchema))
	// Output:
	// schema 3 cobrowse
	// INPUT CUSTOMER 3 my card: **** **** **** **** true
	// true actor unknown
	// true
}
