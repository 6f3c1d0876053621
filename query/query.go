package query

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"

	"github.com/auditstream/auditstream/event"
	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// Errors returned for invalid requests. Server and network errors are returned wrapped.
var (
	// ErrNoTenant: every request must name its tenant.
	ErrNoTenant = errors.New("query: tenant is required")
	// ErrInvalidRequest wraps every other request validation error.
	ErrInvalidRequest = errors.New("query: invalid request")
	// ErrInvalidCursor is returned by ParseCursor and ParseSessionCursor.
	ErrInvalidCursor = errors.New("query: invalid cursor")
)

// Page size defaults and the maximum accepted Limit.
const (
	DefaultReplayLimit   = 500
	DefaultActivityLimit = 100
	DefaultSessionsLimit = 100
	MaxLimit             = 10000
)

// Option configures a Client.
type Option interface{ apply(*Client) }

type optionFunc func(*Client)

func (f optionFunc) apply(c *Client) { f(c) }

// WithLogger sets a logger for query timings at debug level. Default: silent.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *Client) {
		if l != nil {
			c.logger = l
		}
	})
}

// Client runs the read queries against one database.
type Client struct {
	conn     driver.Conn
	database string
	profile  chschema.Profile
	logger   *slog.Logger
}

// New returns a Client for the tables in database, created with profile p (see
// chschema.DetectProfile).
func New(conn driver.Conn, database string, p chschema.Profile, opts ...Option) (*Client, error) {
	if conn == nil {
		return nil, fmt.Errorf("%w: nil connection", ErrInvalidRequest)
	}
	if !chschema.ValidIdentifier(database) {
		return nil, fmt.Errorf("%w: database %q is not a plain identifier", ErrInvalidRequest, database)
	}
	if p != chschema.Modern && p != chschema.Legacy {
		return nil, fmt.Errorf("%w: profile %v", ErrInvalidRequest, p)
	}
	c := &Client{conn: conn, database: database, profile: p, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o.apply(c)
	}
	return c, nil
}

// Cursor is a keyset position in a replay (time, seq, event ID) or an activity log (time,
// event ID; Seq is zero). Pages continue strictly after (replay) or before (activity) it.
type Cursor struct {
	Time    time.Time
	Seq     int64
	EventID event.ID
}

