"""No hangs, no lost output: real ninja and Sphinx under the step runner."""

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from conftest import NINJA, Project, processes_with, steps_run

# Each test runs under both ways the runner waits for a step (conftest.runner_path).
pytestmark = pytest.mark.usefixtures("runner_path")

# conf.py additions: Sphinx hangs (or floods) while the marker file exists
# (beside the source dir, so that adding and removing it changes no source folder).
HANG = """
import os, time
def _hang(app, *args):
    if os.path.exists(os.path.join(os.path.dirname(__file__), "..", "HANG")):
        print("hanging now", flush=True)
        time.sleep(300)
def setup(app):
    app.connect("builder-inited", _hang)
"""

FLOOD = """
import sys
def _flood(app, *args):
    for i in range(20000):
        print("x" * 100, flush=False)
        sys.stderr.write("e" * 100 + "\\n")
def setup(app):
    app.connect("builder-inited", _flood)
"""


# conf.py addition: how the Sphinx step's process was set up.
PROBE = """
import os, sys
if "docbuild.sphinx_step" in sys.modules:  # not when configure reads conf.py
    with open(os.path.join(os.path.dirname(__file__), "..", "probe.txt"), "w") as f:
        f.write(repr((os.getsid(0) == os.getpid(), os.readlink("/proc/self/fd/0"),
                      os.readlink("/proc/self/fd/1"), os.readlink("/proc/self/fd/2"),
                      getattr(sys.modules["__main__"].__spec__, "name", None))))
"""


def processes_under(folder):
    """PIDs whose command line mentions `folder` (left-over steps)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        if folder in cmdline and int(pid) != os.getpid():
            found.append((int(pid), cmdline.replace("\0", " ")))
    return found


def test_a_hung_sphinx_is_stopped_by_the_inactivity_watchdog(project):
    project.edit("conf.py", HANG)
    open(project.path("HANG"), "w").close()
    with open(os.path.join(project.src, "docbuild.yaml"), "w") as f:
        f.write("timeouts:\n  html: {idle: 2}\n")
    project.configure()
    result = project.ninja("html", check=False)
    assert result.returncode != 0
    # The watchdog's own reason: it, not the end of the 300 s sleep, stopped
    # the step (how long that took is the benchmarks' business, not a test's).
    assert "step 'html' failed: no output for 2 s (hung?)" in result.stdout
    assert "hanging now" in result.stdout  # the log's tail
    assert not processes_under(project.work)
    os.unlink(project.path("HANG"))
    assert "sphinx html" in steps_run(project.ninja("html"))


def test_a_step_flooding_stdout_and_stderr_completes(project):
    project.edit("conf.py", FLOOD)
    project.configure()
    result = project.ninja("html")
    assert "sphinx html" in steps_run(result)
    assert os.path.getsize(project.path("build", "logs", "html.log")) > 4_000_000
    assert len(result.stdout) < 10_000  # the flood went to the log, not to ninja


def test_ctrl_c_stops_every_process_and_the_next_ninja_finishes(project):
    project.edit("conf.py", HANG)
    open(project.path("HANG"), "w").close()
    project.configure()
    ninja = subprocess.Popen([NINJA, "html", "text"], cwd=project.work, start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    # html reads for itself; text waits for the shared read: both hang.
    logs = [project.path("build", "logs", f"{s}.log") for s in ("html", "read")]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(os.path.exists(p) and "hanging now" in open(p).read() for p in logs):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("Sphinx never started")
    os.killpg(ninja.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    assert ninja.wait(timeout=30) != 0
    time.sleep(0.5)
    assert not processes_under(project.work)
    assert not os.path.exists(project.path("build", "stamps", "html.stamp"))
    os.unlink(project.path("HANG"))
    result = project.ninja("html", "text")
    assert sorted(steps_run(result)) == ["sphinx html", "sphinx read", "sphinx text"]
    assert os.path.isfile(project.path("build", "html", "intro.html"))
    assert "no work to do" in project.ninja("html", "text").stdout


def test_a_timeout_is_a_clear_failure(tmp_path):
    project = Project(tmp_path / "work")
    project.edit("conf.py", HANG)
    open(project.path("HANG"), "w").close()
    with open(os.path.join(project.src, "docbuild.yaml"), "w") as f:
        f.write("timeouts:\n  default: {total: 3, idle: 0}\n")
    project.configure()
    result = project.ninja("text", check=False)
    assert result.returncode != 0 and "timed out after 3 s" in result.stdout
    assert not processes_under(project.work)


def test_a_sphinx_step_runs_in_a_forked_child_set_up_like_a_spawned_one(project):
    project.edit("conf.py", PROBE)
    project.configure()
    project.ninja("html")
    with open(project.path("probe.txt")) as f:
        leader, stdin, stdout, stderr, in_process = eval(f.read())
    log = project.path("build", "logs", "html.log")
    # A session of its own (stopped as a group), stdin /dev/null, output to
    # the log only; and no second Python start-up: the runner forked it.
    assert leader and stdin == "/dev/null" and stdout == stderr == log
    assert in_process == "docbuild.run"


# A tool that starts processes outside its process group, then hangs.
ESCAPE = """\
import os, subprocess, sys, time
subprocess.Popen(["sleep", sys.argv[1]], start_new_session=True)  # a session of its own
if os.fork() == 0:  # a daemon: double fork and setsid, its parent gone
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", sys.argv[1]])
    os._exit(0)
print("started", flush=True)
time.sleep(300)
"""


def test_processes_that_leave_the_group_end_with_the_step_even_on_a_timeout(tmp_path):
    tool = tmp_path / "escape.py"
    tool.write_text(ESCAPE)
    sleep = f"1002.{random.randrange(10**8):08d}"  # no other process has this command line
    try:
        result = subprocess.run(
            [sys.executable, "-m", "docbuild.run", "--step", "escape", "--log", "escape.log",
             "--timeout", "1", "--", sys.executable, str(tool), sleep],
            cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        assert "started" in (tmp_path / "escape.log").read_text()
        assert not [cmd for _, cmd in processes_with(f"sleep {sleep}")]
        assert result.returncode == 124 and "timed out after 1 s" in result.stderr, result.stderr
    finally:
        for pid, _ in processes_with(f"sleep {sleep}"):
            os.kill(pid, signal.SIGKILL)
