#!/usr/bin/env python3
"""Least privilege, checked: every AWS operation infradeck sent during the test run (recorded by
scripts/moto_bridge.py --record) must be allowed by iam/apply.json, and those sent in read-only
mode by iam/read-only.json. Also fails when a policy allows a write the read-only one must not.

Usage: python3 scripts/check_iam.py RECORD_DIR [--require-records]
"""
import fnmatch
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
WRITE_PREFIXES = ("Register", "Update", "Modify", "Create", "Delete", "Put", "Tag", "Untag", "Pass", "Start", "Stop")


def allowed(policy_file):
    policy = json.loads((ROOT / "iam" / policy_file).read_text())
    actions = []
    for statement in policy["Statement"]:
        if statement["Effect"] == "Allow":
            listed = statement["Action"]
            actions += [listed] if isinstance(listed, str) else listed
    return actions


def permits(actions, op):
    service, name = op.split(":", 1)
    return any(fnmatch.fnmatchcase(f"{service}:{name}".lower(), a.lower()) for a in actions)


def main():
    record_dir = pathlib.Path(sys.argv[1])
    require = "--require-records" in sys.argv
    read_only, apply = allowed("read-only.json"), allowed("apply.json")
    problems = []
    writes_in_read_only = [a for a in read_only if a.split(":", 1)[1].startswith(WRITE_PREFIXES) or "*" in a]
    if writes_in_read_only:
        problems.append(f"iam/read-only.json allows writes or wildcards: {writes_in_read_only}")
    logs = sorted(record_dir.glob("*.log")) if record_dir.is_dir() else []
    seen = {}
    for log in logs:
        ops = {line.strip() for line in log.read_text().splitlines() if line.strip()}
        seen[log.stem] = ops
        policy, name = (read_only, "read-only.json") if log.stem == "read-only" else (apply, "apply.json")
        for op in sorted(ops):
            if not permits(policy, op):
                problems.append(f"{op} (sent in {log.stem} runs) is not in iam/{name}")
    every = set().union(*seen.values()) if seen else set()
    if require and not every:
        problems.append(f"no operations recorded in {record_dir}: did the moto tests run?")
    if require and "read-only" not in seen:
        problems.append("no read-only run was recorded (tests/aws_moto.rs labels one)")
    for op in sorted(every):
        print(f"  {op}")
    if problems:
        print("check_iam: FAILED", *problems, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"check_iam: {len(every)} operations sent by infradeck, all in iam/apply.json; "
          f"{len(seen.get('read-only', ()))} in read-only runs, all in iam/read-only.json")


if __name__ == "__main__":
    main()
