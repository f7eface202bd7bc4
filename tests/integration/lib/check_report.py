# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Checks what a `protoport watch` run printed against the rows a test expects.

Expected rows: a file with one row per line, "src_ip dest_ip app dest_port transport count",
optionally followed by the row's rule (default "<app>-unexpected-port"; for a port rule,
"<expected>-port-other-protocol", and the row's `expected` must then name <expected>).
Expected flows (--expect-flows): the same shape, for every flow's verdict (--flows FILE of the
watch); app "-" means "any app that is not a mismatch app" (dns, http, ssl, smtp): the hidden
SSH case. Every output given is checked; all differences are listed; exit 1 if there is one.

  check_report.py --expect ROWS [--json OUT] [--json-file FILE] [--csv OUT] [--table OUT]
                  [--flows FLOWS --expect-flows FLOWS_EXPECTED] [--stderr ERR]
                  [--since EPOCH_S --until EPOCH_S]
"""
import argparse
import collections
import csv
import datetime
import json
import re
import sys

MISMATCH_APPS = {"dns", "http", "ssl", "smtp"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
KEY_FIELDS = ("src_ip", "dest_ip", "app", "dest_port", "transport")

problems = []
RULES = {}  # row key -> its rule, when the expected rows name one
PORT_RULE_SUFFIX = "-port-other-protocol"


def problem(where, text):
    problems.append(f"{where}: {text}")


def read_expected(path):
    """{(src_ip, dest_ip, app, dest_port, transport): count} from a whitespace-separated file."""
    rows = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) not in (6, 7):
                sys.exit(f"{path}:{n}: want 6 or 7 fields, got {line!r}")
            key = (parts[0], parts[1], parts[2], int(parts[3]), parts[4])
            if len(parts) == 7:
                RULES[key] = parts[6]
            rows[key] = rows.get(key, 0) + int(parts[5])
    return rows


def show(key):
    return f"{key[0]} -> {key[1]} {key[2]} on {key[3]}/{key[4]}"


def compare(where, want, got):
    for key in sorted(set(want) | set(got), key=str):
        if key not in got:
            problem(where, f"missing row {show(key)} (count {want[key]})")
        elif key not in want:
            problem(where, f"unexpected row {show(key)} (count {got[key]})")
        elif want[key] != got[key]:
            problem(where, f"row {show(key)}: count {got[key]}, want {want[key]}")


def utc_epoch(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def port_rule_of(key):
    """For a row of another app than expected on the same flow endpoints: the port rule that an
    expected row names there (a port rule depends on the port, not on the app found)."""
    if key[2] in MISMATCH_APPS:
        return None
    for k, rule in RULES.items():
        if (k[0], k[1], k[3], k[4]) == (key[0], key[1], key[3], key[4]) and rule.endswith(PORT_RULE_SUFFIX):
            return rule
    return None


def check_fields(where, rec, args):
    """The fields every row and new mismatch must carry, whatever the format."""
    key = show(tuple(rec.get(k) for k in KEY_FIELDS))
    if rec.get("action") != "allowed":
        problem(where, f"{key}: action {rec.get('action')!r}, want 'allowed'")
    want_rule = RULES.get(key_of(rec)) or port_rule_of(key_of(rec)) or f"{rec.get('app')}-unexpected-port"
    if rec.get("rule") != want_rule:
        problem(where, f"{key}: rule {rec.get('rule')!r}, want {want_rule!r}")
    elif want_rule.endswith(PORT_RULE_SUFFIX):
        expected = want_rule[:-len(PORT_RULE_SUFFIX)]
        got = rec.get("expected")
        names = got if isinstance(got, list) else str(got or "").replace(",", " ").split()
        if expected not in names:
            problem(where, f"{key}: expected {got!r}, want it to name {expected!r}")
    for t in ("firstTime", "lastTime"):
        value = rec.get(t, "")
        if not TIME_RE.match(value):
            problem(where, f"{key}: {t} {value!r} is not %Y-%m-%dT%H:%M:%S")
        elif args.since is not None and not (
                int(args.since) <= utc_epoch(value) <= int(args.until) + 1):
            problem(where, f"{key}: {t} {value} is outside the run ({args.since}..{args.until} UTC epoch)")
    if TIME_RE.match(rec.get("firstTime", "")) and TIME_RE.match(rec.get("lastTime", "")) \
            and rec["firstTime"] > rec["lastTime"]:
        problem(where, f"{key}: firstTime after lastTime")
    if not rec.get("expected"):
        problem(where, f"{key}: no 'expected' field")


def num(value):
    """An integer field (JSON number or CSV cell); None when absent or not a number."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        problem("value", f"{value!r} is not an integer")
        return None


