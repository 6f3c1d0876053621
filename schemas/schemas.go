// Package schemas holds the wire contract of auditstream: the Avro schemas of both event
// categories (embedded .avsc files) with their pinned static schema IDs, and (in
// schemas/clickhouse) the ClickHouse DDL.
//
// Every version of a category's schema stays here forever: a consumer must be able to
// read whatever an old producer wrote. The newest version of a category is the reader
// schema (and the one producers write); [CheckCompatibility] keeps consecutive versions
// backward and forward compatible, and the package tests run it over every pair.
//
// The static IDs are used when no Schema Registry is configured; they are part of the
// wire format (the 4-byte ID after the Confluent magic byte) and must never be reused or
// renumbered.
//
//	s := schemas.Reader(schemas.Cobrowse) // newest co-browsing schema
//	parsed, err := s.Parse()
//
// Everything here is immutable after package initialisation and safe for concurrent use.
package schemas

import (
	"embed"
	"fmt"
	"slices"

	"github.com/hamba/avro/v2"
)

//go:embed *.avsc
var files embed.FS

// Category is an event category; each has its own topic and schema lineage.
type Category string

// The event categories.
const (
	Audit    Category = "audit"    // general audit log (catalogue category 1)
	Cobrowse Category = "cobrowse" // co-browsing session events (catalogue category 2)
)

// The pinned static schema IDs (Confluent framing) used without a Schema Registry.
const (
	AuditV1ID    = 1
	CobrowseV1ID = 2
	CobrowseV2ID = 3 // adds the optional envelope field page_url
)

// Schema is one version of a category's Avro schema.
type Schema struct {
	Category Category
	Version  int    // 1, 2, ... within the category
	ID       int    // the pinned static schema ID
	File     string // the .avsc file name in this directory
	Text     string // the schema JSON, as embedded
}

// all lists every schema version, ordered by category then version.
var all = []Schema{
	{Category: Audit, Version: 1, ID: AuditV1ID, File: "audit.v1.avsc"},
	{Category: Cobrowse, Version: 1, ID: CobrowseV1ID, File: "cobrowse.v1.avsc"},
	{Category: Cobrowse, Version: 2, ID: CobrowseV2ID, File: "cobrowse.v2.avsc"},
}

func init() {
	for i := range all {
		b, err := files.ReadFile(all[i].File)
		if err != nil {
			panic("schemas: embedded file missing: " + err.Error())
		}
		all[i].Text = string(b)
	}
}

// Categories returns the event categories.
func Categories() []Category { return []Category{Audit, Cobrowse} }

// All returns every schema version, ordered by category, then version.
func All() []Schema { return slices.Clone(all) }

// Versions returns the versions of one category, oldest first.
func Versions(c Category) []Schema {
	var out []Schema
	for _, s := range all {
		if s.Category == c {
			out = append(out, s)
		}
	}
	return out
}

// Reader returns the newest version of a category: the schema producers write and
// consumers resolve every older writer schema to. It panics on an unknown category.
func Reader(c Category) Schema {
	v := Versions(c)
	if len(v) == 0 {
		panic(fmt.Sprintf("schemas: unknown category %q", c))
	}
	return v[len(v)-1]
}

// ByID returns the schema with a pinned static ID.
func ByID(id int) (Schema, bool) {
	for _, s := range all {
		if s.ID == id {
			return s, true
		}
	}
	return Schema{}, false
}

// Parse parses the schema with hamba/avro. Each call uses its own name cache, so
// versions that define the same named types never see each other.
func (s Schema) Parse() (avro.Schema, error) { return Parse(s.Text) }

// Parse parses Avro schema text with a private name cache (hamba's avro.Parse
// registers names in a process-wide cache, where two versions of one record collide).
func Parse(text string) (avro.Schema, error) {
	return avro.ParseWithCache(text, "", &avro.SchemaCache{})
}

// CheckCompatibility reports whether a schema change from older to newer is both
// backward compatible (a newer reader reads data the older schema wrote) and forward
// compatible (an older reader reads data the newer schema wrote), following the Avro
// resolution rules as implemented by hamba/avro. Producers and consumers upgrade
// independently, so both directions must hold.
func CheckCompatibility(older, newer string) error {
	o, err := Parse(older)
	if err != nil {
		return fmt.Errorf("parse older schema: %w", err)
	}
	n, err := Parse(newer)
	if err != nil {
		return fmt.Errorf("parse newer schema: %w", err)
	}
	c := avro.NewSchemaCompatibility()
	if err := c.Compatible(n, o); err != nil {
		return fmt.Errorf("not backward compatible (newer reader, older writer): %w", err)
	}
	if err := c.Compatible(o, n); err != nil {
		return fmt.Errorf("not forward compatible (older reader, newer writer): %w", err)
	}
	return nil
}
