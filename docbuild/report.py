"""Build reports for people and CI systems, and the CI gate.

    python -m docbuild report [--build-dir DIR] [--ci] [TARGET...]
    python -m docbuild ci [TARGET...]      ninja -k 0 TARGET..., then report --ci TARGET...

The report reads the result the step runner recorded for each step
(<log>.status: ok, failed, interrupted), an `ok` counting only while the
step's stamp is there; with targets, it covers only the steps those targets
reach (from `ninja -t inputs`).  The warnings of every
document come from the memory docbuild's Sphinx extension keeps in each
doctree dir, so a warning of a page that was not rebuilt this time is still
reported, and one that was fixed is gone.  It writes build/report.json and
build/junit.xml, prints GitHub Actions annotations when GITHUB_ACTIONS=true,
and exits non-zero when a step failed (or, with --ci, when any warning is left).
"""

import json
import os
import subprocess
import sys
from xml.sax.saxutils import escape, quoteattr

from docbuild.errors import entry_point
from docbuild.ninja_tool import call, last_durations, ninja_binary
from docbuild.paths import BuildDir, write_if_changed
from docbuild.sphinx_warnings import MEMORY


def step_status(step):
    """ok, failed, interrupted, or "not run": from the result the step runner
    recorded (docbuild/run.py, <log>.status).  `ok` holds only while the
    stamp is there: after `ninja -t clean` the step has no output, and it is
    "not run" rather than failed."""
    try:
        with open(step["log"] + ".status", encoding="utf-8") as f:
            status = f.read().split(" ", 1)[0].strip()
    except OSError:  # a build folder from before status files: the stamp alone says ok
        status = "ok"
    if status == "ok":
        return "ok" if os.path.exists(step["stamp"]) else "not run"
    if status in ("interrupted", "running"):  # running: its runner was killed outright
        return "interrupted"
    return "failed"


