"""The two tools the benchmarks compare, one driver each, and the runner that
times them (wall, CPU, peak memory) with every command's output in a log file.

    Runner(logs, env).run(label, cmd, cwd, sample=False) -> Run
    DocBuild(runner, top, srcdir, ninja): configure(label), html(label), ninja_run(...)
    SphinxBuild(runner, top, srcdir, sphinx_build, jobs, extra): html(label), build(label, builder, ...)

Used by bench.py, content.py and matrix.py.  Not a script.
"""

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from types import SimpleNamespace as Run  # what Runner.run returns

from common import BenchError, clean_build, descendants, median, ninja_edges, read

HERE = os.path.dirname(os.path.abspath(__file__))
TIME_BIN = "/usr/bin/time"
# Where /usr/bin/time is missing: a Python wrapper that reads RUSAGE_CHILDREN.
TIMED = os.path.join(HERE, "timed.py")


def page_problems(log_text, page_path):
    """Warning/error lines of a Sphinx log that name the page (line numbers kept)."""
    marks = ("WARNING", "ERROR", "SEVERE", "CRITICAL")
    return {line.strip() for line in log_text.splitlines()
            if page_path in line and any(m in line for m in marks)}


def sphinx_read_nothing(log_text):
    return bool(re.search(r"updating environment: (\[[^\]]*\] )?0 added, 0 changed, 0 removed",
                          log_text))


class TreeSampler(threading.Thread):
    """Peak of the summed RSS of a process and all its descendants, sampled."""

    PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

    def __init__(self, pid, interval=0.25):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.stop = threading.Event()

    def sample(self):
        total = 0
        for p in [self.pid, *descendants(self.pid)]:
            try:
                with open(f"/proc/{p}/statm", encoding="ascii") as f:
                    total += int(f.read().split()[1]) * self.PAGE_KB
            except (OSError, ValueError, IndexError):
                pass
        self.peak_kb = max(self.peak_kb, total)

    def run(self):
        while not self.stop.wait(self.interval):
            self.sample()


class Runner:
    def __init__(self, logs, env):
        self.logs = logs
        self.env = env
        self.count = 0
        self.use_time = os.access(TIME_BIN, os.X_OK)

    def run(self, label, cmd, cwd, sample=False, check=True):
        """Run `cmd` with its output in a log file; a Run (wall, CPU, memory, log text)."""
        self.count += 1
        log = os.path.join(self.logs, f"{self.count:03d}-{label}.log")
        tfile = log[:-4] + ".time"
        wrapped = ([TIME_BIN, "-v", "-o", tfile] if self.use_time
                   else [sys.executable, TIMED, tfile]) + list(cmd)
        with open(log, "w", encoding="utf-8") as f:
            f.write(f"$ cd {cwd} && {' '.join(cmd)}\n")
            f.flush()
            start = time.perf_counter()
            proc = subprocess.Popen(wrapped, cwd=cwd, stdin=subprocess.DEVNULL, stdout=f,
                                    stderr=subprocess.STDOUT, env=self.env)
            sampler = None
            if sample:
                sampler = TreeSampler(proc.pid)
                sampler.start()
            rc = proc.wait()
            secs = time.perf_counter() - start
            if sampler:
                sampler.stop.set()
                sampler.join()
        info = parse_time_file(tfile)
        if "wall" in info:  # the Python wrapper: its own start-up is not the command's
            secs = info["wall"]
        cpu = info.get("user", 0.0) + info.get("sys", 0.0)
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"\n# exit status {rc}, {secs:.3f} s wall, {cpu:.3f} s CPU, max RSS "
                    f"{info.get('maxrss_kb', 0) / 1024:.0f} MiB"
                    + (f", sampled tree peak {sampler.peak_kb / 1024:.0f} MiB" if sampler else "")
                    + "\n")
        text = read(log)
        run = Run(label=label, cmd=cmd, rc=rc, secs=secs, cpu=cpu, log=log, text=text,
                  maxrss_kb=info.get("maxrss_kb"), tree_peak_kb=sampler.peak_kb if sampler else None)
        if check and rc:
            raise BenchError(f"{label}: `{' '.join(cmd)}` failed (exit {rc}); see {log}")
        return run


