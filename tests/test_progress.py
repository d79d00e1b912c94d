"""docbuild build (issue 16): ninja runs the build, and each running step's
phase, count and estimate are shown; on a terminal as a redrawn block, on
anything else as plain lines."""

import os
import pty
import select
import subprocess
import sys

from conftest import BASIC, Project, run

# Each document takes half a second to read: the step is still reading when
# the view looks at its log (every 0.2 s).
SLOW = dict(BASIC, **{"conf.py": 'project = "Slow"\nimport time\n\ndef setup(app):\n'
                                 '    app.connect("source-read", lambda app, doc, src: time.sleep(0.5))\n'})


def build(project, *targets):
    return run([sys.executable, "-m", "docbuild", "build", *targets], cwd=project.work)


def on_a_terminal(project, *targets):
    """(exit status, everything written) of `docbuild build` with a pty as its output."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "docbuild", "build", *targets], cwd=project.work,
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        assert ready, out
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not data:
            break
        out += data
    os.close(master)
    return proc.wait(timeout=60), out.decode("utf-8", "replace")


def test_build_not_on_a_terminal_prints_ninja_lines_and_each_phase_of_a_sphinx_step(tmp_path):
    project = Project(tmp_path / "work", files=SLOW)
    project.configure()
    result = build(project, "html")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[1/1] sphinx html" in result.stdout.splitlines()
    assert "  sphinx html: reading sources" in result.stdout.splitlines()
    assert "\x1b[" not in result.stdout
    assert "no work to do" in project.ninja("html").stdout  # ninja alone: as before


def test_build_on_a_terminal_shows_the_running_step_its_count_and_an_estimate(tmp_path):
    project = Project(tmp_path / "work", files=SLOW)
    project.configure()
    project.ninja("html")  # the last build's time, for the estimate
    for name in ("index.rst", "intro.rst", "guide/usage.rst"):
        project.edit(name)
    code, out = on_a_terminal(project, "html")
    assert code == 0, out
    assert "sphinx html  reading sources 33%" in out or "sphinx html  reading sources 67%" in out, out
    assert " s left" in out or "about done (by the last build's time)" in out, out
    assert "\x1b[J" in out  # redrawn in place
    assert out.rstrip().splitlines()[-1].strip() != ""


def test_a_failed_step_is_shown_and_is_the_exit_status(tmp_path):
    project = Project(tmp_path / "work")
    project.configure()
    project.edit("conf.py", "raise SystemExit('conf.py says no')\n")
    result = build(project, "html")
    assert result.returncode != 0
    assert "FAILED: " in result.stdout and "sys.exit() call" in result.stdout, result.stdout
