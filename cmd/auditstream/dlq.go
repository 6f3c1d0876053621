package main

import (
	"context"
	"errors"
)

func runDLQ(ctx context.Context, args []string) error { return errors.New("not implemented yet") }
