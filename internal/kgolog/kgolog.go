// Package kgolog adapts a *slog.Logger to franz-go's kgo.Logger, so the Kafka client logs
// through the same handler (and level) as the rest of auditstream. franz-go's plugin/kslog
// does the same; a dozen lines do not justify another module.
//
//	kgo.WithLogger(kgolog.New(logger.With("component", "kafka")))
//
// The adapter is safe for concurrent use if the slog handler is.
package kgolog

import (
	"context"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"
)

// New returns a kgo.Logger writing to l.
func New(l *slog.Logger) kgo.Logger { return logger{l} }

type logger struct{ l *slog.Logger }

// Level tells franz-go the most verbose level worth formatting, so disabled levels cost
// nothing (franz-go's debug output is chatty).
func (k logger) Level() kgo.LogLevel {
	ctx := context.Background()
	switch {
	case k.l.Enabled(ctx, slog.LevelDebug):
		return kgo.LogLevelDebug
	case k.l.Enabled(ctx, slog.LevelInfo):
		return kgo.LogLevelInfo
	case k.l.Enabled(ctx, slog.LevelWarn):
		return kgo.LogLevelWarn
	case k.l.Enabled(ctx, slog.LevelError):
		return kgo.LogLevelError
	}
	return kgo.LogLevelNone
}

// Log implements kgo.Logger.
func (k logger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	l := slog.LevelDebug
	switch level {
	case kgo.LogLevelError:
		l = slog.LevelError
	case kgo.LogLevelWarn:
		l = slog.LevelWarn
	case kgo.LogLevelInfo:
		l = slog.LevelInfo
	}
	k.l.Log(context.Background(), l, msg, keyvals...)
}
