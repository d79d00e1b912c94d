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
    files = {"conf.py": 'project = "Awkward"\nsmartquotes = False\n'}
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


# --- Hostile names (issue 12): nothing in a name or a conf.py value writes ninja rules.

def test_a_newline_in_the_project_name_cannot_inject_ninja_rules(tmp_path):
    files = {
        "conf.py": 'project="x\\nrule pwn\\n  command = touch PWNED\\nbuild p: pwn\\ndefault p\\n#"\n',
        "docbuild.yaml": "stage: {name: docs}\n",
        "index.rst": "Title\n=====\n\nHello.\n",
    }
    project = Project(tmp_path / "work", files=files)
    project.configure()
    project.ninja()
    for root, _, names in os.walk(tmp_path):
        assert "PWNED" not in names, root
    with open(project.path("build.ninja"), encoding="utf-8") as f:
        text = f.read()
    assert not any(line.startswith(("rule pwn", "build p:", "default p")) for line in text.splitlines())
    assert text.startswith("# build.ninja for x\\nrule pwn\\n")


PIPE_FILES = {
    "conf.py": 'project = "Pipe"\n',
    "index.rst": "Pipe\n====\n\n.. toctree::\n\n   a|b/page\n\n.. include:: /includes/extracts/e0.rst\n",
    "a|b/page.rst": "Page\n====\n\nIn a folder named a|b.\n",
    "includes/extracts-a|b.yaml": "ref: e0\ncontent: Generated from a|b.\n",
}


def test_a_folder_and_a_yaml_file_named_with_a_pipe_build(tmp_path):
    project = Project(tmp_path / "work", files=PIPE_FILES)
    project.configure()
    project.ninja("text")
    with open(project.path("build", "text", "a|b", "page.txt"), encoding="utf-8") as f:
        assert "In a folder named a|b." in f.read()
    with open(project.path("build", "text", "index.txt"), encoding="utf-8") as f:
        assert "Generated from a|b." in f.read()
    assert "no work to do" in project.ninja("text").stdout


def test_a_backtick_in_the_source_path_does_not_rerun_generate(tmp_path):
    files = {"conf.py": 'project = "Tick"\n',
             "index.rst": "Tick\n====\n\n.. include:: /includes/extracts/e0.rst\n",
             "includes/extracts-one.yaml": "ref: e0\ncontent: Generated.\n"}
    project = Project(tmp_path / "work", files=files, src="do`cs")
    project.configure()
    project.ninja("text")
    assert "no work to do" in project.ninja("text").stdout
    # The dependency is still tracked: an edit regenerates and rebuilds.
    time.sleep(0.01)
    project.edit("extracts-one.yaml", "---\nref: e1\ncontent: More.\n",
                 folder=os.path.join(project.src, "includes"))
    assert "generate do`cs/includes/extracts-one.yaml" in steps_run(project.ninja("text"))
    assert "no work to do" in project.ninja("text").stdout


def test_a_file_name_that_is_not_utf8_is_a_clear_error(tmp_path):
    project = Project(tmp_path / "work")
    project.configure()
    project.ninja()
    # Added after configure: the next ninja runs configure, which says what to do.
    with open(os.path.join(os.fsencode(project.src), b"bad\xff.rst"), "w", encoding="utf-8") as f:
        f.write(":orphan:\n\nBad\n===\n")
    for result in (project.ninja(check=False), project.ninja(check=False),
                   project.configure(check=False)):
        output = result.stdout + result.stderr
        assert result.returncode != 0 and "Traceback" not in output, output
        assert "proj/bad\\xff.rst: error: this file name is not valid UTF-8" in output, output
        assert "rename it" in output
    os.rename(os.path.join(os.fsencode(project.src), b"bad\xff.rst"), os.path.join(project.src, "bad.rst"))
    project.ninja()
    assert os.path.isfile(project.path("build", "html", "bad.html"))


def test_a_newline_in_conf_py_language_cannot_name_a_target(tmp_path):
    # With `languages`, conf.py's language names targets (html-en) and folders.
    files = {
        "conf.py": 'language = "en\\nrule pwn\\n  command = touch PWNED\\nbuild p: pwn\\ndefault p\\n#"\n',
        "docbuild.yaml": "languages: [de]\n",
        "index.rst": "Title\n=====\n\nHello.\n",
        "locales/de/LC_MESSAGES/.keep": "",
    }
    project = Project(tmp_path / "work", files=files)
    result = project.configure(check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output
    assert "proj/conf.py: error: conf.py's language 'en\\nrule pwn" in output, output
    assert not os.path.exists(project.path("build.ninja"))
