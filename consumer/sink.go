package consumer

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// Sink stores batches. Insert must be all-or-nothing from the consumer's point of view:
// on error the consumer retries the same batch (same rows, same DedupToken) until it
// succeeds, and commits the batch's offsets only after a nil return. Insert is called
// from one goroutine per table at a time.
type Sink interface {
	Insert(ctx context.Context, b *Batch) error
}

// ClickHouseSink inserts batches into ClickHouse with columnar native-protocol inserts:
// PrepareBatch with the profile's explicit column list, one Column(i).Append per column,
// Send. On the modern profile every insert carries the batch's insert_deduplication_token.
// It is safe for concurrent use.
type ClickHouseSink struct {
	conn     driver.Conn
	database string
	profile  chschema.Profile
	columns  map[string][]string
	stmts    map[string]string
}

// NewClickHouseSink returns a sink writing to database on conn with the given profile's
// insert columns (chschema.InsertColumns), filled by chschema's row builders. It fails
// with ErrUnknownColumn if the two disagree.
func NewClickHouseSink(conn driver.Conn, database string, profile chschema.Profile) (*ClickHouseSink, error) {
	if !chschema.ValidIdentifier(database) {
		return nil, fmt.Errorf("%w: database name %q", ErrInvalidConfig, database)
	}
	s := &ClickHouseSink{conn: conn, database: database, profile: profile,
		columns: map[string][]string{}, stmts: map[string]string{}}
	for _, table := range []string{chschema.TableCobrowse, chschema.TableAudit} {
		cols := chschema.InsertColumns(profile, table)
		if cols == nil {
			return nil, fmt.Errorf("%w: no insert columns for %s (profile %v)", ErrInvalidConfig, table, profile)
		}
		// A cheap check that chschema's column list and row builder agree (its tests
		// keep them in step); an insert would fail on every batch otherwise.
		probe, _ := newRowSet(table)
		if n := len(probe.Columns(profile)); n != len(cols) {
			return nil, fmt.Errorf("%w: %s has %d insert columns but the row builder fills %d",
				ErrUnknownColumn, table, len(cols), n)
		}
		s.columns[table] = cols
		s.stmts[table] = chschema.InsertStatement(profile, database, table)
	}
	return s, nil
}

// Insert sends b as one INSERT.
func (s *ClickHouseSink) Insert(ctx context.Context, b *Batch) (err error) {
	stmt, ok := s.stmts[b.Table()]
	if !ok {
		return fmt.Errorf("consumer: no insert statement for table %q", b.Table())
	}
	if s.profile == chschema.Modern {
		ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{
			"insert_deduplication_token": b.DedupToken(),
		}))
	}
	batch, err := s.conn.PrepareBatch(ctx, stmt)
	if err != nil {
		return fmt.Errorf("prepare %s: %w", b.Table(), err)
	}
	defer batch.Close()
	names := s.columns[b.Table()]
	for i, v := range b.Columns(s.profile) {
		if err := batch.Column(i).Append(v); err != nil {
			return fmt.Errorf("append %s.%s: %w", b.Table(), names[i], err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("send %s: %w", b.Table(), err)
	}
	return nil
}

// ClickHouseConfig is how to reach ClickHouse. The zero value is valid.
type ClickHouseConfig struct {
	Addr        []string      `yaml:"addr"`         // host:port of the native protocol; default DefaultClickHouseAddr
	Database    string        `yaml:"database"`     // default DefaultDatabase
	Username    string        `yaml:"username"`     // default "default"
	Password    string        `yaml:"password"`     // default empty
	DialTimeout time.Duration `yaml:"dial_timeout"` // default DefaultDialTimeout
}

func (c *ClickHouseConfig) setDefaults() {
	if len(c.Addr) == 0 {
		c.Addr = []string{DefaultClickHouseAddr}
	}
	if c.Database == "" {
		c.Database = DefaultDatabase
	}
	if c.Username == "" {
		c.Username = "default"
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
}

// OpenClickHouse opens a native-protocol connection pool with LZ4 compression. It does
// not select the database (it may not exist before migrations); statements qualify table
// names instead.
func OpenClickHouse(c ClickHouseConfig) (driver.Conn, error) {
	c.setDefaults()
	return clickhouse.Open(&clickhouse.Options{
		Addr:        c.Addr,
		Auth:        clickhouse.Auth{Username: c.Username, Password: c.Password},
		Compression: &clickhouse.Compression{Method: clickhouse.CompressionLZ4},
		DialTimeout: c.DialTimeout,
		// One insert per table at a time plus the occasional query.
		MaxOpenConns: 4,
		MaxIdleConns: 4,
	})
}
