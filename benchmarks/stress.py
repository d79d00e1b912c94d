#!/usr/bin/env python3
"""Stress docbuild's step runner under fault injection: no hangs, no lost output.

    python benchmarks/stress.py [--builds N] [--kills K] [--edges E] [--seed S]
                                [--timeout T] [--idle I] [--json FILE] [--work DIR]

Part 1, randomized builds.  The harness writes a stand-in tool (standin.py)
and a build.ninja with E independent edges, each running

    python -m docbuild.run --step eNN --log logs/eNN.log --stamp stamps/eNN.stamp
        --timeout T --idle I -- python standin.py MODE out/eNN.txt in/eNN.json

plus one edge that runs a second ninja (`ninja -C site -k 0 html text`) on a
small real Sphinx project configured by `python -m docbuild configure`, so
that two real Sphinx builds run beside the stand-ins in every build.  Before
each build every edge gets a random mode:

  ok          writes OUT atomically (temp file + rename)
  hang        no output at all, sleeps forever         -> the idle watchdog
  crash       exit status 3, or an uncaught exception   -> exit status 1
  flood       50-200 MB over stdout and stderr, then ok
  grandchild  forks a child that keeps the log open and sleeps 300 s; the
              parent writes OUT and exits 0             -> the group is stopped
  slow        prints a line every 0.2 s past --timeout  -> the total timeout
  sigkill     writes half of OUT to a temp file, then SIGKILLs itself

and the two Sphinx steps get one of ok, hang, crash, flood or sigkill (the
latter during the write phase), injected by the project's conf.py from a
marker file beside the source folder.  The input of an edge changes in most
builds (a new token); an unchanged input with an unchanged mode after a
success must not run again.  Every build runs `ninja -k 0`, so every edge is
attempted, with a bound (--bound) after which ninja counts as hung.

Checked after every build:
  * ninja finished within the bound (else: a hang; everything is killed);
  * exactly the edges that had to run ran;
  * every edge whose mode fails is reported as
    "docbuild: step 'NAME' failed: REASON" with the right reason, in the
    output ninja printed for that edge, with the tool's last line;
  * no edge whose mode succeeds failed (under heavy load an `ok` stand-in
    may still trip the 1 s idle watchdog: such cases are listed);
  * stamps exist exactly for the edges that succeeded (or did not run and
    had one); a stamp only for an OUT that holds the current input's content;
    an OUT that exists holds exactly the content of its last success (never
    a torn write);
  * no output lost: the log of every successful stand-in is exactly the
    bytes it wrote (start line, flood, done line); a flooding Sphinx step's
    log holds every flood line; successful Sphinx steps show this build's
    token in their pages;
  * no process left: /proc is scanned for processes whose command line or
    working directory is inside the work dir.

Part 2, kill test.  A real Sphinx project (--pages pages) is configured and
built; then K times: maybe switch the sources to another of a few states
(body text of some pages), start `ninja html` in its own session, SIGKILL
it at a random moment in 0-3 s, run `ninja html` to completion, and compare
every build/html/**/*.html (and, reported apart, every other file but
.buildinfo) with a clean build of the same sources.  --kill-scope says what is
killed: `group` (ninja's process group: ninja alone, since ninja starts each
command in a process group of its own), `tree` (ninja and every descendant,
as a cgroup kill or an OOM kill of the whole job would), or `mixed`
(alternately).  Processes that survive the kill are counted, and waited for
before the HTML is compared.  --edit-after-kill P: with chance P the sources
change between the kill and the next build, as when someone edits after an
interrupted build; with --kill-scope group, a step that outlived ninja then
races the next build (see "Found so far" below).

Found so far (docbuild.run at commit 7ea8db5):
  * after a SIGKILL of ninja's process group the step keeps running (/bin/sh,
    docbuild.run and Sphinx), finishes and writes its stamp; with an edit
    before the next build it overwrites that build's pages with the old
    sources' ones, and ninja then calls the result up to date;
  * SIGINT (ninja's Ctrl-C) while docbuild.run stops a finished step's
    grandchildren: ChildProcessError in reap(), the grandchild is not killed.
tests/test_stress.py pins both (strict xfail).

Prints a table; --json FILE writes every count and the first problems.
Exit status 1 when a check failed.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_WORK = os.path.join(HERE, "work", "stress")

try:
    from docbuild.ninja_tool import ninja_binary
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, ROOT)
    from docbuild.ninja_tool import ninja_binary

NINJA = ninja_binary()
PYTHON = sys.executable

MODES = ("ok", "hang", "crash", "flood", "grandchild", "slow", "sigkill")
SUCCESS = frozenset({"ok", "flood", "grandchild"})
SPHINX_MODES = ("ok", "hang", "crash", "flood", "sigkill")
SPHINX_WEIGHTS = (6, 1, 1, 1, 1)
SPHINX_FORMATS = ("html", "text")
MAX_PROBLEMS = 200  # details kept; counts are always complete

# --- the stand-in tool --------------------------------------------------------

# copied into the work dir (so that its processes are found there) and run by the steps
STANDIN_FILE = os.path.join(HERE, "standin.py")
sys.path.insert(0, HERE)
from common import BenchError, descendants, ninja_log_entries, tree_digest  # noqa: E402
from standin import content, crash_code  # noqa: E402


def expected_log(name, mode, token, flood_mb):
    """The exact size of a successful stand-in's log."""
    size = len(f"standin {name} {mode} {token} start\n") + len(f"standin {name} done {token}\n")
    if mode == "flood":
        size += flood_mb * 1024 * 1024
    return size