def reached_stamps(targets, top):
    """The absolute paths of the targets and of every file they depend on,
    from ninja itself (`ninja -t inputs` is transitive): the steps whose
    stamps are among them are the ones the targets reach."""
    result = subprocess.run([ninja_binary(), "-n", "-t", "inputs", *targets], cwd=top,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode:
        raise ValueError((result.stderr.strip() or result.stdout.strip() or "ninja -t inputs failed")
                         .splitlines()[-1])
    return {os.path.normpath(os.path.join(top, p)) for p in [*targets, *result.stdout.splitlines()]}


def load_warnings(folder):
    if not folder:
        return []
    try:
        with open(os.path.join(folder, MEMORY), encoding="utf-8") as f:
            memory = json.load(f)
    except (OSError, ValueError):
        return []
    found = [w for items in memory.get("documents", {}).values() for w in items]
    # "phase" is the Sphinx extension's own bookkeeping, not part of a report.
    return [{k: v for k, v in w.items() if k != "phase"} for w in found + memory.get("unplaced", [])]


def collect(build_dir, top, reached=None):
    """The report of every step that has a result; with `reached` (a set
    from reached_stamps()), of those steps only."""
    with open(BuildDir(build_dir).state("steps.json"), encoding="utf-8") as f:
        steps = json.load(f)
    durations = last_durations(top)
    report = {"steps": [], "warnings": 0, "failed": 0}
    for step in steps:
        if reached is not None and os.path.normpath(step["stamp"]) not in reached:
            continue
        status = step_status(step)
        if status == "not run":
            continue
        warnings = load_warnings(step.get("doctrees"))
        report["steps"].append({
            "name": step["name"], "status": status, "log": step["log"],
            "duration": durations.get(os.path.relpath(step["stamp"], top)) if status == "ok" else None,
            "warnings": warnings,
        })
        report["warnings"] += len(warnings)
        report["failed"] += status != "ok"
    return report


def place(w, top):
    """`file:line` of a warning as people read it: the file relative to `top`."""
    return ":".join(str(x) for x in (w["file"] and os.path.relpath(w["file"], top), w["line"]) if x)


def junit(report, top):
    """JUnit XML: a test suite per step, holding a test case for the step
    itself (failed if the step failed) and one failed test case per warning.
    CI systems show one failure per test case, so each warning is its own."""
    total = sum(1 + len(s["warnings"]) for s in report["steps"])
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             f'<testsuites name="docbuild" tests="{total}" '
             f'failures="{report["failed"] + report["warnings"]}">']
    for step in report["steps"]:
        name, failed = step["name"], step["status"] != "ok"
        time = f' time="{step["duration"]:.3f}"' if step["duration"] is not None else ""
        lines.append(f'<testsuite name={quoteattr(name)} tests="{1 + len(step["warnings"])}" '
                     f'failures="{failed + len(step["warnings"])}"{time}>')
        lines.append(f'<testcase classname={quoteattr(name)} name={quoteattr(name)}{time}>')
        if failed:
            lines.append(f'<failure message="step {step["status"]}">see {escape(step["log"])}</failure>')
        lines.append("</testcase>")
        for w in step["warnings"]:
            where = f'{w["file"] or ""}:{w["line"] or ""}'
            shown = place(w, top)
            title = f'{shown}: {w["message"]}' if shown else w["message"]
            lines.append(f'<testcase classname={quoteattr(name)} name={quoteattr(title)}>')
            lines.append(f'<failure message={quoteattr(w["message"])} type={quoteattr(w["category"] or w["level"])}>'
                         f'{escape(where)}</failure>')
            lines.append("</testcase>")
        lines.append("</testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"


def annotation(w):
    """A GitHub Actions workflow command for one warning."""
    def prop(value):
        return str(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A") \
            .replace(":", "%3A").replace(",", "%2C")

    def data(value):
        return str(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    kind = "error" if w["level"] in ("ERROR", "CRITICAL") else "warning"
    where = []
    if w["file"]:
        where.append(f"file={prop(os.path.relpath(w['file']))}")
    if w["line"]:
        where.append(f"line={w['line']}")
    return f"::{kind} {','.join(where)}::{data(w['message'])}" if where else f"::{kind}::{data(w['message'])}"


@entry_point
def report_main(argv, prog="python -m docbuild report"):
    import argparse

    p = argparse.ArgumentParser(prog=prog,
                                description="Write build/report.json and build/junit.xml; "
                                            "print the warnings of the last build.")
    p.add_argument("--build-dir", default="build")
    p.add_argument("--ci", action="store_true", help="fail when any warning is left")
    p.add_argument("targets", nargs="*", metavar="TARGET",
                   help="report only the steps these ninja targets reach (default: every step)")
    args = p.parse_args(argv)
    top = os.getcwd()
    build_dir = os.path.abspath(args.build_dir)
    try:
        reached = reached_stamps(args.targets, top) if args.targets else None
        report = collect(build_dir, top, reached)
    except FileNotFoundError:
        print(f"docbuild: error: no build in {args.build_dir}\n  hint: run configure and ninja first",
              file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"docbuild: error: cannot tell which steps {' '.join(args.targets)} reach: {exc}",
              file=sys.stderr)
        return 1
    write_if_changed(BuildDir(build_dir).path("report.json"), json.dumps(report, indent=1))
    write_if_changed(BuildDir(build_dir).path("junit.xml"), junit(report, top))
    github = os.environ.get("GITHUB_ACTIONS") == "true"
    shown = set()  # the shared read and html report the same reading warnings
    for step in report["steps"]:
        for w in step["warnings"]:
            key = (w["file"], w["line"], w["message"])
            if key in shown:
                continue
            shown.add(key)
            if github:
                print(annotation(w))
            else:
                where = place(w, top)
                print(f"{where}: {w['level']}: {w['message']}" if where else f"{w['level']}: {w['message']}")
    failed = [s["name"] + ("" if s["status"] == "failed" else f" {s['status']}")
              for s in report["steps"] if s["status"] != "ok"]
    print(f"docbuild: {len(report['steps'])} steps, {len(failed)} failed"
          + (f" ({', '.join(failed)})" if failed else "")
          + f", {report['warnings']} warning(s); report: {os.path.relpath(os.path.join(build_dir, 'report.json'))}")
    return 1 if failed or (args.ci and report["warnings"]) else 0


def ci_main(argv, prog="python -m docbuild ci"):
    """Every target attempted even when one fails, then the gate."""
    import argparse

    if argv[:1] == ["job"]:  # one job of the CI matrix (configure --matrix)
        from docbuild.matrix import job_main
        return job_main(argv[1:])
    if argv[:1] == ["restore-times"]:  # a restored build folder on a fresh clone
        from docbuild.restore_times import main as restore_main
        return restore_main(argv[1:])
    p = argparse.ArgumentParser(prog=prog, description="Run ninja -k 0 TARGET... (default: all), "
                                "then `report --ci TARGET...`.",
                                epilog=f"Also: `{prog} job NAME [--artifacts DIR]` (one job of the CI "
                                       f"matrix) and `{prog} restore-times [--build-dir DIR]` (a restored "
                                       "build folder on a fresh clone).")
    p.add_argument("--build-dir", default="build", help="the build dir configure used (default: build)")
    p.add_argument("targets", nargs="*", metavar="TARGET", help="ninja targets (default: all)")
    args = p.parse_args(argv)  # an unknown option is an error, not one of ninja's
    targets = args.targets or ["all"]
    code = call(["-k", "0", *targets])
    # The gate covers the steps these targets reach, not an old failure of
    # a step that was not asked for.
    gate = report_main(["--build-dir", args.build_dir, "--ci", *targets])
    return code or gate


if __name__ == "__main__":
    sys.exit(report_main(sys.argv[1:]))
