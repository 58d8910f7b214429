#!/usr/bin/env python3
"""Syntax oracle for infrastructure-as-code files.

Usage: python3 scripts/iac_oracle.py FILE...

Checks that each file is still valid for its own tool after an edit:

  .tf / .tfvars                       parsed with python-hcl2 (hcl2.load)
  .json with a top-level "Resources"  CloudFormation: cfn-lint --format parseable
  .yaml / .yml / .template            CloudFormation: cfn-lint --format parseable
  any other .json                     json.load
  anything else                       skipped, with a note

cfn-lint's exit code is a bit mask (2 = errors, 4 = warnings,
8 = informational); only the error bit fails a file.

Prints one line per file ("ok FILE (checker)", "FAIL FILE: reason" or
"skip FILE: note") and exits 1 if any file failed, 2 if a checker is missing.

Needs: pip install python-hcl2 cfn-lint
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

INSTALL_HINT = "pip install python-hcl2 cfn-lint"

CFN_ERROR_BIT = 2
CFN_TIMEOUT_S = 300


def missing(tool: str) -> None:
    print(f"iac_oracle: {tool} is not installed; run: {INSTALL_HINT}", file=sys.stderr)
    sys.exit(2)


def load_hcl2():
    try:
        import hcl2  # provided by the python-hcl2 package
    except ImportError:
        missing("python-hcl2 (module hcl2)")
    return hcl2


def cfn_lint_command() -> list:
    exe = shutil.which("cfn-lint")
    if exe:
        return [exe]
    try:
        import cfnlint  # noqa: F401
    except ImportError:
        missing("cfn-lint")
    return [sys.executable, "-m", "cfnlint"]


def check_hcl(path: Path) -> str:
    hcl2 = load_hcl2()
    with path.open("r", encoding="utf-8") as f:
        hcl2.load(f)
    return "hcl2"


def check_cfn(path: Path) -> str:
    cmd = cfn_lint_command() + ["--format", "parseable", str(path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CFN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ValueError(f"cfn-lint timed out after {CFN_TIMEOUT_S} s")
    if proc.returncode < 0 or proc.returncode & CFN_ERROR_BIT or proc.returncode & 1:
        # 1 = cfn-lint itself failed (bad arguments, crash); negative = killed.
        lines = [l for l in (proc.stdout + proc.stderr).splitlines() if l.strip()]
        errors = [l for l in lines if ":E" in l] or lines
        detail = "; ".join(errors[:5]) or "no output"
        if len(errors) > 5:
            detail += f"; ... ({len(errors) - 5} more)"
        raise ValueError(f"cfn-lint exit {proc.returncode}: {detail}")
    notes = [l for l in proc.stdout.splitlines() if l.strip()]
    return "cfn-lint" + (f", {len(notes)} warning(s)/info" if notes else "")


def check_json(path: Path) -> str:
    with path.open("r", encoding="utf-8") as f:
        json.load(f)
    return "json"


def looks_like_cfn_json(path: Path) -> bool:
    try:
        with path.open("r", encoding="utf-8") as f:
            doc = json.load(f)
    except (ValueError, OSError):
        return False
    return isinstance(doc, dict) and "Resources" in doc


def checker_for(path: Path):
    name = path.name.lower()
    if name.endswith((".tf", ".tfvars")):
        return check_hcl
    if name.endswith((".yaml", ".yml", ".template")):
        return check_cfn
    if name.endswith(".json"):
        return check_cfn if looks_like_cfn_json(path) else check_json
    return None


def main(argv: list) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2

    paths = [Path(a) for a in argv]
    # Fail early, with the install hint, if a checker these files need is missing.
    checkers = {p: checker_for(p) if p.is_file() else None for p in paths}
    if any(c is check_hcl for c in checkers.values()):
        load_hcl2()
    if any(c is check_cfn for c in checkers.values()):
        cfn_lint_command()

    failed = 0
    for path in paths:
        if not path.exists():
            print(f"FAIL {path}: no such file")
            failed += 1
            continue
        if not path.is_file():
            print(f"skip {path}: not a regular file")
            continue
        check = checkers[path]
        if check is None:
            print(f"skip {path}: not a .tf/.tfvars/.json/.yaml/.yml/.template file")
            continue
        try:
            how = check(path)
        except Exception as e:  # parser errors come in many types
            reason = " ".join(str(e).split()) or type(e).__name__
            print(f"FAIL {path}: {type(e).__name__}: {reason}")
            failed += 1
            continue
        print(f"ok {path} ({how})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
