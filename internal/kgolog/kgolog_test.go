package kgolog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestLevelsMapBothWays(t *testing.T) {
	for _, tc := range []struct {
		handler slog.Level
		want    kgo.LogLevel
	}{
		{slog.LevelDebug, kgo.LogLevelDebug},
		{slog.LevelInfo, kgo.LogLevelInfo},
		{slog.LevelWarn, kgo.LogLevelWarn},
		{slog.LevelError, kgo.LogLevelError},
		{slog.LevelError + 4, kgo.LogLevelNone},
	} {
		var buf bytes.Buffer
		l := New(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.handler})))
		if got := l.Level(); got != tc.want {
			t.Errorf("handler at %v: Level() = %v, want %v", tc.handler, got, tc.want)
		}
		l.Log(kgo.LogLevelWarn, "broker gone", "broker", 1)
		wantLogged := tc.handler <= slog.LevelWarn
		if got := strings.Contains(buf.String(), "level=WARN msg=\"broker gone\" broker=1"); got != wantLogged {
			t.Errorf("handler at %v: warn logged = %v, want %v (%q)", tc.handler, got, wantLogged, buf.String())
		}
	}
}