def startup(runner, cwd, imports):
    """Python's start, and start + each import, medians of 5 (wall/CPU; for context)."""
    out = {}
    for label, code in [("python -c pass", "pass")] + [(f"import {m}", f"import {m}") for m in imports]:
        runs = [runner.run("startup", [sys.executable, "-c", code], cwd) for _ in range(5)]
        out[label] = {"wall": median([r.secs for r in runs]), "cpu": median([r.cpu for r in runs])}
    return out


def check_imported_from(runner, cwd, code):
    """Where the commands import docbuild from, which must be the code snapshot `code`
    (common.snapshot_code's description) when there is one."""
    which = runner.run("which-docbuild", [sys.executable, "-c", "import docbuild; print(docbuild.__file__)"],
                       cwd)
    code["imported_from"] = which.text.splitlines()[1].strip()
    if code.get("path") and not code["imported_from"].startswith(code["path"] + os.sep):
        raise BenchError(f"commands import docbuild from {code['imported_from']}, "
                         f"not the snapshot {code['path']}")


def parse_time_file(path):
    out = {}
    try:
        text = read(path)
    except OSError:
        return out
    for key, pat in (("maxrss_kb", r"Maximum resident set size \(kbytes\): (\d+)"),
                     ("user", r"User time \(seconds\): ([\d.]+)"),
                     ("sys", r"System time \(seconds\): ([\d.]+)"),
                     ("wall", r"Wall \(seconds\): ([\d.]+)")):
        m = re.search(pat, text)
        if m:
            out[key] = int(m.group(1)) if key == "maxrss_kb" else float(m.group(1))
    return out



# --- the tools ---------------------------------------------------------------------------------------

class DocBuild:
    name = "docbuild"

    def __init__(self, runner, top, srcdir, ninja):
        self.runner, self.top, self.srcdir, self.ninja = runner, top, srcdir, ninja
        os.makedirs(top, exist_ok=True)
        self.build = os.path.join(top, "build")
        self.outdir = os.path.join(self.build, "html")
        self.jobs = self.depth = None

    def configure(self, label):
        run = self.runner.run(label, [sys.executable, "-m", "docbuild", "configure",
                                      "--source", self.srcdir], self.top)
        text = read(os.path.join(self.top, "build.ninja"))
        m = re.search(r"--jobs (\d+)", text)
        self.jobs = int(m.group(1)) if m else 1
        m = re.search(r"pool sphinx\n  depth = (\d+)", text)
        self.depth = int(m.group(1)) if m else None
        return run

    def ninja_run(self, label, targets, sample=False):
        run = self.runner.run(label, [self.ninja, *targets], self.top, sample=sample)
        run.noop = "ninja: no work to do." in run.text
        run.sphinx_text = ""
        html_log = os.path.join(self.build, "logs", "html.log")
        if not run.noop and "html" in targets and os.path.isfile(html_log):
            run.sphinx_text = read(html_log)
            shutil.copyfile(html_log, run.log[:-4] + ".html-step.log")
        run.edges = ninja_edges(run.text)
        return run

    def html(self, label, sample=False):
        return self.ninja_run(label, ["html"], sample)

    def clean(self):
        clean_build(self.top)


class SphinxBuild:
    name = "sphinx-build"

    def __init__(self, runner, top, srcdir, sphinx_build, jobs, extra):
        self.runner, self.top, self.srcdir = runner, top, srcdir
        self.sphinx_build, self.jobs, self.extra = sphinx_build, jobs, list(extra)
        os.makedirs(top, exist_ok=True)
        self.outdir = os.path.join(top, "html")
        self.doctrees = os.path.join(top, "doctrees")

    def cmd(self, builder, outdir, doctrees):
        cmd = [*self.sphinx_build, "-b", builder, self.srcdir, outdir, "-d", doctrees]
        if self.jobs > 1:
            cmd += ["-j", str(self.jobs)]
        return cmd + self.extra

    def build(self, label, builder, outdir, doctrees, sample=False):
        return self.runner.run(label, self.cmd(builder, outdir, doctrees), self.top, sample=sample)

    def html(self, label, sample=False):
        run = self.build(label, "html", self.outdir, self.doctrees, sample)
        run.noop = sphinx_read_nothing(run.text)
        run.sphinx_text = run.text
        return run