def key_of(rec):
    return (rec.get("src_ip"), rec.get("dest_ip"), rec.get("app"), num(rec.get("dest_port")),
            rec.get("transport"))


def check_records(where, records, want, args):
    """records: dicts in output order (JSON lines or CSV rows) of one watch run."""
    reports = [i for i, r in enumerate(records) if r.get("event") == "report_summary"]
    if not reports:
        problem(where, "no report_summary: the exit report is missing")
        return
    # The exit report is the last one; its rows are the report_row records before its summary.
    start = reports[-2] + 1 if len(reports) > 1 else 0
    rows = [r for r in records[start:reports[-1]] if r.get("event") == "report_row"]
    got = collections.Counter()
    for r in rows:
        if key_of(r) in got:
            problem(where, f"duplicate report row {show(key_of(r))}")
        got[key_of(r)] += num(r.get("count")) or 0
        check_fields(where, r, args)
    compare(where + " report rows", want, got)
    summary = records[reports[-1]]
    if num(summary.get("rows")) != len(rows):
        problem(where, f"report_summary rows={summary.get('rows')}, but {len(rows)} report_row lines")
    if num(summary.get("count")) != sum(got.values()):
        problem(where, f"report_summary count={summary.get('count')}, rows add up to {sum(got.values())}")
    # Each aggregate is announced once, at its first flow.
    news = collections.Counter(key_of(r) for r in records if r.get("event") == "new_mismatch")
    for key, n in news.items():
        if n != 1:
            problem(where, f"new_mismatch for {show(key)} printed {n} times")
    for r in records:
        if r.get("event") == "new_mismatch":
            check_fields(where + " new_mismatch", r, args)
            if str(r.get("count")) != "1":
                problem(where, f"new_mismatch {show(key_of(r))}: count {r.get('count')}, want 1")
    if set(news) != set(want):
        compare(where + " new_mismatch set", {k: 1 for k in want}, {k: 1 for k in news})


def read_json_lines(where, path):
    records = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                problem(where, f"line {n} is not JSON ({e}): {line.rstrip()!r}")
    return records


def check_json(path, want, args, label):
    check_records(f"{label} {path}", read_json_lines(label, path), want, args)


def check_csv(path, want, args):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        for field in ("event",) + KEY_FIELDS + ("action", "rule", "count", "firstTime", "lastTime"):
            if field not in header:
                problem(f"csv {path}", f"header has no {field!r} column: {header}")
        records = []
        for row in reader:
            if None in row:
                problem(f"csv {path}", f"line {reader.line_num} has more cells than the header")
            records.append({k: v for k, v in row.items() if k is not None and v != ""})
    check_records(f"csv {path}", records, want, args)


TABLE_ROW_RE = re.compile(r"^(\S+)\s+(\S+)\s+(\w+) on (\d+)/(tcp|udp)\s+(\S+)\s+(\d+)(\s+\S+\s+\S+)?$")
TABLE_NEW_RE = re.compile(r"^NEW (\w+) on (\d+)/(tcp|udp), expected (\S+): (\S+):(\d+) -> (\S+)$")
TABLE_SUMMARY_RE = re.compile(r"^(\d+) rows?, (\d+) flows?;")


