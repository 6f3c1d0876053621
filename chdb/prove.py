#!/usr/bin/env python3
"""Prove the modern ClickHouse profile with chDB (an in-process ClickHouse 26.x engine).

    python3 chdb/prove.py            # run by `make chdb-proof`; needs the chdb package

It runs `go run ./chdb/sqlgen`, which prints the modern DDL of package chschema, sample rows
(part of them inserted twice, as a Kafka redelivery would) and the statements of package query
with their arguments inlined exactly as clickhouse-go binds them, each with its expected
result. Every statement must execute, and every query must return exactly the expected rows:
order, deduplication without FINAL, keyset pages, session counts and tenant isolation.

    python3 chdb/prove.py --bench --rows 20000000 --sessions 100000 --audit-rows 10000000

loads the benchmark data set with the generator SQL of bench/querybench/datagen and reports
per-query latency (p50/p99 in-process), rows and bytes read, and compression per table.
Exit status 1 on any failure.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

import chdb
from chdb import session as chs

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sqlgen(*args):
    out = subprocess.run(["go", "run", "./chdb/sqlgen", *args], cwd=REPO, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def rows(sess, sql):
    res = sess.query(sql, "JSONCompact")
    text = res.bytes().decode() if hasattr(res, "bytes") else str(res)
    if not text.strip():
        return []
    return json.loads(text)["data"]


def prove(sess):
    plan = sqlgen("-database", "proof")
    for stmt in plan["setup"]:
        sess.query(stmt)
    failures = 0
    for check in plan["checks"]:
        got = [[str(v) for v in r[: check["columns"]]] for r in rows(sess, check["sql"])]
        want = check["want"] or []
        ok = got == want
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {check['name']}: {len(got)} rows")
        if not ok:
            print("  got: ", got, "\n  want:", want, "\n  sql:\n", check["sql"])
    version = rows(sess, "SELECT version()")[0][0]
    print(f"chDB {chdb.__version__} (ClickHouse {version}): {len(plan['setup'])} DDL/insert statements, "
          f"{len(plan['checks'])} checks, {failures} failed")
    return failures == 0


def bench(sess, args):
    plan = sqlgen("-bench", "-database", "bench", "-rows", str(args.rows), "-sessions", str(args.sessions),
                  "-audit-rows", str(args.audit_rows))
    for stmt in plan["setup"]:
        sess.query(stmt)
    start = time.time()
    for stmt in plan["load"]:
        sess.query(stmt)
    n_cob = rows(sess, "SELECT count() FROM bench.cobrowse_events")[0][0]
    n_aud = rows(sess, "SELECT count() FROM bench.audit_events")[0][0]
    print(f"loaded {n_cob} co-browsing and {n_aud} audit rows in {time.time() - start:.1f} s")
    sessions = rows(sess, "SELECT tenant_id, session_id FROM bench.cobrowse_sessions "
                          "WHERE cityHash64(session_id) % 200 = 7 GROUP BY tenant_id, session_id")
    users = rows(sess, "SELECT tenant_id, user_id FROM bench.audit_events_by_user GROUP BY tenant_id, user_id "
                       "HAVING cityHash64(user_id, tenant_id) % 10 = 3")
    tenants = [r[0] for r in rows(sess, "SELECT DISTINCT tenant_id FROM bench.audit_events")]
    rng = random.Random(1)
    results = {name: [] for name in plan["queries"]}
    for i in range(args.iterations + 1):
        t, s = rng.choice(sessions)
        ut, u = rng.choice(users)
        tt = rng.choice(tenants)
        for name, tmpl in plan["queries"].items():
            if name.startswith("activity_tenant"):
                sql = tmpl.replace("__TENANT__", tt)
            elif name.startswith("activity_user"):
                sql = tmpl.replace("__TENANT__", ut).replace("__USER__", u)
            else:
                sql = tmpl.replace("__TENANT__", t).replace("__SESSION__", s)
            t0 = time.perf_counter()
            res = sess.query(sql, "Null")
            dt = time.perf_counter() - t0
            if i > 0:  # the first round warms caches
                results[name].append((dt, res.rows_read(), res.bytes_read()))
    for name, rs in results.items():
        lat = sorted(r[0] for r in rs)
        p50, p99 = lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        print(f"{name:28s} n={len(rs)} p50 {p50 * 1000:7.2f} ms  p99 {p99 * 1000:7.2f} ms  "
              f"rows read/query {sum(r[1] for r in rs) // len(rs):9d}  bytes read/query {sum(r[2] for r in rs) // len(rs):11d}")
    sess.query("OPTIMIZE TABLE bench.cobrowse_events FINAL")  # report compression of merged parts too
    for table, comp, unc in rows(sess, "SELECT table, sum(data_compressed_bytes), sum(data_uncompressed_bytes) "
                                       "FROM system.columns WHERE database = 'bench' GROUP BY table ORDER BY table"):
        if int(comp) > 0:
            print(f"  {table:24s} {int(comp) / 2**20:8.1f} MiB compressed, {int(unc) / 2**20:8.1f} MiB raw, "
                  f"ratio {int(unc) / int(comp):.2f}x")
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--sessions", type=int, default=10_000)
    ap.add_argument("--audit-rows", type=int, default=1_000_000)
    ap.add_argument("--iterations", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        sess = chs.Session(os.path.join(d, "chdb"))
        ok = bench(sess, args) if args.bench else prove(sess)
        sess.close()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
