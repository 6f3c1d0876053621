package migrate

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"

	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

func TestRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&clickhouse.Exception{Code: 57, Message: "Table db.t already exists"}, true},
		{fmt.Errorf("wrapped: %w", &clickhouse.Exception{Code: 82}), true},
		{&clickhouse.Exception{Code: 62, Message: "Syntax error"}, false},
		{errors.New("connection reset"), false},
		{context.Canceled, false},
	}
	for _, tt := range tests {
		if got := retryable(tt.err); got != tt.want {
			t.Errorf("retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestCheckProfile(t *testing.T) {
	done := map[uint32]record{1: {Version: 1, Profile: "legacy"}}
	if err := checkProfile(done, chschema.Legacy); err != nil {
		t.Errorf("same profile: %v", err)
	}
	if err := checkProfile(done, chschema.Modern); !errors.Is(err, ErrProfileMismatch) {
		t.Errorf("other profile: err = %v, want ErrProfileMismatch", err)
	}
	if err := checkProfile(nil, chschema.Modern); err != nil {
		t.Errorf("empty ledger: %v", err)
	}
}

func TestUpRejectsBadDatabase(t *testing.T) {
	// Validation happens before any statement is sent, so a nil connection is never used.
	if _, err := Up(context.Background(), nil, "x; DROP TABLE y", chschema.Legacy); !errors.Is(err, chschema.ErrInvalidConfig) {
		t.Errorf("err = %v, want chschema.ErrInvalidConfig", err)
	}
}
