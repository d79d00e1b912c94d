"""The docbuild command line: its table of commands, --version, usage and errors."""

import os
import sys

import pytest

from conftest import run
from docbuild import __version__


def docbuild(*args, cwd):
    return run([sys.executable, "-m", "docbuild", *args], cwd=cwd)


def test_version_is_printed(tmp_path):
    result = docbuild("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == f"docbuild {__version__}\n"


def test_catalogs_alone_shows_its_usage_not_unknown_command(tmp_path):
    result = docbuild("catalogs", cwd=tmp_path)
    assert result.returncode == 2
    assert "usage: python -m docbuild catalogs update" in result.stderr
    assert "unknown command" not in result.stderr


def test_ci_refuses_an_option_instead_of_handing_it_to_ninja(tmp_path):
    result = docbuild("ci", "--dry-run", "html", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: python -m docbuild ci")
    assert "unrecognized arguments: --dry-run" in result.stderr
    assert "ninja" not in result.stdout + result.stderr  # ninja did not run


def test_the_console_script_names_itself_docbuild(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "docbuild")
    if not os.path.exists(script):
        pytest.skip("docbuild is not installed as a console script here")
    result = run([script, "deps", "x.rst"], cwd=tmp_path)
    assert result.returncode == 1 and "graph.json not found" in result.stderr
    result = run([script, "report", "--help"], cwd=tmp_path)
    assert result.stdout.startswith("usage: docbuild report")
    result = run([script], cwd=tmp_path)
    assert result.returncode == 2 and result.stdout.startswith("usage: docbuild COMMAND")


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """`python -m docbuild report | head`: the pipe closes while report writes."""
    from conftest import Project

    links = "".join(f"See :doc:`missing-{i:04d}-{'x' * 60}`.\n\n" for i in range(1500))
    project = Project(tmp_path / "work", files={"conf.py": 'project = "P"\n',
                                                "index.rst": "Home\n====\n\n" + links}, shared={})
    project.configure()
    project.ninja("html")
    import subprocess

    reader = subprocess.Popen([sys.executable, "-m", "docbuild", "report"], cwd=project.work,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout.readline()
    reader.stdout.close()  # as head does after its lines
    reader.wait(timeout=60)
    stderr = reader.stderr.read().decode()
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
