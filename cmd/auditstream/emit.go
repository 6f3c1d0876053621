package main

import (
	"context"
	"errors"
)

func runEmitDemo(ctx context.Context, args []string) error { return errors.New("not implemented yet") }
