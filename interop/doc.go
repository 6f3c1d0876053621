// Package interop checks auditstream's Avro encoding against an independent
// implementation, the Apache Avro Java library (see interop_test.go, AvroInterop.java
// and pom.xml). It has no non-test code.
//
// The test needs java (17+) and mvn; it fetches the Avro jars once into
// $HOME/.cache/auditstream. It skips when they are missing unless AUDITSTREAM_E2E=1,
// which makes their absence a failure:
//
//	AUDITSTREAM_E2E=1 go test ./interop/
package interop