def expected_reason(mode, token, timeout, idle):
    return {
        "hang": f"no output for {idle:g} s (hung?)",
        "crash": f"exited with status {crash_code(token)}",
        "slow": f"timed out after {timeout:g} s",
        "sigkill": "killed by signal SIGKILL",
    }[mode]


def expected_tail(name, mode, token):
    """A line the failure report must show from the log's tail (None: no output)."""
    return {
        "hang": None,
        "crash": (f"standin {name} crashing {token}" if crash_code(token) == 3
                  else f"RuntimeError: injected crash {token}"),
        "slow": f"standin {name} tick ",
        "sigkill": f"standin {name} writing {token}",
    }[mode]


# --- the real Sphinx projects ------------------------------------------------

SITE_YAML = """\
sphinx_jobs: 1
sphinx_pool_depth: 2
timeouts:
  default:
    total: {total}
    idle: {idle}
"""


def write_file(path, text):
    """Write in place (no rename), so that the folder's mtime stays: no reconfigure."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    except FileNotFoundError:
        pass
    with open(path, "wb") as f:
        f.write(data)
    return True


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def stamp_page(token):
    title = f"Stamp {token}"
    return f"{title}\n{'=' * len(title)}\n\nThis build's token is ``{token}``.\n"


def make_stress_site(site, total, idle):
    src = os.path.join(site, "src")
    # the conf.py of the Sphinx project: its fault injection
    write_file(os.path.join(src, "conf.py"), read_bytes(os.path.join(HERE, "stress_conf.py")))
    write_file(os.path.join(src, "docbuild.yaml"), SITE_YAML.format(total=total, idle=idle))
    write_file(os.path.join(src, "index.rst"),
               "Stress\n======\n\n.. toctree::\n\n   stamp\n" + "".join(f"   p{i}\n" for i in range(1, 5)))
    write_file(os.path.join(src, "stamp.rst"), stamp_page("initial"))
    for i in range(1, 5):
        write_file(os.path.join(src, f"p{i}.rst"), f"Page {i}\n======\n\nText of page {i}.\n\n"
                   + "".join(f"Section {i}.{j}\n-----------\n\nSee :doc:`p{i % 4 + 1}`.\n\n"
                             for j in range(1, 4)))
    configure(site)


def configure(folder):
    result = subprocess.run([PYTHON, "-m", "docbuild", "configure", "--source", "src"], cwd=folder,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    if result.returncode:
        raise SystemExit(f"stress: configure failed in {folder}:\n{result.stdout}{result.stderr}")


def kill_page(number, state, sections=12):
    """Page `number` of the kill-test project in source state `state`.

    States differ in body text only (never in titles or labels): Sphinx's own
    incremental build, uninterrupted, gives the clean build's HTML for these.
    """
    variant = state if number % 4 == state % 4 or number % 3 == state % 3 else 0
    title = f"Topic {number:02d}"
    parts = [f".. _topic-{number:02d}:\n\n{title}\n{'=' * len(title)}\n\n",
             f"Body of topic {number}, variant {variant}.  " * (3 + variant) + "\n\n"]
    for section in range(1, sections + 1):
        heading = f"Part {number}.{section}"
        parts.append(f"{heading}\n{'-' * len(heading)}\n\n")
        parts.append(f"Paragraph {section} (variant {variant}) refers to :ref:`topic-{(number % 14) + 1:02d}`"
                     f" and :doc:`t{((number + section) % 14) + 1:02d}`.\n\n")
        parts.append(f"* item one of {number}.{section}\n* item two, variant {variant}\n\n")
        parts.append(".. code-block:: python\n\n"
                     + "".join(f"   def topic_{number}_{section}_{k}(x):\n"
                               f"       return x * {variant * section + number + k}  # {k}\n\n"
                               for k in range(6)))
        parts.append(f".. note::\n\n   A note in {number}.{section}, variant {variant}.\n\n")
    return "".join(parts)


def kill_sources(pages, state, sections=12):
    files = {"conf.py": 'project = "Kill test"\nexclude_patterns = ["_build"]\n',
             "index.rst": "Kill test\n=========\n\n.. toctree::\n   :maxdepth: 2\n\n"
                          + "".join(f"   t{n:02d}\n" for n in range(1, pages))}
    for n in range(1, pages):
        files[f"t{n:02d}.rst"] = kill_page(n, state, sections)
    return files


def write_sources(src, files):
    changed = 0
    for name, text in files.items():
        changed += write_file(os.path.join(src, name), text)
    return changed


def differences(ref, got):
    """(html files that differ, other files that differ), sorted."""
    html, other = [], []
    for name in sorted(set(ref) | set(got)):
        if ref.get(name) != got.get(name):
            (html if name.endswith(".html") else other).append(name)
    return html, other


# --- processes ---------------------------------------------------------------

def _state(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        after = data[data.rindex(b")") + 2:].split()
        return after[0].decode(), int(after[1])  # state, ppid
    except (OSError, ValueError, IndexError):
        return None, None


def processes_under(folder):
    """Live processes whose command line or working directory is inside `folder`."""
    folder = os.path.realpath(folder)
    mine = {os.getpid(), os.getppid()}
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in mine:
            continue
        pid = int(entry)
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        state, _ = _state(pid)
        if state in (None, "Z", "X"):
            continue
        if folder in cmdline or cwd == folder or cwd.startswith(folder + os.sep):
            found.append({"pid": pid, "cmdline": cmdline[:300], "cwd": cwd})
    return found


def kill_tree(pid):
    """SIGSTOP pid and its descendants until no new one appears, then SIGKILL all."""
    stopped = set()
    for _ in range(50):
        new = [p for p in [pid, *descendants(pid)] if p not in stopped]
        if not new:
            break
        for p in new:
            try:
                os.kill(p, signal.SIGSTOP)
            except ProcessLookupError:
                pass
            stopped.add(p)
    for p in stopped:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(stopped)


def kill_pids(procs):
    for p in procs:
        try:
            os.kill(p["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_gone(folder, seconds):
    """Wait up to `seconds` for every process under `folder` to end; those left."""
    deadline = time.monotonic() + seconds
    while True:
        left = processes_under(folder)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.1)


def run_bounded(command, cwd, bound, env=None):
    """Run in a session of its own; (returncode or None when it outlived `bound`, output, seconds)."""
    start = time.monotonic()
    proc = subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = proc.communicate(timeout=bound)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = proc.communicate()
        code = None
    return code, out.decode("utf-8", "replace"), time.monotonic() - start


# --- ninja output ------------------------------------------------------------

STATUS = re.compile(r"^(?:  \[site |\[)\d+/\d+\] (.*)$")  # ours, and the nested ninja's
FAILED = re.compile(r"^FAILED: (?:\[code=-?\d+\] )?(.+?)\s*$")


def parse_ninja(output):
    """(descriptions of the edges run, {failed output: the text ninja printed for it})."""
    ran, blocks, current = [], {}, None
    for line in output.splitlines():
        status = STATUS.match(line)
        failed = FAILED.match(line)
        if status:
            ran.append(status.group(1))
            current = None
        elif failed:
            current = failed.group(1)
            blocks[current] = []
        elif line.startswith("ninja: "):
            current = None
        elif current is not None:
            blocks[current].append(line)
    return ran, {k: "\n".join(v) for k, v in blocks.items()}


def ninja_log_times(path):
    """{output: milliseconds} of each output's last entry in .ninja_log (this build's, for
    the edges that ran in it)."""
    try:
        return {out: end - start for start, end, out in ninja_log_entries(path)}
    except BenchError:  # no log yet: nothing finished
        return {}


# --- results -----------------------------------------------------------------

class Results:
    def __init__(self, log=None):
        self.counts = {}
        self.problems = []
        self.notes = []
        self.log = log  # called with a line for each of the first problems

    def add(self, key, n=1):
        self.counts[key] = self.counts.get(key, 0) + n

    def problem(self, kind, **detail):
        self.add("problem: " + kind)
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"kind": kind, **detail})
            if self.log:
                self.log(f"  ! {kind}: {json.dumps(detail, default=str)[:400]}")

    def note(self, kind, **detail):
        self.add("note: " + kind)
        if len(self.notes) < MAX_PROBLEMS:
            self.notes.append({"kind": kind, **detail})

    def problem_count(self):
        return sum(v for k, v in self.counts.items() if k.startswith("problem: "))


# --- part 1: randomized builds -----------------------------------------------

def build_ninja_text(work, edges, modes, timeout, idle, runner, formats):
    lines = [
        "# written by benchmarks/stress.py",
        "ninja_required_version = 1.10",
        f"python = {PYTHON}",
        "rule step",
        f"  command = {runner} --step $step --log logs/$step.log --stamp $out "
        f"--timeout {timeout:g} --idle {idle:g} -- $python {os.path.join(work, 'standin.py')} "
        "$mode out/$step.txt $in",
        "  description = $step",
        "rule nested",
        f"  command = env NINJA_STATUS='  [site %f/%t] ' {NINJA} -C site -k 0 {' '.join(formats)}",
        "  description = site",
        "",
    ]
    for name in edges:
        lines += [f"build stamps/{name}.stamp: step in/{name}.json", f"  step = {name}",
                  f"  mode = {modes[name]}"]
    if formats:
        lines += ["build site.run: nested", ""]
    return "\n".join(lines) + "\n"


def choose(rng, weights):
    names, w = zip(*weights.items())
    return rng.choices(names, w)[0]


def run_builds(args, work, results, log=print):
    os.makedirs(work, exist_ok=True)
    for sub in ("in", "out", "stamps", "logs"):
        os.makedirs(os.path.join(work, sub), exist_ok=True)
    write_file(os.path.join(work, "standin.py"), read_bytes(STANDIN_FILE))
    site = os.path.join(work, "site")
    formats = args.sphinx_formats
    if formats:
        make_stress_site(site, args.sphinx_timeout, args.sphinx_idle)
    rng = random.Random(args.seed)
    edges = [f"e{i:02d}" for i in range(args.edges)]
    weights = dict(zip(MODES, args.weights))
    sphinx_weights = dict(zip(SPHINX_MODES, SPHINX_WEIGHTS))
    token = {e: None for e in edges}
    mode_before = {e: None for e in edges}
    last_good = {e: None for e in edges}
    durations = {m: [] for m in SUCCESS}
    ninja_log = os.path.join(work, ".ninja_log")
    wall = []
    for build in range(args.builds):
        # --- choose this build's faults and inputs
        if build == 0 and args.first_modes:
            modes = {e: args.first_modes[i % len(args.first_modes)] for i, e in enumerate(edges)}
        else:
            modes = {e: choose(rng, weights) for e in edges}
        must_run = {}
        for e in edges:
            stamp = os.path.join(work, "stamps", f"{e}.stamp")
            new_input = token[e] is None or rng.random() < args.change
            if new_input:
                token[e] = f"b{build:04d}-{e}-{rng.getrandbits(32):08x}"
                flood_mb = rng.randint(args.flood_mb[0], args.flood_mb[1])
                write_file(os.path.join(work, "in", f"{e}.json"),
                           json.dumps({"name": e, "token": token[e], "flood_mb": flood_mb}))
            must_run[e] = new_input or modes[e] != mode_before[e] or not os.path.exists(stamp)
        if build < len(args.sphinx_sequence):
            sphinx = dict(zip(formats, args.sphinx_sequence[build].split(":")))
        else:
            sphinx = {fmt: choose(rng, sphinx_weights) for fmt in formats}
        site_token = f"s{build:04d}-{rng.getrandbits(32):08x}"
        for fmt in formats:
            arg = site_token if sphinx[fmt] != "flood" else str(args.sphinx_flood_lines)
            write_file(os.path.join(site, f"fault-{fmt}"), f"{sphinx[fmt]} {arg}\n")
        if formats:
            write_file(os.path.join(site, "src", "stamp.rst"), stamp_page(site_token))
        write_file(os.path.join(work, "build.ninja"),
                   build_ninja_text(work, edges, modes, args.timeout, args.idle, args.runner, formats))
        for e in edges:
            results.add(f"mode {modes[e]}")
        for fmt in formats:
            results.add(f"sphinx {fmt} {sphinx[fmt]}")

        # --- build
        code, out, seconds = run_bounded([NINJA, "-k", "0", "-j", str(args.jobs or args.edges + 1)],
                                         work, args.bound)
        wall.append(seconds)
        results.add("builds")
        where = {"build": build}
        if code is None:  # run_bounded killed ninja and its descendants
            results.problem("ninja hang", build=build, seconds=round(seconds, 1), output=out[-3000:])
        left = processes_under(work)
        if left:
            results.add("leftover processes", len(left))
            results.problem("leftover processes", build=build, processes=left[:20])
            kill_pids(left)
            wait_gone(work, 10)
        ran, blocks = parse_ninja(out)
        ran_set = set(ran)

        # --- check the stand-in edges
        times = ninja_log_times(ninja_log)
        for e in edges:
            mode, tok = modes[e], token[e]
            stamp = os.path.join(work, "stamps", f"{e}.stamp")
            target = f"stamps/{e}.stamp"
            edge_where = dict(where, edge=e, mode=mode, token=tok)
            did_run = e in ran_set
            if code is not None and did_run != must_run[e]:
                results.problem("wrong edges run", ran=did_run, expected=must_run[e], **edge_where)
            if did_run:
                results.add("edges run")
                results.add(f"ran {mode}")
                if mode in SUCCESS:
                    if target in blocks:
                        reason = re.search(r"step '[^']*' failed: (.*)", blocks[target])
                        kind = ("unexpected failure (ok stand-in stopped by the watchdog)"
                                if reason and ("no output" in reason.group(1) or "timed out" in reason.group(1))
                                else "unexpected failure")
                        results.problem(kind, output=blocks[target][-1500:], **edge_where)
                    else:
                        results.add("successes as expected")
                        last_good[e] = tok
                        try:
                            size = os.path.getsize(os.path.join(work, "logs", f"{e}.log"))
                        except FileNotFoundError:
                            size = None
                        want = expected_log(e, mode, tok, _flood_mb(work, e))
                        if size != want:
                            results.problem("lost output (log size)", size=size, expected=want, **edge_where)
                        else:
                            results.add(f"log bytes checked ({mode})", size)
                        if target in times:
                            durations[mode].append(times[target])
                else:
                    results.add("failures expected")
                    block = blocks.get(target)
                    reason = expected_reason(mode, tok, args.timeout, args.idle)
                    line = f"docbuild: step '{e}' failed: {reason}"
                    tail = expected_tail(e, mode, tok)
                    if block is None:
                        results.problem("failure not reported by ninja", output=out[-1500:], **edge_where)
                    elif line not in block:
                        got = re.search(r"docbuild: step .*", block)
                        results.problem("failure without the right step and reason", expected=line,
                                        got=got.group(0) if got else block[-800:], **edge_where)
                    elif tail is not None and tail not in block:
                        results.problem("failure report without the tool's last line", expected=tail,
                                        got=block[-800:], **edge_where)
                    else:
                        results.add("failures named with the right reason")
            # stamps and outputs, whether the edge ran or not
            has_stamp = os.path.exists(stamp)
            if did_run and has_stamp != (mode in SUCCESS):
                results.problem("stamp wrong", stamp=has_stamp, **edge_where)
            elif not did_run and not has_stamp:
                results.problem("stamp vanished", **edge_where)
            out_path = os.path.join(work, "out", f"{e}.txt")
            if os.path.exists(out_path):
                with open(out_path, "rb") as f:
                    data = f.read()
                if did_run and mode in SUCCESS and data == content(tok):
                    last_good[e] = tok  # complete (atomic) even if the step was then stopped
                if last_good[e] is None or data != content(last_good[e]):
                    results.problem("output corrupted", size=len(data), **edge_where)
                else:
                    results.add("outputs checked")
            elif last_good[e] is not None:
                results.problem("output missing", **edge_where)
            if has_stamp and last_good[e] != tok:
                results.problem("stamp for a stale output", last_good=last_good[e], **edge_where)
            mode_before[e] = mode

        # --- check the Sphinx steps
        site_block = blocks.get("site.run")
        for fmt in formats:
            mode = sphinx[fmt]
            fwhere = dict(where, edge=f"site {fmt}", mode=mode, token=site_token)
            stamp = os.path.join(site, "build", "stamps", f"{fmt}.stamp")
            target = f"build/stamps/{fmt}.stamp"
            ran_fmt = f"sphinx {fmt}" in ran_set
            if code is not None and not ran_fmt:
                results.problem("Sphinx step did not run", **fwhere)
                continue
            results.add("sphinx steps run")
            if mode in ("ok", "flood"):
                if target in blocks or not os.path.exists(stamp):
                    results.problem("unexpected Sphinx failure", output=(blocks.get(target) or out)[-2000:],
                                    **fwhere)
                    continue
                results.add("sphinx successes as expected")
                page = os.path.join(site, "build", fmt, "stamp.html" if fmt == "html" else "stamp.txt")
                index = os.path.join(site, "build", fmt, "index.html" if fmt == "html" else "index.txt")
                for path in (page, index):
                    try:
                        with open(path, encoding="utf-8") as f:
                            text = f.read()
                    except OSError:
                        text = ""
                    if site_token not in text:
                        results.problem("Sphinx output without this build's token", file=path, **fwhere)
                    else:
                        results.add("sphinx outputs checked")
                if mode == "flood":
                    counts = _flood_lines(os.path.join(site, "build", "logs", f"{fmt}.log"))
                    want = args.sphinx_flood_lines
                    if counts != (want, want):
                        results.problem("lost output (Sphinx flood lines)", got=counts, expected=want, **fwhere)
                    else:
                        results.add("sphinx flood lines checked", 2 * want)
            else:
                results.add("sphinx failures expected")
                reason = {"hang": f"no output for {args.sphinx_idle:g} s (hung?)",
                          "crash": "exited with status 2",
                          "sigkill": "killed by signal SIGKILL"}[mode]
                line = f"docbuild: step '{fmt}' failed: {reason}"
                block = blocks.get(target)
                if os.path.exists(stamp):
                    results.problem("stamp after a failed Sphinx step", **fwhere)
                if block is None:
                    results.problem("Sphinx failure not reported by ninja",
                                    output=(site_block or out)[-1500:], **fwhere)
                elif line not in block:
                    got = re.search(r"docbuild: step .*", block)
                    results.problem("Sphinx failure without the right step and reason", expected=line,
                                    got=got.group(0) if got else block[-800:], **fwhere)
                else:
                    results.add("sphinx failures named with the right reason")
        if args.progress and (build + 1) % args.progress == 0:
            log(f"  build {build + 1}/{args.builds}: {results.problem_count()} problem(s), "
                f"{statistics.mean(wall):.1f} s per build")
    results.counts["seconds per build (mean)"] = round(statistics.mean(wall), 2) if wall else 0
    results.counts["seconds per build (max)"] = round(max(wall), 2) if wall else 0
    for mode, ms in durations.items():
        if ms:
            results.counts[f"runner time {mode} ms (median/max)"] = f"{statistics.median(ms):.0f}/{max(ms)}"


def _flood_mb(work, e):
    with open(os.path.join(work, "in", f"{e}.json")) as f:
        return json.load(f)["flood_mb"]


def _flood_lines(path):
    out = err = 0
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(b"flood-out "):
                out += 1
            elif line.startswith(b"flood-err "):
                err += 1
    return out, err


# --- part 2: kill test -------------------------------------------------------

# The phases of a Sphinx html step, as its log shows them.
PHASES = ("start-up", "read", "write", "done")


def phase_of(log):
    """Where the Sphinx step writing `log` is: start-up (nothing read yet, or
    no log), read, write, or done."""
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return "start-up"
    if "build succeeded" in text or "build finished" in text:
        return "done"
    # With a [progress] only: "writing output..." alone is Sphinx's catalog
    # step at start-up, before anything is read.
    if "writing output... [" in text:
        return "write"
    if "reading sources... [" in text:
        return "read"
    return "start-up"


def kill_target(kill_at, i):
    """The phase kill `i` waits for, or None for a random moment."""
    if kill_at == "phases":
        return ("read", "write")[i % 2]
    return None if kill_at == "random" else kill_at


def clean_kill_build(args, folder, state, what):
    """The kill-test project in source state `state`, built from clean in `folder`; its html's digest."""
    shutil.rmtree(folder, ignore_errors=True)
    write_sources(os.path.join(folder, "src"), kill_sources(args.pages, state, args.sections))
    configure(folder)
    code, out, _ = run_bounded([NINJA, "html"], folder, args.bound)
    if code != 0:
        raise SystemExit(f"stress: {what} failed:\n{out}")
    return tree_digest(os.path.join(folder, "build", "html"), skip=[".buildinfo"])


