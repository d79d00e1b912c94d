"""docbuild installed from a wheel (not editable): no source checkout behind it."""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile

from conftest import NINJA, ROOT, Project, run, steps_run
from docbuild import __version__

FILES = {
    "conf.py": 'project = "Installed"\n',
    "index.rst": """\
        Installed
        =========

        .. include:: /includes/steps/install.rst
        """,
    "includes/steps-install.yaml": """\
        title: Get it.
        ref: get
        content: Download it.
        """,
}


def test_a_wheel_install_builds_a_project(tmp_path):
    # The wheel carries build.ninja.in and the content templates, which lie
    # outside the package in the checkout, as package data (not data-files).
    # setuptools builds in <project>/build: a copy keeps the checkout clean.
    src, wheels, venv = tmp_path / "src", tmp_path / "wheels", tmp_path / "venv"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "build.ninja.in"):
        shutil.copy(os.path.join(ROOT, name), src / name)
    for name in ("docbuild", "templates"):
        shutil.copytree(os.path.join(ROOT, name), src / name, ignore=ignore)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), str(src)], check=True, capture_output=True, cwd=tmp_path)
    # The venv sees this environment's packages (Sphinx, ...), and its own docbuild first.
    # (--system-site-packages would show the base Python's, which lack them when
    # the tests run in a venv: a .pth file adds this environment's folders instead.)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    own = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path)
    ours = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    with open(os.path.join(own.stdout.strip(), "outer-env.pth"), "w", encoding="utf-8") as f:
        f.write("".join(f"{folder}\n" for folder in sorted(ours)))
    (wheel,) = wheels.iterdir()
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "docbuild/build.ninja.in" in names and "docbuild/templates/steps.rst" in names
    assert not [name for name in names if ".data/" in name]
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    where = run([python, "-c", "import docbuild; print(docbuild.__file__)"], cwd=tmp_path)
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr

    # One version number: the package's, which the metadata repeats.
    version = run([str(venv / "bin" / "docbuild"), "--version"], cwd=tmp_path).stdout
    metadata = run([python, "-c", "import importlib.metadata as m; print(m.version('docbuild'))"], cwd=tmp_path)
    assert version == f"docbuild {__version__}\n" and metadata.stdout == f"{__version__}\n"

    project = Project(tmp_path / "work", FILES)
    configured = run([python, "-m", "docbuild", "configure", "--source", "proj"], cwd=project.work)
    assert configured.returncode == 0, configured.stdout + configured.stderr
    # build.ninja.in read from the installed package (configure reruns when it changes)
    package = os.path.dirname(where.stdout.strip())
    assert os.path.join(package, "build.ninja.in") in open(project.path("build.ninja"), encoding="utf-8").read()
    build = project.ninja("html")
    assert steps_run(build)[-1] == "sphinx html"
    html = open(project.path("build", "html", "index.html"), encoding="utf-8").read()
    assert "Get it." in html and "Download it." in html
    assert "no work to do" in run([NINJA, "html"], cwd=project.work).stdout