def check_table(path, want, args):
    where = f"table {path}"
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("protoport report ")]
    if not starts:
        problem(where, "no 'protoport report' header: the exit report is missing")
        return
    got = collections.Counter()
    summary = None
    for line in lines[starts[-1] + 1:]:
        if m := TABLE_SUMMARY_RE.match(line):
            summary = m
            break
        if m := TABLE_ROW_RE.match(line):
            key = (m[1], m[2], m[3], int(m[4]), m[5])
            if key in got:
                problem(where, f"duplicate row {show(key)}")
            got[key] += int(m[7])
            if m[6] == "-" or not m[6]:
                problem(where, f"row {show(key)}: no EXPECTED column")
    compare(where + " report rows", want, got)
    if summary is None:
        problem(where, "no 'N rows, M flows' summary line after the report")
    elif int(summary[1]) != len(got) or int(summary[2]) != sum(got.values()):
        problem(where, f"summary says {summary[1]} rows, {summary[2]} flows; table has "
                       f"{len(got)} rows, {sum(got.values())} flows")
    news = collections.Counter()
    for i, line in enumerate(lines[:starts[-1]]):
        if m := TABLE_NEW_RE.match(line):
            src = m[5][1:-1] if m[5].startswith("[") else m[5]
            key = (src, m[7], m[1], int(m[2]), m[3])
            news[key] += 1
            detail = lines[i + 1] if i + 1 < len(lines) else ""
            rule = RULES.get(key, f"{m[1]}-unexpected-port")
            if not re.match(r"^    at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d  " + re.escape(rule) + r"\b", detail):
                problem(where, f"NEW {show(key)}: next line {detail!r} lacks 'at TIME  {rule}'")
        elif line.startswith("NEW "):
            problem(where, f"unparsable NEW line {line!r}")
    compare(where + " NEW lines", {k: 1 for k in want}, dict(news))


def check_flows(path, want_path):
    where = f"flows {path}"
    want = read_expected(want_path)
    got = collections.Counter()
    for r in read_json_lines(where, path):
        if r.get("event") != "flow":
            continue
        key = key_of(r)
        # "-": the test only demands that the flow is not named as a mismatch app.
        loose = (key[0], key[1], "-", key[3], key[4])
        if loose in want and key[2] not in MISMATCH_APPS:
            key = loose
        got[key] += 1
    compare(where + " verdicts", want, got)


def check_stderr(path):
    where = f"stderr {path}"
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    counters = None
    for line in text.splitlines():
        if '"kernel_counters"' in line:
            counters = json.loads(line)
    if counters is None:
        # The last table is the watch's total (per-hook tables, when both hooks ran, come first).
        tables = re.findall(r"^kernel counters \(.*\):\n((?:  \S+ +\d+\n)+)", text, re.M)
        if tables:
            counters = {k: int(v) for k, v in re.findall(r"^  (\S+) +(\d+)$", tables[-1], re.M)}
    if counters is None:
        problem(where, "no kernel counters at exit")
    else:
        for name in ("ringbuf_full", "flow_update_fail"):
            if counters.get(name) != 0:
                problem(where, f"kernel counter {name} = {counters.get(name)}, want 0")
        if not counters.get("sampled"):
            problem(where, f"kernel counter sampled = {counters.get('sampled')}, want > 0")
    m = re.search(r"^userspace: samples (\d+) \(invalid (\d+), after verdict \d+\), flows (\d+), "
                  r"verdicts (\d+) \(on timeout \d+\), evicted undecided (\d+),.* report rows evicted (\d+)",
                  text, re.M)
    if not m:
        problem(where, "no 'userspace:' statistics line")
        return
    samples, invalid, flows, verdicts, evicted, rows_evicted = map(int, m.groups())
    if counters and counters.get("sampled") != samples:
        problem(where, f"kernel sampled {counters.get('sampled')} but userspace received {samples}")
    if invalid or evicted or rows_evicted:
        problem(where, f"userspace dropped something: {m[0]}")
    if flows != verdicts:
        problem(where, f"{flows} flows but {verdicts} verdicts: a flow was left undecided")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--expect", required=True)
    p.add_argument("--json", action="append", default=[])
    p.add_argument("--json-file", action="append", default=[])
    p.add_argument("--csv", action="append", default=[])
    p.add_argument("--table", action="append", default=[])
    p.add_argument("--flows")
    p.add_argument("--expect-flows")
    p.add_argument("--stderr", action="append", default=[])
    p.add_argument("--since", type=float)
    p.add_argument("--until", type=float)
    args = p.parse_args()
    want = read_expected(args.expect)
    for path in args.json:
        check_json(path, want, args, "json")
    for path in args.json_file:
        check_json(path, want, args, "--output")
    for path in args.csv:
        check_csv(path, want, args)
    for path in args.table:
        check_table(path, want, args)
    if args.flows:
        check_flows(args.flows, args.expect_flows)
    for path in args.stderr:
        check_stderr(path)
    for line in problems:
        print(f"FAIL {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
