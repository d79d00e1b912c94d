"""File names with space, $, :, #, ', <, >, non-ASCII and shell syntax build correctly.

The project folder and the build dir have awkward names too, so every path
in build.ninja, in the commands and in the depfiles is exercised.
"""

import os
import time

import pytest

from conftest import Project, steps_run

AWKWARD = ["with space", "dollar$sign", "co:lon", "hash#mark", "quo'te", "an<gle>s",
           "ünïcödé ☃", "$(touch pwned)", "`touch pwned2`", "semi;colon&amp"]


@pytest.fixture
def awkward(tmp_path):
    root = tmp_path / "top $dir: #1 'x'"
    files = {"conf.py": 'project = "Awkward"\n'}
    toctree = "\n".join(f"   {name}/{name}" for name in AWKWARD)
    files["index.rst"] = f"Awkward\n=======\n\n.. toctree::\n\n{toctree}\n"
    for number, name in enumerate(AWKWARD):
        files[f"{name}/{name}.rst"] = (
            f"Page {name}\n{'=' * (5 + len(name))}\n\n"
            f".. include:: {name}.inc\n\n"
            f".. literalinclude:: /{name}/code {name}.py\n"
        )
        files[f"{name}/{name}.inc"] = f"Included text number {number}.\n"
        files[f"{name}/code {name}.py"] = f"x = {name!r}\n"
    return Project(root, files=files, src="sources ü$ #")


def no_pwned(folder):
    for root, dirs, files in os.walk(folder):
        assert not [f for f in files if f.startswith("pwned")], (root, files)


def test_awkward_names_build_and_track_dependencies(awkward, tmp_path):
    awkward.configure("--build-dir", "out $ dir:#ü")
    result = awkward.ninja("html", "text")
    assert sorted(steps_run(result)) == ["sphinx html", "sphinx read", "sphinx text"]
    for number, name in enumerate(AWKWARD):
        page = awkward.path("out $ dir:#ü", "text", name, f"{name}.txt")
        with open(page, encoding="utf-8") as f:
            text = f.read()
        assert f"Included text number {number}." in text
        assert f"x = {name!r}" in text
    assert "no work to do" in awkward.ninja("html", "text").stdout
    # Every awkward include is in the depfile, spelled so that ninja matches it.
    for name in AWKWARD:
        time.sleep(0.01)
        awkward.edit(f"{name}.inc", "More.\n", folder=os.path.join(awkward.src, name))
        assert steps_run(awkward.ninja("text")) == ["sphinx read", "sphinx text"], name
        assert "no work to do" in awkward.ninja("text").stdout
    no_pwned(tmp_path)
    assert not os.path.exists("pwned")


def test_adding_an_awkward_page_regenerates(awkward, tmp_path):
    awkward.configure()
    awkward.ninja("text")
    time.sleep(0.01)
    with open(os.path.join(awkward.src, "$(touch pwned3) new.rst"), "w", encoding="utf-8") as f:
        f.write(":orphan:\n\nNew\n===\n")
    result = awkward.ninja("text")
    assert steps_run(result)[0].startswith("configure")
    assert os.path.isfile(awkward.path("build", "text", "$(touch pwned3) new.txt"))
    no_pwned(tmp_path)
