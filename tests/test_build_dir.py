"""The build dir: docbuild deletes only what it made, and never builds among the sources (issue 12, item 5)."""

import os
import sys

from conftest import NINJA, Project, run
from test_errors import assert_clean_error

FILES = {
    "conf.py": 'project = "Gen"\n',
    "index.rst": "Gen\n===\n\n.. include:: /includes/extracts/e0.rst\n",
    "includes/extracts-one.yaml": "ref: e0\ncontent: One.\n",
    "includes/extracts-two.yaml": "ref: e1\ncontent: Two.\n",
}
THEIRS = {"gen/notes.txt": "theirs\n", "gen/includes/extracts/mine.rst": "theirs\n",
          "gen/includes/extracts/e9.rst": "theirs\n"}


def write_theirs(folder):
    for name, text in THEIRS.items():
        os.makedirs(os.path.dirname(os.path.join(folder, name)), exist_ok=True)
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write(text)
    os.makedirs(os.path.join(folder, "gen", "empty"))


def assert_theirs_kept(folder):
    for name, text in THEIRS.items():
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            assert f.read() == text, name
    assert os.path.isdir(os.path.join(folder, "gen", "empty"))


def test_a_build_dir_that_holds_a_gen_folder_keeps_its_files(tmp_path):
    project = Project(tmp_path / "work", FILES)
    write_theirs(project.path("out"))
    project.configure("--build-dir", "out")
    project.ninja()
    assert_theirs_kept(project.path("out"))
    generated = project.path("out", "gen", "includes", "extracts", "e1.rst")
    assert os.path.isfile(generated)
    # A removed source: configure deletes what it generated, and only that.
    os.unlink(os.path.join(project.src, "includes", "extracts-two.yaml"))
    project.configure("--build-dir", "out")
    assert not os.path.exists(generated)
    assert_theirs_kept(project.path("out"))
    project.ninja()
    assert_theirs_kept(project.path("out"))


def test_build_dir_dot_in_a_folder_with_a_gen_folder_keeps_its_files(tmp_path):
    # `build_dir: .` with the sources elsewhere: the current folder is the build dir.
    project = Project(tmp_path / "work", {**FILES, "docbuild.yaml": "build_dir: .\n"})
    here = project.path("here")
    write_theirs(here)
    result = run([sys.executable, "-m", "docbuild", "configure", "--source", "../proj"], cwd=here)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_theirs_kept(here)
    result = run([NINJA], cwd=here)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_theirs_kept(here)
    assert os.path.isfile(os.path.join(here, "gen", "includes", "extracts", "e0.rst"))


def test_a_build_dir_that_is_or_holds_the_source_folder_is_refused(tmp_path):
    project = Project(tmp_path / "work", {**FILES, "docbuild.yaml": "build_dir: .\n"})
    before = sorted(os.listdir(project.work)), sorted(os.listdir(project.src))
    # `build_dir: .`, run beside the source folder: the build dir holds it.
    result = project.configure(check=False)
    assert_clean_error(result, "docbuild.yaml:1:", "contains the source folder", "--build-dir")
    for build_dir in ("proj", "proj/..", ".", "/"):
        result = project.configure("--build-dir", build_dir, check=False)
        assert_clean_error(result, "the build dir", "--build-dir")
    assert (sorted(os.listdir(project.work)), sorted(os.listdir(project.src))) == before
    # Inside the source folder is fine (the scan leaves it out).
    project.configure("--build-dir", "proj/_build")


def test_a_project_configured_in_its_own_folder_reaches_no_work_to_do(tmp_path):
    # `configure --source .`: build.ninja and build/ sit in the source folder,
    # whose modification time every build changes.
    project = Project(tmp_path, {"conf.py": 'project = "Here"\n', "index.rst": "Here\n====\n"})
    configured = run([sys.executable, "-m", "docbuild", "configure", "--source", "."], cwd=project.src)
    assert configured.returncode == 0, configured.stderr
    assert "which is also a source folder" in configured.stderr
    assert run([NINJA], cwd=project.src).returncode == 0
    assert "no work to do" in run([NINJA], cwd=project.src).stdout
    with open(os.path.join(project.src, "index.rst"), "a", encoding="utf-8") as f:
        f.write("\nMore.\n")
    rebuilt = run([NINJA], cwd=project.src)
    assert "sphinx html" in rebuilt.stdout and "configure" not in rebuilt.stdout
    assert "no work to do" in run([NINJA], cwd=project.src).stdout
