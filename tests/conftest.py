"""Real ninja, real sphinx-build, small real projects in temporary folders."""

import os
import re
import signal
import struct
import subprocess
import sys
import textwrap
import zlib

import pytest

from docbuild.ninja_tool import ninja_binary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NINJA = ninja_binary()
# Where CI installed every tool; elsewhere tests of external tools may skip.
IN_CI = os.environ.get("CI") == "true"


def write(folder, files):
    for name, text in files.items():
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = "wb" if isinstance(text, bytes) else "w"
        with open(path, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(text if isinstance(text, bytes) else textwrap.dedent(text))


def png(width=2, height=2):
    """A small valid PNG (grey pixels), made here so no binary file is committed."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG = png()

BASIC = {
    # No smart quotes: text and man then write from the shared read, as the
    # tests of read-once expect of the cheap text format (formats.shared_read).
    "conf.py": 'project = "Demo"\nexclude_patterns = ["_build"]\nsmartquotes = False\n',
    "index.rst": """\
        Demo
        ====

        .. toctree::

           intro
           guide/usage

        .. literalinclude:: ../shared/example.py
        """,
    "intro.rst": """\
        Introduction
        ============

        Hello.

        .. include:: snippets/note.inc

        .. image:: pic.png
        """,
    "snippets/note.inc": "A note pulled in by include.\n",
    "guide/usage.rst": "Usage\n=====\n\nUse it.\n",
    "pic.png": PNG,
    "unread.txt": "no build reads this file\n",
}


class Project:
    """A Sphinx project in tmp/work/proj, configured and built from tmp/work."""

    def __init__(self, root, files=None, shared=None, src="proj"):
        self.work = str(root)
        self.src = os.path.join(self.work, src)
        write(self.src, BASIC if files is None else files)
        if shared is None and files is None:
            shared = {"example.py": "print('hello')\n"}
        write(os.path.join(self.work, "shared"), shared or {})

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def configure(self, *args, check=True, env=None):
        result = run([sys.executable, "-m", "docbuild", "configure",
                      "--source", os.path.relpath(self.src, self.work), *args],
                     cwd=self.work, env=env)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def ninja(self, *targets, check=True, env=None):
        result = run([NINJA, *targets], cwd=self.work, env=env)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def log(self, step):
        with open(self.path("build", "logs", f"{step}.log"), encoding="utf-8") as f:
            return f.read()

    def replace(self, name, old, new):
        """Replace `old` (which must be there) with `new` in a source file."""
        path = os.path.join(self.src, name)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        assert old in text, (name, old)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new))

    def edit(self, name, text="\nMore text.\n", folder=None):
        with open(os.path.join(folder or self.src, name), "a", encoding="utf-8") as f:
            f.write(text)


def sleep_in_hook(project, event, parameters, sleep, when="True"):
    """Make the project's conf.py run `sleep SLEEP` in a Sphinx event handler
    (`parameters`: the handler's) when `when` holds: a step that is busy
    there, for as long as a test needs, and findable by its sleep."""
    project.edit("conf.py", "import subprocess\n"
                            f"def hook({parameters}):\n"
                            f"    if {when}:\n"
                            f"        subprocess.run(['sleep', '{sleep}'])\n"
                            "def setup(app):\n"
                            f"    app.connect('{event}', hook)\n")


def tree(folder):
    """{path relative to folder (with /): bytes} of every file below it."""
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, folder).replace(os.sep, "/")] = f.read()
    return found


def run(command, cwd, env=None):
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(command, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=600)


def steps_run(result):
    """The descriptions of the edges ninja ran, e.g. ['sphinx html']."""
    return re.findall(r"^\[\d+/\d+\] (.+)$", result.stdout, re.M)


def reread(log):
    """(added, changed, removed) from Sphinx's 'updating environment' line."""
    match = re.search(r"updating environment: .*?(\d+) added, (\d+) changed, (\d+) removed", log)
    assert match, log
    return tuple(int(n) for n in match.groups())


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path / "work")


@pytest.fixture(params=["pidfd", "portable"])
def runner_path(request, monkeypatch):
    """Run the test under each way docbuild.run waits for a step: a pidfd (Linux)
    and the portable path (macOS), forced with DOCBUILD_RUNNER (docs/internals.rst)."""
    monkeypatch.setenv("DOCBUILD_RUNNER", request.param)
    return request.param


@pytest.fixture
def ten_seconds():
    """Fail the test with an exception after 10 s instead of hanging."""
    def expired(signum, frame):
        raise TimeoutError("still reading after 10 s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def processes_with(text):
    """(pid, command line) of every process whose command line holds `text`."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmdline:
            found.append((int(pid), cmdline))
    return found


def publish(project, *args, check=True, env=None):
    """`python -m docbuild publish ARGS` in the project's top folder."""
    result = run([sys.executable, "-m", "docbuild", "publish", *args], cwd=project.work, env=env)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def python27():
    """The Python 2.7 that runs ../shared/giza-oracle (with its deps in
    /tmp/giza-deps, as the oracle's README sets up), or None."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return None
    path = os.path.join(root, "versions", "2.7.18", "bin", "python2.7")
    return path if root and os.path.isfile(path) and os.path.isdir("/tmp/giza-deps") else None
