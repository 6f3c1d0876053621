package chschema

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Profile is a family of ClickHouse server versions that share one DDL variant.
type Profile int

const (
	// Modern is ClickHouse 24.8 and later: DateTime64, codecs, TTL, skip indexes,
	// LowCardinality, groupBitmap.
	Modern Profile = iota + 1
	// Legacy is the ClickHouse 18.16 feature set: DateTime plus event_time_ms, no codecs,
	// TTL, skip indexes or LowCardinality.
	Legacy
)

// String returns "modern" or "legacy".
func (p Profile) String() string {
	switch p {
	case Modern:
		return "modern"
	case Legacy:
		return "legacy"
	}
	return "Profile(" + strconv.Itoa(int(p)) + ")"
}

// ParseProfile parses "modern" or "legacy" (the String form).
func ParseProfile(s string) (Profile, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "modern":
		return Modern, nil
	case "legacy":
		return Legacy, nil
	}
	return 0, fmt.Errorf("chschema: unknown profile %q (want modern or legacy)", s)
}

// valid reports whether p is Modern or Legacy.
func (p Profile) valid() bool { return p == Modern || p == Legacy }

// ErrUnsupportedVersion is returned for server versions older than 18.16, which no profile
// has been tested on.
var ErrUnsupportedVersion = errors.New("chschema: unsupported ClickHouse version")

// ProfileForVersion maps a server version string (as returned by SELECT version(), e.g.
// "18.16.1" or "24.8.4.13") to a profile.
//
// Versions from 24.8 on are Modern. Versions from 18.16 up to 24.7 are Legacy: most of them
// have DateTime64 and codecs, but the Modern DDL also relies on newer behaviour (TTL with
// ttl_only_drop_parts, groupBitmap on UInt64, fromUnixTimestamp64Milli, read-in-order
// optimisation), and the Legacy DDL is known to work everywhere from 18.16 on. Anything
// older than 18.16 is ErrUnsupportedVersion.
func ProfileForVersion(version string) (Profile, error) {
	parts := strings.SplitN(strings.TrimSpace(version), ".", 3)
	if len(parts) < 2 {
		return 0, fmt.Errorf("chschema: cannot parse ClickHouse version %q", version)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("chschema: cannot parse ClickHouse version %q", version)
	}
	switch {
	case major > 24 || (major == 24 && minor >= 8):
		return Modern, nil
	case major > 18 || (major == 18 && minor >= 16):
		return Legacy, nil
	}
	return 0, fmt.Errorf("%w: %s (need 18.16 or later)", ErrUnsupportedVersion, version)
}

// DetectProfile asks the server for its version and maps it with ProfileForVersion.
func DetectProfile(ctx context.Context, conn driver.Conn) (Profile, error) {
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		return 0, fmt.Errorf("chschema: detect profile: %w", err)
	}
	return ProfileForVersion(version)
}
