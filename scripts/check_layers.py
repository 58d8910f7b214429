#!/usr/bin/env python3
"""Fails on an import that points up the crate's layers (issue 19).

Every `crate::MODULE` path in a file under src/MODULE_A/ (or src/MODULE_A.rs) is an edge
MODULE_A -> MODULE. An edge is allowed only when MODULE sits in a lower layer than MODULE_A, so
dependencies point one way: the layers below never know the ones above. The same rule holds
inside `app`, whose files are layered among themselves (APP_LAYERS).

Usage: python3 scripts/check_layers.py [--graph]   (from the repository root; exit 1 on a violation)
"""
import re
import sys
from pathlib import Path

# Lowest first. A module may use those in lower layers; modules in one layer know nothing of
# each other unless listed in SAME_LAYER_ALLOWED.
LAYERS = [
    ["common"],                      # errors, paths, number and text formatting
    ["domain"],                      # the data every layer speaks: services, nodes, alarms, costs
    ["slo"],                         # error budgets and burn rates over domain data
    ["sizing"],                      # right-sizing: pure functions over usage and prices
    ["apply"],                       # plans, diffs, audit log, exports
    ["iac"],                         # a plan as a change to the Terraform/CloudFormation that owns it
    ["incident"],                    # the timeline of what changed and what fired
    ["review"],                      # what kept happening over weeks: pure figures over a History
    ["exec"],                        # a shell in a container: checks, the plugin hand-off, the demo's shell
    ["provider"],                    # AWS and the demo fleet behind one trait
    ["accounts"],                    # --org: per-account totals over what the panes hold
    ["app"],                         # state, messages, update, scheduler, keymap
    ["ui"],                          # drawing the state
    ["config"],                      # files parsed into the typed values of the layers below
    ["report", "terminal"],          # headless output, terminal setup
    ["cli"],                         # clap definitions and the headless commands
    ["runtime"],                     # the loop: input, provider tasks, rendering
    ["harness"],                     # the test harness (cfg(test) or feature "harness")
]

# Inside `app`: each file may use those in the layers before its own, never its own or later.
APP_LAYERS = [
    ["action", "backoff", "budget", "table", "incident_view", "detail_view"],
    ["keymap", "pane_state"],
    ["state"],
    ["msg", "layout", "command", "suggest"],
    ["buttons"],
    ["schedule", "mouse", "logs", "code_change"],
    ["fetch"],
    ["service_action"],
    ["incident", "apply", "tasks"],
    ["loaded", "review", "accounts", "overlay_keys"],
    ["update"],
]

USE_RE = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")
GROUP_RE = re.compile(r"\buse\s+crate::\{([^;]*)\}", re.S)
APP_RE = re.compile(r"\b(?:crate::app::|super::)([a-z_][a-z0-9_]*)")


def rank_of(layers):
    return {m: i for i, layer in enumerate(layers) for m in layer}


def top_module(path: Path) -> str:
    rel = path.relative_to("src")
    return rel.parts[0].removesuffix(".rs")


def strip_comments(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def without_tests(text: str) -> str:
    """Test code may reach up (a provider test drawing a frame); it is cut from `#[cfg(test)]`
    before `mod tests` to the end of the file, where this crate keeps it."""
    at = re.search(r"#\[cfg\(test\)\]\s*mod tests\b", text)
    return text[: at.start()] if at else text


def test_only_files() -> set:
    """Files declared `#[cfg(test)] mod NAME;`: test code as a whole."""
    files = set()
    for path in Path("src").rglob("*.rs"):
        for name in re.findall(r"#\[cfg\(test\)\]\s*(?:pub\s+)?mod\s+([a-z_0-9]+)\s*;", path.read_text()):
            base = path.parent if path.name in ("mod.rs", "lib.rs") else path.with_suffix("")
            files.add(base / f"{name}.rs")
            files.add(base / name / "mod.rs")
    return files


def targets(text: str):
    found = set(USE_RE.findall(text))
    for group in GROUP_RE.findall(text):
        for item in re.split(r"[,\s]+", group):
            head = item.split("::")[0].strip("{} ")
            if head:
                found.add(head)
    return found


def main() -> int:
    ranks = rank_of(LAYERS)
    app_ranks = rank_of(APP_LAYERS)
    problems, graph = [], {}
    tests_only = test_only_files()
    for path in sorted(Path("src").rglob("*.rs")):
        src = top_module(path)
        if src in ("lib", "main") or path in tests_only:
            continue
        if src not in ranks:
            problems.append(f"{path}: module `{src}` is in no layer (add it to LAYERS)")
            continue
        text = without_tests(strip_comments(path.read_text()))
        for dst in targets(text):
            if dst == src or dst in ("self", "super"):
                continue
            graph.setdefault(src, set()).add(dst)
            if dst not in ranks:
                problems.append(f"{path}: uses crate::{dst}, which is in no layer")
            elif ranks[dst] >= ranks[src]:
                problems.append(f"{path}: `{src}` uses crate::{dst}, which is not below it")
        if src == "app" and path.parent == Path("src/app"):
            me = path.stem
            if me == "mod":
                continue
            for dst in set(APP_RE.findall(text)):
                if dst == me or dst not in app_ranks or me not in app_ranks:
                    continue
                if app_ranks[dst] >= app_ranks[me]:
                    problems.append(f"{path}: app::{me} uses app::{dst}, which is not below it")
    if "--graph" in sys.argv:
        for src in sorted(graph, key=lambda m: ranks.get(m, 99)):
            print(f"{src} -> {', '.join(sorted(graph[src], key=lambda m: ranks.get(m, 99)))}")
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"check_layers: {len(problems)} import(s) against the layers (see LAYERS in {__file__})", file=sys.stderr)
        return 1
    print("check_layers: every import points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
