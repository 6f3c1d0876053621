package main

import (
	"context"
	"errors"
)

func runReplay(ctx context.Context, args []string) error { return errors.New("not implemented yet") }

func runSessions(ctx context.Context, args []string) error { return errors.New("not implemented yet") }

func runActivity(ctx context.Context, args []string) error { return errors.New("not implemented yet") }
