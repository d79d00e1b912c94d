#!/usr/bin/env python3
"""Benchmark the CI matrix: two stages (read, then writers) against one job per format.

    python benchmarks/matrix.py [--pages 600] [--formats html,dirhtml,...] [--json FILE]

On the synthetic project (benchmarks/synthetic.py) with `formats:` set to
--formats, every job runs on a runner of its own: a fresh copy of the
project at a path of its own (work dir benchmarks/work/matrix/, git-ignored),
timed from `python -m docbuild configure` to the end of the job's command.

  per-format matrix  (what `configure --matrix` gave before): one job per
                     format, `python -m docbuild ci FORMAT`, which reads the
                     sources and writes the format;
  two-stage matrix   `python -m docbuild ci job NAME --artifacts DIR`: the
                     read job, then each writer on its own runner with the
                     read job's artifact copied in by `cp -r` (as a CI
                     system carries it; the copy is not timed), and html,
                     which reads for itself, beside the read.

The figure: the critical path of the two-stage matrix (the read job plus
the slowest writer job, or the slowest job of the first stage if longer)
against the per-format matrix's slowest job, as a ratio, measured in the
same run (one run of each job; the jobs run one at a time), in wall time and
in CPU time (user + system of the job's processes; a runner of its own
would spend about that, while the wall time of a shared machine depends on
the other work on it).  The machine's load is printed.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import HERE, BenchError, loadavg  # noqa: E402
import synthetic  # noqa: E402
from tools import Runner  # noqa: E402

FORMATS = "html,dirhtml,singlehtml,epub,latex,text,man"


def checkout(work, name, base):
    """A fresh checkout of the project at a path of its own."""
    top = os.path.join(work, "runners", name)
    shutil.rmtree(top, ignore_errors=True)
    shutil.copytree(base, os.path.join(top, "source"))
    return top


def timed(runner, top, command):
    """(wall seconds, CPU seconds) of configure and the job's command."""
    label = os.path.basename(top)
    runs = [runner.run(label + "-configure", [sys.executable, "-m", "docbuild", "configure", "--source",
                                              "source"], top), runner.run(label, command, top)]
    return sum(r.secs for r in runs), sum(r.cpu for r in runs)


def critical(plan, two_stage, per_format, k):
    """(two-stage critical path, its slowest writer, per-format slowest job) by measure k (0 wall, 1 CPU)."""
    first = [e["job"] for e in plan["read"]["include"]]
    writers = [e["job"] for e in plan["write"]["include"]]
    slowest_writer = max(writers, key=lambda j: two_stage[j][k])
    path = max(two_stage["read"][k] + two_stage[slowest_writer][k], *(two_stage[j][k] for j in first))
    return path, slowest_writer, max(per_format, key=lambda f: per_format[f][k])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=600)
    p.add_argument("--formats", default=FORMATS)
    p.add_argument("--work", default=os.path.join(HERE, "work", "matrix"))
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    try:
        return matrix(args)
    except BenchError as exc:
        print(f"matrix: error: {exc}", file=sys.stderr)
        return 1


def matrix(args):
    formats = args.formats.split(",")
    logs = os.path.join(args.work, "logs")
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    runner = Runner(logs, None)
    base = os.path.join(args.work, "base")
    synthetic.write(base, args.pages)
    with open(os.path.join(base, "docbuild.yaml"), "a", encoding="utf-8") as f:
        f.write(f"formats: [{', '.join(formats)}]\n")
    print(f"{args.pages} pages, formats {', '.join(formats)}; load average {loadavg()}", flush=True)

    per_format = {}
    for fmt in formats:
        per_format[fmt] = timed(runner, checkout(args.work, f"old-{fmt}", base),
                                [sys.executable, "-m", "docbuild", "ci", fmt])
        print(f"  per-format job {fmt:12} {per_format[fmt][0]:7.1f} s wall {per_format[fmt][1]:7.1f} s CPU",
              flush=True)

    plan = json.loads(subprocess.run(
        [sys.executable, "-m", "docbuild", "configure", "--source", base, "--matrix"],
        cwd=args.work, capture_output=True, text=True, check=True).stdout)
    if not plan["write"]["include"]:  # the figure compares against the read + slowest writer
        raise BenchError(f"no format of {args.formats} writes from the read (html, and text and man "
                         "with smart quotes on, read for themselves): add dirhtml, epub, ...")
    artifacts = os.path.join(args.work, "artifacts")
    shutil.rmtree(artifacts, ignore_errors=True)
    os.makedirs(artifacts)
    two_stage = {}
    for stage in ("read", "write"):
        for entry in plan[stage]["include"]:
            name = entry["job"]
            top = checkout(args.work, f"new-{name}", base)
            subprocess.run(["cp", "-r", artifacts, os.path.join(top, "artifacts")], check=True)
            two_stage[name] = timed(runner, top, [sys.executable, "-m", "docbuild", "ci", "job", name,
                                          "--artifacts", "artifacts"])
            subprocess.run(["cp", "-r", os.path.join(top, "artifacts", name), artifacts], check=True)
            print(f"  two-stage job {name:13} {two_stage[name][0]:7.1f} s wall {two_stage[name][1]:7.1f} s CPU"
                  f"  (stage {stage})", flush=True)

    result = {"pages": args.pages, "formats": formats, "per_format": per_format, "two_stage": two_stage,
              "load": loadavg()}
    for k, measure in enumerate(("wall", "CPU")):
        path, writer, slowest = critical(plan, two_stage, per_format, k)
        result[measure] = {"critical_path": path, "slowest_per_format_job": per_format[slowest][k],
                           "ratio": path / per_format[slowest][k]}
        print(f"{measure}: two-stage critical path: read {two_stage['read'][k]:.1f} s + slowest writer "
              f"{writer} {two_stage[writer][k]:.1f} s = {path:.1f} s; per-format matrix's slowest job: "
              f"{slowest} {per_format[slowest][k]:.1f} s; ratio {result[measure]['ratio']:.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
