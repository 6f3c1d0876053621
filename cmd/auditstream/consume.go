package main

import (
	"context"
	"errors"
)

func runConsume(ctx context.Context, args []string) error { return errors.New("not implemented yet") }
