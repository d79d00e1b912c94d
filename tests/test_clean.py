"""`docbuild clean`: outputs and their stamps go, the caches stay, and the
next ninja writes what a clean build writes."""

import os
import sys

from conftest import Project, run, steps_run, tree


def clean(project, *args):
    return run([sys.executable, "-m", "docbuild", "clean", *args], cwd=project.work)


def outputs(project):
    return {fmt: tree(project.path("build", fmt)) for fmt in ("html", "text")}


def built(tmp_path):
    project = Project(tmp_path / "work")
    project.configure()
    project.ninja("html", "text")
    return project


def test_after_clean_ninja_writes_the_same_files_again_from_the_kept_caches(tmp_path):
    project = built(tmp_path)
    first = outputs(project)
    result = clean(project)
    assert result.returncode == 0, result.stderr
    assert "removed build/html/" in result.stdout and "kept: build/doctrees/" in result.stdout
    assert not os.path.exists(project.path("build", "html"))
    assert not os.path.exists(project.path("build", "stamps", "html.stamp"))
    # The shared read is a cache: its doctrees and its stamp stay, so it does not run again.
    assert os.path.exists(project.path("build", "stamps", "read.stamp"))
    assert os.path.isdir(project.path("build", "doctrees", "read"))
    assert sorted(steps_run(project.ninja("html", "text"))) == ["sphinx html", "sphinx text"]
    assert outputs(project) == first
    assert "no work to do" in project.ninja("html", "text").stdout


def test_a_dry_run_lists_what_would_go_and_removes_nothing(tmp_path):
    project = built(tmp_path)
    before = tree(project.path("build"))
    result = clean(project, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would remove build/stamps/html.stamp" in result.stdout.splitlines()
    assert "would remove build/text/" in result.stdout.splitlines()
    assert tree(project.path("build")) == before
    assert "no work to do" in project.ninja("html", "text").stdout


def test_clean_all_removes_the_build_folder_and_configure_starts_over(tmp_path):
    project = built(tmp_path)
    first = outputs(project)
    result = clean(project, "--all")
    assert result.returncode == 0 and "removed build/" in result.stdout, result.stderr
    assert "run configure again" in result.stdout
    assert not os.path.exists(project.path("build"))
    project.configure()
    project.ninja("html", "text")
    assert outputs(project) == first


def test_clean_refuses_a_folder_configure_did_not_set_up(tmp_path):
    project = built(tmp_path)
    sources = tree(project.src)
    for args in (["--build-dir", "proj"], ["--build-dir", "proj", "--all"]):
        result = clean(project, *args)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith("docbuild: error: proj is not a docbuild build folder"), result.stderr
        assert "hint: pass the --build-dir that configure used" in result.stderr
    assert tree(project.src) == sources
    # A file of the user's in the build folder: --all would remove it, so it refuses.
    with open(project.path("build", "notes.txt"), "w") as f:
        f.write("mine\n")
    before = tree(project.path("build"))
    result = clean(project, "--all")
    assert result.returncode == 1
    assert "error: build holds files docbuild did not make: notes.txt" in result.stderr
    assert tree(project.path("build")) == before


def test_clean_removes_a_link_in_the_build_folder_never_what_it_points_to(tmp_path):
    project = built(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.html").write_text("not the build's\n")
    html = project.path("build", "html")
    os.rename(html, str(tmp_path / "old-html"))
    os.symlink(elsewhere, html)
    result = clean(project)
    assert result.returncode == 0, result.stderr
    assert not os.path.lexists(html) and (elsewhere / "keep.html").read_text() == "not the build's\n"
    # A build folder that is itself a link: --all would remove a folder it does not own.
    moved = tmp_path / "real-build"
    os.rename(project.path("build"), moved)
    os.symlink(moved, project.path("build"))
    result = clean(project, "--all")
    assert result.returncode == 1 and "is a symbolic link" in result.stderr
    assert os.path.isdir(moved / ".docbuild")
