// Package event is the auditstream event model: the two event categories of the
// catalogue (Audit: 14 types, Cobrowse: 7 types), their validation, producer-generated
// IDs (UUIDv7), masking of typed input, and the Avro codec with Confluent framing that
// producer and consumer share.
//
// # Usage
//
//	codec, err := event.NewStaticCodec() // or event.NewRegistryCodec(ctx, srClient)
//	...
//	e := event.Cobrowse{
//		EventID: event.NewID(), TenantID: "acme", SessionID: "s-1", Seq: 7,
//		Time: time.Now(), Actor: event.ActorCustomer, Type: event.Input,
//		Input: &event.InputData{Element: "card-number", Text: typed},
//	}
//	event.DefaultMasker(e.Input)             // before the event leaves the service
//	buf, err = codec.AppendCobrowse(buf[:0], &e) // validates, then encodes
//	...
//	var got event.Cobrowse                  // reusable: Decode resets it
//	err = codec.DecodeCobrowse(buf, &got)
//	switch {
//	case errors.Is(err, event.ErrUnknownSchema): // codec.LoadSchema(ctx, id), or dead-letter
//	case errors.Is(err, event.ErrMalformed):     // dead-letter
//	}
//
// # Wire format
//
// A record value is a Confluent frame: byte 0, the 4-byte big-endian schema ID, then the
// Avro binary encoding of the event with that schema (package schemas holds the .avsc
// files and the pinned static IDs; docs/design.md the contract). Encoders always write
// the newest schema of the category. Decoders pick the writer schema by the frame's ID
// and resolve it to the newest (reader) schema with hamba/avro's schema resolution, so
// a v1 co-browsing record reads with PageURL "" and a symbol added by a future version
// reads as UNKNOWN (Validate rejects UNKNOWN; decoding does not validate). The type
// PAGE-CHANGE is the Avro symbol PAGE_CHANGE. Times travel as timestamp-millis:
// sub-millisecond precision is truncated and decoded times are UTC. An empty PageURL
// travels as null and an empty list as an empty array; both decode as "" and nil.
//
// # Performance: why two Avro implementations
//
// hamba/avro's reflection needs a union-typed `any` for the payload and an
// intermediate struct, which costs 2-3 allocations and 600-700 ns per event either way.
// The newest schema of each category is therefore also implemented by hand
// (avro_fast.go): encoding appends straight into the caller's buffer (0 allocations when
// it has room) and decoding copies the body once into a string that all decoded
// strings share (1 allocation, plus one for the payload and one per list). Measured on
// the 2-core build machine (go test -bench . ./event/), per event, averaged over one
// event of every type:
//
//	encode cobrowse  ~80 ns, 0 allocs   (hamba 620-675 ns, 2 allocs)
//	encode audit    ~185 ns, 0 allocs   (hamba 570-725 ns, 2 allocs; both include Validate's JSON check)
//	decode cobrowse ~245 ns, 1-2 allocs (hamba 650-690 ns, 3 allocs; a v1 frame, resolved by hamba: 670-780 ns)
//	decode audit    ~230 ns, 2 allocs   (hamba 580-710 ns, 2 allocs)
//
// The hand-written path runs only while the reader schema's canonical fingerprint is
// the one it implements; any other schema (older versions, schemas learned from a
// registry) goes through hamba. Tests check the two byte for byte, and both against the
// Apache Avro Java library (package interop).
//
// # Limits and hostile input
//
// Validate enforces MaxKeyLen, MaxStringLen, MaxListLen and MaxEventSize and valid UTF-8
// and JSON; the encoders call it, so nothing invalid reaches the wire. Decoders never
// panic on arbitrary bytes (FuzzDecode) and hostile lengths cannot make them allocate
// much: the hand-written decoder checks every length against the bytes left before
// allocating (so it allocates at most a small multiple of the input), and hamba runs
// with MaxByteSliceSize = MaxStringLen and MaxSliceAllocSize = MaxListLen, so one
// decode allocates at most about 64 KiB more than the input. Frames larger than
// MaxEventSize plus overhead cannot come from a valid encoder; the consumer may drop
// them before decoding.
//
// # Concurrency
//
// A Codec is safe for concurrent use, including LoadSchema while others decode (the
// schema table is copy-on-write). Events are plain values: do not share one between
// goroutines while it is being decoded into. DefaultMasker and NewID are safe for
// concurrent use.
package event
