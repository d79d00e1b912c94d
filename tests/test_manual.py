"""The manual's examples are true: each console block of docs/*.rst is run on a
small real project, and the output the manual shows is what docbuild prints.

An example is a `.. code-block:: console` (at any indent). Its project is BASE
plus the `.. code-block::` blocks with `:caption: PATH` since the last block
without a caption (each a file's contents, PATH relative to the project's top
folder; prose between them does not matter). Each line `$ COMMAND`
runs, in order, in the project's top folder under bash (`python` is this
Python, `ninja` the ninja docbuild uses, `python configure.py` the checkout's
configure.py); the lines after it up to the next `$` are its output. Each must
appear, as a line, in what that command printed (hints and other lines the
manual leaves out may appear too), where `...` stands for any text, a line of
just `...` for lines left out, and a UTC time stamp (20260301T141502) for any
time stamp. A command whose output shows `error:` or `FAILED:` must exit with
a non-zero status; every other command must succeed. Write output that cannot
be checked this way (another machine, a remote host) as a `text` block.
"""

import glob
import os
import re
import shlex
import shutil
import sys

import pytest

from conftest import NINJA, ROOT, run, write

BLOCK = re.compile(r"^( *)\.\. code-block:: (\S+)\n((?:\1   :\w+:.*\n)*)\n((?:(?:\1   .*)?\n)+)", re.M)
# The project an example adds its files to (a file of the example replaces one of these).
BASE = {"docs/conf.py": 'project = "Demo"\n', "docs/index.rst": "Demo\n====\n\nHello.\n"}
STAMP = r"\d{8}T\d{6}"
FAILS = re.compile(r"\berror:|^FAILED:")


def examples(path):
    """(name, files, [(command, expected lines)]) of each example in one page."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    files, found = {}, []
    for match in BLOCK.finditer(text):
        indent, language, options, body = match.groups()
        cut = len(indent) + 3
        body = "\n".join(line[cut:] for line in body.rstrip("\n").split("\n")) + "\n"
        caption = re.search(r":caption: (\S+)", options)
        if caption:
            files[caption.group(1)] = body
            continue
        if language == "console":
            line = text[:match.start()].count("\n") + 1
            found.append((f"{os.path.basename(path)}:{line}", files, commands(body)))
        files = {}
    return found


def commands(body):
    """[(command, expected lines)] of a console block."""
    steps = []
    for line in body.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        else:
            raise AssertionError(f"a console block starts with {line!r}, not `$ command`")
    return steps


def pattern(expected):
    """A regex for one expected line: `...` is any text, a time stamp any time stamp."""
    return re.compile(".*".join(STAMP.join(re.escape(bit) for bit in re.split(STAMP, part))
                                for part in expected.split("...")))


ALL = [example for page in sorted(glob.glob(os.path.join(ROOT, "docs", "*.rst")))
       for example in examples(page)]


def test_the_manual_has_checked_examples():
    assert len(ALL) >= 40, "the example pattern no longer matches the manual"


def run_command(command, folder):
    command = command.replace("python configure.py",
                              "python " + shlex.quote(os.path.join(ROOT, "configure.py")), 1)
    path = os.pathsep.join([os.path.dirname(sys.executable), os.path.dirname(NINJA),
                            os.environ.get("PATH", "")])
    # The reader's shell: not GitHub's annotations, nor this run's conf.py time limit.
    env = {"PATH": path, "GITHUB_ACTIONS": "", "DOCBUILD_CONF_TIMEOUT": ""}
    return run(["bash", "-c", command], cwd=folder, env=env)


@pytest.mark.parametrize("name, files, steps", ALL, ids=[e[0] for e in ALL])
def test_an_example_of_the_manual_prints_what_it_shows(tmp_path, name, files, steps):
    write(str(tmp_path), {**BASE, **files})
    for command, expected in steps:
        result = run_command(command, str(tmp_path))
        printed = [line.rstrip() for line in (result.stdout + result.stderr).splitlines()]
        missing = [line for line in expected if line != "..."
                   and not any(pattern(line).fullmatch(p) for p in printed)]
        assert not missing, f"{name}: `{command}` did not print: {missing}\nprinted:\n" + "\n".join(printed)
        fails = any(FAILS.search(line) for line in expected)
        assert (result.returncode != 0) == fails, \
            f"{name}: `{command}` exited with status {result.returncode}\n" + "\n".join(printed)


def test_our_manual_builds_in_ci_mode(tmp_path):
    """The manual's own structured content is clean in CI mode (no unknown {{name}})."""
    shutil.copytree(os.path.join(ROOT, "docs"), tmp_path / "docs")
    configured = run([sys.executable, os.path.join(ROOT, "configure.py"), "--ci", "--source", "docs"],
                     cwd=str(tmp_path))
    assert configured.returncode == 0, configured.stderr
    built = run([NINJA, "html"], cwd=str(tmp_path))
    assert built.returncode == 0, built.stdout + built.stderr
