"""benchmarks/stress.py with small counts: fault injection under real ninja and Sphinx.

The benchmark runs hundreds of builds; here a few, chosen so that every
stand-in mode and every Sphinx fault occurs at least once, plus two kills of
`ninja html`.  A last test runs the harness against a step runner that does
not supervise, to show that the checks catch what docbuild.run prevents.
"""

import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
import time

from conftest import NINJA, ROOT

spec = importlib.util.spec_from_file_location("stress", os.path.join(ROOT, "benchmarks", "stress.py"))
stress = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stress)


def run(tmp_path, *args):
    lines = []
    results = stress.main(["--work", str(tmp_path / "stress"), "--progress", "0", *args],
                          log=lines.append)
    return results, "\n".join(lines)


def test_faults_in_every_mode_are_contained_and_reported(tmp_path, runner_path):
    # Build 1 runs each of the seven modes once (edge e0N gets mode N), build 2
    # a random mix; the Sphinx html and text steps crash and are killed, then
    # flood (and succeed) and hang.
    results, report = run(tmp_path, "--builds", "2", "--edges", "7", "--kills", "0",
                          "--timeout", "2", "--flood-mb", "50", "60", "--sphinx-flood-lines", "20000",
                          "--sphinx-sequence", "crash:sigkill,flood:hang", "--bound", "60")
    c = results.counts
    assert results.problems == [], report
    assert c["builds"] == 2
    assert c.get("problem: ninja hang", 0) == 0
    assert c.get("leftover processes", 0) == 0
    assert c.get("problem: output corrupted", 0) == 0
    for mode in stress.MODES:
        assert c.get(f"ran {mode}", 0) >= 1, (mode, report)
    assert c["failures named with the right reason"] == c["failures expected"] >= 4
    assert c["sphinx failures named with the right reason"] == c["sphinx failures expected"] == 3
    assert c["sphinx successes as expected"] == 1
    assert c["sphinx flood lines checked"] == 40000
    assert sum(v for k, v in c.items() if k.startswith("log bytes checked")) >= 50 * 2**20


def test_ninja_killed_at_random_moments_then_rerun_gives_the_clean_html(tmp_path):
    # Kills chosen by watching the html step's log: one in Sphinx's read
    # phase, one in its write phase (a fixed delay killed ninja only during
    # start-up, before Sphinx had read or written anything).
    results, report = run(tmp_path, "--builds", "0", "--kills", "2", "--pages", "6",
                          "--sections", "3", "--states", "2", "--kill-at", "phases", "--seed", "3")
    c = results.counts
    assert results.problems == [], report
    assert c["kill test: builds compared"] == 2
    assert c.get("kill test: kills in the read phase") == 1, report
    assert c.get("kill test: kills in the write phase") == 1, report
    assert c.get("problem: kill test: HTML differs from a clean build", 0) == 0


NAIVE_RUNNER = """\
import subprocess, sys
# Runs the command with ninja's pipe as its output: no watchdog, no group,
# no report naming the step.
args = sys.argv[1:]
split = args.index("--")
opts = dict(zip(args[:split:2], args[1:split:2]))
code = subprocess.call(args[split + 1:])
if code == 0:
    open(opts["--stamp"], "w").close()
sys.exit(code)
"""


def test_the_harness_catches_a_runner_that_does_not_supervise(tmp_path):
    naive = tmp_path / "naive_run.py"
    naive.write_text(textwrap.dedent(NAIVE_RUNNER))
    # ok, crash, grandchild only: the grandchild keeps ninja's pipe open, so
    # ninja waits for it (a hang), and the crash is not named.
    results, report = run(tmp_path, "--builds", "1", "--edges", "3", "--kills", "0",
                          "--first-modes", "ok,crash,grandchild",
                          "--sphinx-formats", "", "--bound", "4", "--runner", f"{sys.executable} {naive}")
    c = results.counts
    assert c.get("problem: ninja hang") == 1, report
    assert c.get("leftover processes", 0) >= 1, report
    assert c.get("problem: failure without the right step and reason", 0) >= 1, report
    assert not stress.processes_under(str(tmp_path))


# --- Defects the harness found in docbuild.run, fixed since: each stays a test.

def test_a_sigkill_of_ninja_stops_the_running_steps(tmp_path, runner_path):
    work = str(tmp_path / "w")
    for sub in ("in", "out", "stamps", "logs"):
        os.makedirs(os.path.join(work, sub))
    stress.write_file(os.path.join(work, "standin.py"), stress.read_bytes(stress.STANDIN_FILE))
    stress.write_file(os.path.join(work, "in", "e00.json"),
                      '{"name": "e00", "token": "t", "flood_mb": 0}')
    stress.write_file(os.path.join(work, "build.ninja"), stress.build_ninja_text(
        work, ["e00"], {"e00": "slow"}, 30, 5, "$python -m docbuild.run", []))
    ninja = subprocess.Popen([NINJA], cwd=work, start_new_session=True, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        log = os.path.join(work, "logs", "e00.log")
        deadline = time.monotonic() + 30
        while not (os.path.exists(log) and "tick 2" in open(log).read()):
            assert time.monotonic() < deadline, "the step never started"
            time.sleep(0.1)
        os.killpg(ninja.pid, signal.SIGKILL)  # ninja's group: ninja alone
        ninja.wait()
        left = stress.wait_gone(work, 3)
        assert not left, left
    finally:
        stress.kill_pids(stress.processes_under(work))


STUBBORN = """\
import os, signal, time
print("start", flush=True)
if os.fork() == 0:  # a grandchild that ignores TERM and INT: only KILL ends it
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    time.sleep(30)
    os._exit(0)
time.sleep(0.2)
"""


def test_ctrl_c_while_grandchildren_are_being_stopped(tmp_path, runner_path):
    tool = tmp_path / "stubborn.py"
    tool.write_text(STUBBORN)
    runner = subprocess.Popen(
        [sys.executable, "-m", "docbuild.run", "--step", "stubborn", "--log", "stubborn.log",
         "--stamp", "stubborn.stamp", "--", sys.executable, str(tool)],
        cwd=tmp_path, start_new_session=True, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(1.5)  # the tool has exited; the runner waits GRACE s for the grandchild
        os.killpg(runner.pid, signal.SIGINT)  # what ninja sends each step on Ctrl-C
        out, _ = runner.communicate(timeout=30)
        assert "step 'stubborn' interrupted" in out and "Traceback" not in out, out
        assert not stress.wait_gone(str(tmp_path), 8)
        assert not os.path.exists(tmp_path / "stubborn.stamp")
    finally:
        stress.kill_pids(stress.processes_under(str(tmp_path)))
