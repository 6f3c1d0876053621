// Package integration_test holds end-to-end tests against a real Kafka and a real ClickHouse,
// provided by internal/testenv (environment variables, testcontainers, or deploy/local).
// Without services the tests skip, except under AUDITSTREAM_E2E=1 (CI), where they fail.
package integration_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/auditstream/auditstream/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := testenv.Shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, "testenv shutdown:", err)
	}
	os.Exit(code)
}
