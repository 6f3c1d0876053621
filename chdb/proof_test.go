// Package chdb_test runs the chDB proof of the modern ClickHouse profile (prove.py) as part
// of go test ./...: the modern DDL and the exact query SQL must run on chDB (ClickHouse
// 26.x in-process) and return the expected rows.
//
// The proof needs Python with the chdb package, in a venv cached outside the repo
// ($AUDITSTREAM_CACHE_DIR or ~/.cache/auditstream, subdirectory venv). Without it the test
// skips, except under AUDITSTREAM_E2E=1, where it creates the venv (pip install
// chdb==4.4.0) and fails if that is impossible.
package chdb_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const chdbVersion = "4.4.0"

func venvPython(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("AUDITSTREAM_CACHE_DIR")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		cache = filepath.Join(home, ".cache", "auditstream")
	}
	venv := filepath.Join(cache, "venv")
	py := filepath.Join(venv, "bin", "python")
	if exec.Command(py, "-c", "import chdb").Run() == nil {
		return py
	}
	if os.Getenv("AUDITSTREAM_E2E") != "1" {
		t.Skipf("no chdb in %s (set AUDITSTREAM_E2E=1 to install it and make this a failure)", venv)
	}
	for _, args := range [][]string{
		{"python3", "-m", "venv", venv},
		{filepath.Join(venv, "bin", "pip"), "install", "-q", "chdb==" + chdbVersion},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	return py
}

// TestModernProfileOnChDB runs prove.py: every DDL statement and query of the modern
// profile must execute on chDB and every query must return exactly its expected rows.
func TestModernProfileOnChDB(t *testing.T) {
	if testing.Short() && os.Getenv("AUDITSTREAM_E2E") != "1" {
		t.Skip("chDB proof skipped in -short mode")
	}
	py := venvPython(t)
	cmd := exec.Command(py, "prove.py")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("prove.py: %v", err)
	}
}