// String encodes the cursor as an opaque URL-safe token; ParseCursor decodes it.
func (c Cursor) String() string {
	s := fmt.Sprintf("%d:%d:%s", c.Time.UnixMilli(), c.Seq, uuid.UUID(c.EventID))
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// ParseCursor decodes a token made by Cursor.String.
func ParseCursor(token string) (Cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return Cursor{}, fmt.Errorf("%w: %v", ErrInvalidCursor, err)
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 {
		return Cursor{}, fmt.Errorf("%w: %q", ErrInvalidCursor, token)
	}
	ms, err1 := strconv.ParseInt(parts[0], 10, 64)
	seq, err2 := strconv.ParseInt(parts[1], 10, 64)
	id, err3 := uuid.Parse(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil || seq < 0 {
		return Cursor{}, fmt.Errorf("%w: %q", ErrInvalidCursor, token)
	}
	return Cursor{Time: time.UnixMilli(ms).UTC(), Seq: seq, EventID: event.ID(id)}, nil
}

// SessionCursor is a keyset position in the session list (newest first).
type SessionCursor struct {
	FirstEventTime time.Time
	SessionID      string
}

// String encodes the cursor as an opaque URL-safe token; ParseSessionCursor decodes it.
func (c SessionCursor) String() string {
	s := strconv.FormatInt(c.FirstEventTime.UnixMilli(), 10) + ":" + c.SessionID
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// ParseSessionCursor decodes a token made by SessionCursor.String.
func ParseSessionCursor(token string) (SessionCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return SessionCursor{}, fmt.Errorf("%w: %v", ErrInvalidCursor, err)
	}
	ms, session, ok := strings.Cut(string(raw), ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil {
		return SessionCursor{}, fmt.Errorf("%w: %q", ErrInvalidCursor, token)
	}
	return SessionCursor{FirstEventTime: time.UnixMilli(n).UTC(), SessionID: session}, nil
}

func checkLimit(limit, def int) (int, error) {
	switch {
	case limit == 0:
		return def, nil
	case limit < 0 || limit > MaxLimit:
		return 0, fmt.Errorf("%w: limit %d not in 1..%d", ErrInvalidRequest, limit, MaxLimit)
	}
	return limit, nil
}

// dialect writes the profile-specific parts of a statement: how event_time is read and
// compared. Times cross the API as epoch milliseconds so both profiles bind plain integers.
type dialect struct{ p chschema.Profile }

// tsMillis is the SELECT expression for event_time as Int64 epoch milliseconds.
func (d dialect) tsMillis() string {
	if d.p == chschema.Legacy {
		return "toInt64(toUInt64(event_time) * 1000 + event_time_ms)"
	}
	return "toUnixTimestamp64Milli(event_time)"
}

// timeOrder is the ORDER BY prefix for event time, ascending or descending.
func (d dialect) timeOrder(dir string) string {
	if d.p == chschema.Legacy {
		return "event_time " + dir + ", event_time_ms " + dir
	}
	return "event_time " + dir
}

// timeValue is the placeholder expression comparable with event_time (modern only).
const modernTime = "fromUnixTimestamp64Milli(toInt64(?), 'UTC')"

// timeCmp adds "event time <op> ms" to b. On legacy it adds a seconds-level condition the
// primary key can use, plus the exact millisecond comparison.
func (d dialect) timeCmp(b *builder, op string, ms int64) {
	if d.p == chschema.Legacy {
		idx := ">="
		if op[0] == '<' {
			idx = "<="
		}
		b.cond("event_time "+idx+" toDateTime(?)", floorDiv(ms, 1000))
		b.cond(d.tsMillis()+" "+op+" ?", ms)
		return
	}
	b.cond("event_time "+op+" "+modernTime, ms)
}

// keyset adds "(event time, event id text) <op> (cursor)" to b (the activity log order),
// with a plain time bound first so the primary key prunes.
func (d dialect) keyset(b *builder, op string, c Cursor) {
	ms := c.Time.UnixMilli()
	d.timeCmp(b, op+"=", ms)
	left, right := "event_time", modernTime
	if d.p == chschema.Legacy {
		left, right = d.tsMillis(), "?"
	}
	b.cond("("+left+", toString(event_id)) "+op+" ("+right+", ?)", ms, uuid.UUID(c.EventID).String())
}

// replayKeyset adds "(event time, seq, event_id) > (cursor)" to b (the replay order). The
// UUID itself breaks ties here, not its text: (time, seq) is unique within a session by the
// event contract, so only exact duplicates tie, and sorting raw UUIDs is cheaper.
func (d dialect) replayKeyset(b *builder, c Cursor) {
	ms := c.Time.UnixMilli()
	d.timeCmp(b, ">=", ms)
	left, right := "event_time", modernTime
	if d.p == chschema.Legacy {
		left, right = d.tsMillis(), "?"
	}
	b.cond("("+left+", seq, event_id) > ("+right+", ?, toUUID(?))", ms, uint64(c.Seq), uuid.UUID(c.EventID).String())
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func timeFromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// run executes st and calls scan for each row.
func (c *Client) run(ctx context.Context, name string, st Statement, scan func(driver.Rows) error) error {
	start := time.Now()
	rows, err := c.conn.Query(ctx, st.SQL, st.Args...)
	if err != nil {
		return fmt.Errorf("query: %s: %w", name, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("query: %s: scan: %w", name, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query: %s: %w", name, err)
	}
	c.logger.DebugContext(ctx, "query", "name", name, "rows", n, "duration", time.Since(start))
	return nil
}

func parseID(s string) (event.ID, error) {
	u, err := uuid.Parse(s)
	return event.ID(u), err
}
