"""The manual's examples are true: each captioned file plus the console block after it
is run on a small real project, and the output the manual shows is what docbuild prints.

An example in docs/*.rst is one or more `.. code-block::` with `:caption: PATH`
(the file's contents, PATH relative to the project's top folder), then a
`.. code-block:: console` whose first line is `$ COMMAND` and whose other lines
are the output.  Every output line must appear, as a line, in what the command
printed (hints and other lines the manual leaves out may appear too).
"""

import glob
import os
import re
import shlex
import shutil
import sys

import pytest

from conftest import NINJA, ROOT, run, write

BLOCK = re.compile(r"^\.\. code-block:: (\S+)\n((?:   :\w+:.*\n)*)\n((?:(?:   .*)?\n)+)", re.M)
# The project an example adds its files to (a file of the example replaces one of these).
BASE = {"docs/conf.py": 'project = "Demo"\n', "docs/index.rst": "Demo\n====\n\nHello.\n"}


def examples(path):
    """(name, files, command, expected lines) of each example in one page."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    files, found = {}, []
    for match in BLOCK.finditer(text):
        language, options, body = match.groups()
        body = "\n".join(line[3:] for line in body.rstrip("\n").split("\n")) + "\n"
        caption = re.search(r":caption: (\S+)", options)
        if caption:
            files[caption.group(1)] = body
        elif language == "console" and files and body.startswith("$ "):
            command, *expected = body.rstrip("\n").split("\n")
            line = text[:match.start()].count("\n") + 1
            found.append((f"{os.path.basename(path)}:{line}", files, command[2:], expected))
            files = {}
        else:
            files = {}
    return found


ALL = [example for page in sorted(glob.glob(os.path.join(ROOT, "docs", "*.rst")))
       for example in examples(page)]


def test_the_manual_has_checked_examples():
    assert len(ALL) >= 3, "the example pattern no longer matches the manual"


@pytest.mark.parametrize("name, files, command, expected", ALL, ids=[e[0] for e in ALL])
def test_an_example_of_the_manual_prints_what_it_shows(tmp_path, name, files, command, expected):
    write(str(tmp_path), {**BASE, **files})
    words = shlex.split(command)
    if words[:2] == ["python", "configure.py"]:
        words = [sys.executable, os.path.join(ROOT, "configure.py"), *words[2:]]
    result = run(words, cwd=str(tmp_path))
    printed = (result.stdout + result.stderr).splitlines()
    missing = [line for line in expected if line not in printed]
    assert not missing, f"{name}: not printed: {missing}\nprinted:\n" + "\n".join(printed)
    if any(": error:" in line for line in expected):
        assert result.returncode != 0, f"{name}: an error, but exit status 0"


def test_our_manual_builds_in_ci_mode(tmp_path):
    """The manual's own structured content is clean in CI mode (no unknown {{name}})."""
    shutil.copytree(os.path.join(ROOT, "docs"), tmp_path / "docs")
    configured = run([sys.executable, os.path.join(ROOT, "configure.py"), "--ci", "--source", "docs"],
                     cwd=str(tmp_path))
    assert configured.returncode == 0, configured.stderr
    built = run([NINJA, "html"], cwd=str(tmp_path))
    assert built.returncode == 0, built.stdout + built.stderr