def run_kills(args, work, results, log=print):
    rng = random.Random(args.seed + 1)
    states = list(range(args.states))
    kill_dir = os.path.join(work, "kill")
    refs = {}
    for state in states[1:]:  # clean builds, one per source state (state 0: the kill dir's first)
        folder = os.path.join(work, f"clean-{state}")
        refs[state] = clean_kill_build(args, folder, state, f"the clean build of state {state}")
        shutil.rmtree(folder)
    state = 0
    refs[state] = clean_kill_build(args, kill_dir, state, "the first build of the kill-test project")
    delays = []
    for i in range(args.kills):
        scope = args.kill_scope if args.kill_scope != "mixed" else ("group", "tree")[i % 2]
        edited = i == 0 or rng.random() < args.edit_chance
        if edited:
            state = rng.choice([s for s in states if s != state])
            write_sources(os.path.join(kill_dir, "src"), kill_sources(args.pages, state, args.sections))
            results.add("kills after an edit")
        target = kill_target(args.kill_at, i)
        if target and not edited:  # a phase is reached only when there is something to read
            state = rng.choice([s for s in states if s != state])
            write_sources(os.path.join(kill_dir, "src"), kill_sources(args.pages, state, args.sections))
            edited = True
            results.add("kills after an edit")
        where = {"kill": i, "scope": scope, "state": state, "edited": edited}
        delay = rng.uniform(0, args.kill_within)
        html_log = os.path.join(kill_dir, "build", "logs", "html.log")
        try:  # the step writes it anew: what it holds at the kill is this run's phase
            os.unlink(html_log)
        except FileNotFoundError:
            pass
        proc = subprocess.Popen([NINJA, "html"], cwd=kill_dir, start_new_session=True,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        if target:
            # Kill when the step's log shows the phase has begun, not after a
            # fixed time: a fixed delay lands wherever the machine's speed puts it.
            while proc.poll() is None and PHASES.index(phase_of(html_log)) < PHASES.index(target):
                time.sleep(0.005)
        else:
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                pass
        if proc.poll() is not None:
            results.add("kills: ninja had finished before the kill")
        if proc.poll() is None:
            if scope == "tree":
                kill_tree(proc.pid)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            results.add(f"kills ({scope})")
        proc.wait()
        results.add(f"kill test: kills in the {phase_of(html_log)} phase")
        delays.append(delay)
        time.sleep(0.2)
        survivors = processes_under(kill_dir)
        if survivors:
            results.add(f"kills ({scope}) leaving processes running", 1)
            results.add(f"processes surviving a {scope} kill", len(survivors))
            results.note("processes survived the kill of ninja", processes=survivors[:10], **where)
        if rng.random() < args.edit_after_kill:  # the user edits, then builds again
            state = rng.choice([s for s in states if s != state])
            write_sources(os.path.join(kill_dir, "src"), kill_sources(args.pages, state, args.sections))
            where.update(state=state, edited_after_kill=True)
            results.add("kills followed by an edit")
        code, out, seconds = run_bounded([NINJA, "html"], kill_dir, args.bound)
        if code is None:
            results.problem("kill test: ninja hang", output=out[-2000:], **where)
        elif code != 0:
            results.problem("kill test: the build after the kill failed", output=out[-2000:], **where)
        concurrent = processes_under(kill_dir)
        if concurrent:
            results.add("kill test: processes of the killed build still running after the next build")
        left = wait_gone(kill_dir, args.bound)
        if left:
            results.problem("kill test: leftover processes", processes=left[:10], **where)
            kill_pids(left)
        got = tree_digest(os.path.join(kill_dir, "build", "html"), skip=[".buildinfo"])
        html, other = differences(refs[state], got)
        results.add("kill test: builds compared")
        if html:
            results.problem("kill test: HTML differs from a clean build", files=html[:20], count=len(html),
                            **where)
        if other:
            results.note("kill test: non-HTML output differs from a clean build", files=other[:20],
                         count=len(other), **where)
        if args.progress and (i + 1) % max(1, args.progress // 5) == 0:
            log(f"  kill {i + 1}/{args.kills}: {results.problem_count()} problem(s)")
    # A final check: a complete build afterwards is stable, and the outputs are right.
    code, out, _ = run_bounded([NINJA, "html"], kill_dir, args.bound)
    if code != 0 or "no work to do" not in out:
        results.note("kill test: the final ninja html was not a no-op", output=out[-1000:])


# --- main --------------------------------------------------------------------

def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--builds", type=int, default=500, help="randomized builds (default 500)")
    p.add_argument("--kills", type=int, default=100, help="kill-test iterations (default 100)")
    p.add_argument("--edges", type=int, default=8, help="stand-in edges per build (default 8)")
    p.add_argument("--jobs", type=int, default=0, help="ninja -j (default: edges + 1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--timeout", type=float, default=3, help="the stand-ins' --timeout (default 3)")
    p.add_argument("--idle", type=float, default=1, help="the stand-ins' --idle (default 1)")
    p.add_argument("--sphinx-formats", type=lambda v: [f for f in v.split(",") if f],
                   default=list(SPHINX_FORMATS), metavar="FMT,...",
                   help="the real Sphinx steps in every build: html,text (default), html, text, or ''")
    p.add_argument("--sphinx-timeout", type=float, default=60, help="Sphinx steps' total timeout")
    p.add_argument("--sphinx-idle", type=float, default=3, help="Sphinx steps' idle timeout")
    p.add_argument("--sphinx-flood-lines", type=int, default=100_000,
                   help="lines a flooding Sphinx step prints on each of stdout and stderr")
    p.add_argument("--flood-mb", type=int, nargs=2, default=(50, 200), metavar=("MIN", "MAX"),
                   help="MiB a flooding stand-in writes (default 50 200)")
    p.add_argument("--weights", type=float, nargs=len(MODES), default=(1,) * len(MODES),
                   metavar="W", help="relative weights of " + ", ".join(MODES))
    p.add_argument("--first-modes", type=lambda v: v.split(",") if v else [], default=list(MODES),
                   metavar="MODE,...", help="the modes of the first build's edges, in turn "
                   "(default: every mode once); random after it")
    p.add_argument("--change", type=float, default=0.7, help="chance that an edge's input changes")
    p.add_argument("--bound", type=float, default=90, help="seconds after which ninja counts as hung")
    p.add_argument("--pages", type=int, default=15, help="pages of the kill-test project")
    p.add_argument("--sections", type=int, default=12, help="sections per page of the kill-test project")
    p.add_argument("--edit-chance", type=float, default=0.8,
                   help="chance that the kill-test sources change before an iteration")
    p.add_argument("--edit-after-kill", type=float, default=0.0,
                   help="chance that the sources change between the kill and the next build "
                        "(default 0)")
    p.add_argument("--states", type=int, default=4, help="source states of the kill-test project")
    p.add_argument("--kill-within", type=float, default=3, help="kill at a random moment in 0..S s")
    p.add_argument("--kill-scope", choices=("group", "tree", "mixed"), default="group")
    p.add_argument("--kill-at", choices=("random", "read", "write", "phases"), default="random",
                   help="when to kill: at a random moment in --kill-within (default), as soon as "
                        "the html step's log shows its read or write phase, or `phases`: read and "
                        "write alternately (each such kill follows an edit)")
    p.add_argument("--runner", default="$python -m docbuild.run",
                   help="the step runner's command (for testing the harness)")
    p.add_argument("--work", default=DEFAULT_WORK, help="work folder (emptied first)")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON")
    p.add_argument("--progress", type=int, default=25, help="report every N builds (0: never)")
    p.add_argument("--sphinx-sequence", type=lambda v: v.split(","), default=["ok:ok"],
                   metavar="HTML:TEXT,...", help="the Sphinx modes of the first builds (default ok:ok); "
                   "random after them")
    return p


def table(args, results, seconds):
    c = results.counts
    rows = [
        ("builds (ninja -k 0)", c.get("builds", 0)),
        (f"hangs (ninja over {args.bound:g} s)", c.get("problem: ninja hang", 0)),
        ("stand-in edges run", c.get("edges run", 0)),
        ("  by mode", ", ".join(f"{m} {c.get('ran ' + m, 0)}" for m in MODES)),
        ("  failures expected", c.get("failures expected", 0)),
        ("  failures named with step and reason", c.get("failures named with the right reason", 0)),
        ("  successes as expected", c.get("successes as expected", 0)),
        ("  log bytes checked (no lost output)",
         f"{sum(v for k, v in c.items() if k.startswith('log bytes checked')) / 2**20:,.0f} MiB"),
        ("Sphinx steps run", c.get("sphinx steps run", 0)),
        ("  by mode", ", ".join(f"{m} {sum(c.get(f'sphinx {f} {m}', 0) for f in SPHINX_FORMATS)}"
                                for m in SPHINX_MODES)),
        ("  failures expected / named", f"{c.get('sphinx failures expected', 0)} / "
                                        f"{c.get('sphinx failures named with the right reason', 0)}"),
        ("  successes / outputs with the token", f"{c.get('sphinx successes as expected', 0)} / "
                                                 f"{c.get('sphinx outputs checked', 0)}"),
        ("processes left over after builds", c.get("leftover processes", 0)),
        ("outputs checked / corrupted", f"{c.get('outputs checked', 0)} / "
                                        f"{c.get('problem: output corrupted', 0)}"),
        ("seconds per build (mean / max)", f"{c.get('seconds per build (mean)', 0)} / "
                                           f"{c.get('seconds per build (max)', 0)}"),
    ]
    rows += [(k, v) for k, v in c.items() if k.startswith("runner time")]
    rows += [
        ("kill test: iterations", args.kills if c.get("kill test: builds compared") else 0),
        ("  kills (group / tree)", f"{c.get('kills (group)', 0)} / {c.get('kills (tree)', 0)}"),
        ("  ninja done before the kill", c.get("kills: ninja had finished before the kill", 0)),
        ("  in html's start-up / read / write / done",
         " / ".join(str(c.get(f"kill test: kills in the {p} phase", 0)) for p in PHASES)),
        ("  after an edit", c.get("kills after an edit", 0)),
        ("  followed by an edit", c.get("kills followed by an edit", 0)),
        ("  kills leaving processes running", c.get("kills (group) leaving processes running", 0)
         + c.get("kills (tree) leaving processes running", 0)),
        ("  ... still running after the next build",
         c.get("kill test: processes of the killed build still running after the next build", 0)),
        ("  HTML compared / differing", f"{c.get('kill test: builds compared', 0)} / "
                                        f"{c.get('problem: kill test: HTML differs from a clean build', 0)}"),
        ("  non-HTML output differing", c.get("note: kill test: non-HTML output differs from a clean build", 0)),
        ("  failed or hung builds after a kill",
         c.get("problem: kill test: the build after the kill failed", 0)
         + c.get("problem: kill test: ninja hang", 0)),
    ]
    problems = {k[len("problem: "):]: v for k, v in c.items() if k.startswith("problem: ")}
    rows.append(("PROBLEMS", sum(problems.values())))
    rows += [(f"  {k}", v) for k, v in sorted(problems.items())]
    rows.append(("total seconds", f"{seconds:.0f}"))
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main(argv=None, log=print):
    args = parser().parse_args(argv)
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    results = Results(log if args.progress else None)
    start = time.monotonic()
    log(f"stress: {args.builds} builds x {args.edges} stand-ins + Sphinx html/text, {args.kills} kills; "
        f"--timeout {args.timeout:g} --idle {args.idle:g}; seed {args.seed}; work {work}")
    if args.builds:
        run_builds(args, os.path.join(work, "builds"), results, log)
    if args.kills:
        run_kills(args, work, results, log)
    seconds = time.monotonic() - start
    log(table(args, results, seconds))
    for p in results.problems[:10]:
        log("problem: " + json.dumps(p)[:1500])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"command": [sys.executable, *sys.argv] if argv is None else argv,
                       "options": vars(args), "seconds": round(seconds, 1),
                       "counts": results.counts, "problems": results.problems,
                       "notes": results.notes}, f, indent=1, default=str)
    return results


if __name__ == "__main__":
    sys.exit(1 if main().problem_count() else 0)
