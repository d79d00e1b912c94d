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

from docbuild.paths import write_if_changed


def ninja_durations(top):
    """{output: seconds} of the entries in .ninja_log (the last entry wins)."""
    out = {}
    try:
        with open(os.path.join(top, ".ninja_log"), encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 5 and parts[0].isdigit():
                    out[parts[3]] = (int(parts[1]) - int(parts[0])) / 1000
    except OSError:
        pass
    return out


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
    from docbuild.ninja_tool import ninja_binary

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
        with open(os.path.join(folder, "docbuild-warnings.json"), encoding="utf-8") as f:
            memory = json.load(f)
    except (OSError, ValueError):
        return []
    found = [w for items in memory.get("documents", {}).values() for w in items]
    # "phase" is the Sphinx extension's own bookkeeping, not part of a report.
    return [{k: v for k, v in w.items() if k != "phase"} for w in found + memory.get("unplaced", [])]


def collect(build_dir, top, reached=None):
    """The report of every step that has a result; with `reached` (a set
    from reached_stamps()), of those steps only."""
    with open(os.path.join(build_dir, ".docbuild", "steps.json"), encoding="utf-8") as f:
        steps = json.load(f)
    durations = ninja_durations(top)
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


def report_main(argv):
    import argparse

    p = argparse.ArgumentParser(prog="python -m docbuild report",
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
    write_if_changed(os.path.join(build_dir, "report.json"), json.dumps(report, indent=1))
    write_if_changed(os.path.join(build_dir, "junit.xml"), junit(report, top))
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


def ci_main(argv):
    """Every target attempted even when one fails, then the gate."""
    from docbuild.ninja_tool import ninja_binary

    if argv[:1] == ["job"]:  # one job of the CI matrix (configure --matrix)
        from docbuild.matrix import job_main
        return job_main(argv[1:])
    if argv[:1] == ["restore-times"]:  # a restored build folder on a fresh clone
        from docbuild.restore_times import main as restore_main
        return restore_main(argv[1:])
    if "-h" in argv or "--help" in argv:
        print("usage: python -m docbuild ci [--build-dir DIR] [TARGET...]\n"
              "       python -m docbuild ci job NAME [--artifacts DIR]\n"
              "       python -m docbuild ci restore-times [--build-dir DIR]\n\n"
              "Run ninja -k 0 TARGET... (default: all), then `python -m docbuild report --ci`.")
        return 0
    build_dir = "build"
    if "--build-dir" in argv:
        i = argv.index("--build-dir")
        if i + 1 >= len(argv):
            print("docbuild: error: --build-dir needs a folder", file=sys.stderr)
            return 2
        build_dir = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    targets = argv or ["all"]
    code = subprocess.call([ninja_binary(), "-k", "0", *targets], stdin=subprocess.DEVNULL)
    # The gate covers the steps these targets reach, not an old failure of
    # a step that was not asked for.
    gate = report_main(["--build-dir", build_dir, "--ci", *targets])
    return code or gate


if __name__ == "__main__":
    sys.exit(report_main(sys.argv[1:]))
