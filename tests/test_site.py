"""Post-processing, staging and publishing with real ninja, Sphinx and rsync."""

import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import zipfile

import pytest

from conftest import IN_CI, Project, publish, steps_run

SITE_YAML = """\
formats: [html, man]
version: "2.1"
publish:
  site: {path: ../site, keep: 2}
  mirror: {rsync: ../mirror/}
"""


@pytest.fixture
def site(tmp_path):
    project = Project(tmp_path / "work")
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write(SITE_YAML)
    project.configure()
    return project


def stage_root(project):
    return project.path("build", "public", "2.1")


def files_under(folder):
    out = set()
    for root, _, files in os.walk(folder):
        for name in files:
            out.add(os.path.relpath(os.path.join(root, name), folder))
    return out


def test_stage_layout_and_archives(site):
    with open(os.path.join(site.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write(SITE_YAML.replace("[html, man]", "[html, singlehtml, json, epub, man]"))
    result = site.ninja("stage")
    assert "staged" in result.stdout
    root = stage_root(site)
    staged = files_under(root)
    html = {f for f in files_under(site.path("build", "html")) if not f.startswith(".")}
    assert html <= staged
    assert {"single/index.html", "json/intro.fjson", "Demo-2.1.epub", "Demo-2.1-man.tar.gz",
            "Demo-2.1.tar.gz", "Demo-2.1.zip"} <= staged
    assert not [f for f in staged if f.endswith("environment.pickle") or "last_build" in f]
    with tarfile.open(os.path.join(root, "Demo-2.1.tar.gz")) as tar:
        in_tar = {n.split("/", 1)[1] for n in tar.getnames()}
    with zipfile.ZipFile(os.path.join(root, "Demo-2.1.zip")) as z:
        in_zip = {n.split("/", 1)[1] for n in z.namelist()}
    assert in_tar == in_zip == html
    with tarfile.open(os.path.join(root, "Demo-2.1-man.tar.gz")) as tar:
        assert [n for n in tar.getnames() if n.endswith(".1")]
    assert "no work to do" in site.ninja("stage").stdout


def test_unchanged_rebuild_stages_nothing_and_archives_keep_their_bytes(site):
    site.ninja("stage")
    archive = os.path.join(stage_root(site), "Demo-2.1.tar.gz")
    before = os.stat(archive).st_mtime_ns
    os.unlink(site.path("build", "stamps", "html.stamp"))  # html runs again, same output
    result = site.ninja("stage")
    assert "sphinx html" in steps_run(result)
    assert os.stat(archive).st_mtime_ns == before


def test_removed_page_leaves_the_stage_and_the_next_release(site):
    site.ninja("publish")
    assert os.path.isfile(os.path.join(site.path("site"), "current", "guide", "usage.html"))
    time.sleep(0.01)
    os.unlink(os.path.join(site.src, "guide", "usage.rst"))
    site.edit("index.rst", "")
    with open(os.path.join(site.src, "index.rst"), encoding="utf-8") as f:
        text = f.read().replace("   guide/usage\n", "")
    with open(os.path.join(site.src, "index.rst"), "w", encoding="utf-8") as f:
        f.write(text)
    # Plain Sphinx would leave the old page in build/html; docbuild removes it.
    site.ninja("publish")
    assert not os.path.exists(os.path.join(stage_root(site), "guide", "usage.html"))
    current = os.path.join(site.path("site"), "current")
    assert not os.path.exists(os.path.join(current, "guide", "usage.html"))
    assert os.path.isfile(os.path.join(current, "index.html"))


def test_atomic_switch_keep_and_rollback(site):
    dest = site.path("site")
    site.ninja("publish")
    first = os.readlink(os.path.join(dest, "current"))
    site.edit("intro.rst", "\nSecond release.\n")
    time.sleep(1.1)  # release names have a one-second resolution (then -1, -2, ...)
    site.ninja("publish")
    second = os.readlink(os.path.join(dest, "current"))
    assert first != second
    with open(os.path.join(dest, "current", "intro.html"), encoding="utf-8") as f:
        assert "Second release." in f.read()
    # Unchanged files are hard links shared with the release before.
    assert os.stat(os.path.join(dest, second, "_static", "basic.css")).st_nlink == 2
    site.edit("intro.rst", "\nThird release.\n")
    site.ninja("publish")
    assert len(os.listdir(os.path.join(dest, "releases"))) == 2  # keep: 2
    publish(site, "--rollback")
    assert os.readlink(os.path.join(dest, "current")) == second
    with open(os.path.join(dest, "current", "intro.html"), encoding="utf-8") as f:
        assert "Third release." not in f.read()
    result = publish(site, "--rollback", check=False)
    assert result.returncode == 1 and "no release before" in result.stderr


def test_dry_run_lists_changes_and_changes_nothing(site):
    dest = site.path("site")
    site.ninja("publish")
    before = os.readlink(os.path.join(dest, "current"))
    site.edit("intro.rst", "\nChanged.\n")
    site.ninja("stage")
    result = publish(site, "--dry-run")
    assert "~ intro.html" in result.stdout and "would publish" in result.stdout
    assert os.readlink(os.path.join(dest, "current")) == before


@pytest.mark.skipif(shutil.which("rsync") is None and not IN_CI, reason="rsync not installed (CI installs it)")
def test_rsync_destination(site):
    mirror = site.path("mirror")
    site.ninja("publish-mirror")
    assert files_under(mirror) == files_under(stage_root(site))
    os.makedirs(mirror, exist_ok=True)
    with open(os.path.join(mirror, "stray.html"), "w") as f:
        f.write("not ours\n")
    site.edit("intro.rst", "\nAgain.\n")
    site.ninja("publish-mirror")
    assert not os.path.exists(os.path.join(mirror, "stray.html"))  # --delete
    assert "no work to do" in site.ninja("publish-mirror").stdout


def test_killed_publish_keeps_the_old_release_served(site, tmp_path):
    dest = site.path("site")
    site.ninja("publish")
    old = os.readlink(os.path.join(dest, "current"))
    # A stage big enough that the copy takes a while.
    big = os.path.join(stage_root(site), "big")
    os.makedirs(big)
    for i in range(1500):
        with open(os.path.join(big, f"f{i}.bin"), "wb") as f:
            f.write(os.urandom(10000))
    proc = subprocess.Popen([sys.executable, "-m", "docbuild", "publish"], cwd=site.work,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    releases = os.path.join(dest, "releases")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        partial = [n for n in os.listdir(releases) if n.startswith(".incomplete-")]
        if partial and os.path.isdir(os.path.join(releases, partial[0], "big")):
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert os.readlink(os.path.join(dest, "current")) == old
    assert os.path.isfile(os.path.join(dest, "current", "index.html"))
    assert [n for n in os.listdir(releases) if n.startswith(".incomplete-")]
    publish(site)
    assert not [n for n in os.listdir(releases) if n.startswith(".incomplete-")]
    assert len(os.listdir(os.path.join(dest, "current", "big"))) == 1500


# --- bad input


def test_unknown_destination(site):
    result = publish(site, "--to", "nowhere", check=False)
    assert result.returncode == 1 and "unknown destination 'nowhere'" in result.stderr
    assert "configured: site, mirror" in result.stderr


def test_unwritable_destination_deletes_nothing(site, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be\n")
    with open(os.path.join(site.src, "docbuild.yaml"), "a", encoding="utf-8") as f:
        f.write(f"  bad: {{path: {blocker}/site}}\n")
    site.configure()
    site.ninja("stage")
    result = publish(site, "--to", "bad", check=False)
    assert result.returncode == 1 and "cannot write to the destination" in result.stderr
    assert "Traceback" not in result.stderr
    assert blocker.read_text() == "a file where a folder should be\n"


def test_layout_escaping_the_build_dir_is_refused(site):
    with open(os.path.join(site.src, "docbuild.yaml"), "a", encoding="utf-8") as f:
        f.write("stage:\n  layout: {singlehtml: ../../outside}\n")
    result = site.configure(check=False)
    assert result.returncode == 1 and "docbuild.yaml:7:" in result.stderr
    assert "stays inside the build dir" in result.stderr
    with open(os.path.join(site.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write(SITE_YAML + "stage:\n  dir: ../../public\n")
    result = site.configure(check=False)
    assert result.returncode == 1 and "stays inside the build dir" in result.stderr


def test_symlink_loop_in_an_output_is_a_clear_error(site):
    site.ninja("html")
    os.symlink("loop", site.path("build", "html", "loop"))
    result = site.ninja("stage", check=False)
    assert result.returncode != 0
    assert "symlink loop" in result.stdout and "Traceback" not in result.stdout
    os.unlink(site.path("build", "html", "loop"))
    site.ninja("stage")


@pytest.mark.parametrize("stage_yaml, message", [
    ("stage:\n  formats: [html, dirhtml]\n", "either html or dirhtml"),
    ("stage:\n  layout: {man: .}\n", "must be a file name"),
    ("stage:\n  dir: html/site\n", "which the build writes itself"),
    # Every folder configure writes is refused, locales/ (compiled catalogs) too.
    ("stage:\n  dir: locales\n", "inside locales/, which the build writes itself"),
    ("stage:\n  dir: doctrees/x\n", "inside doctrees/, which the build writes itself"),
    ("stage:\n  name: '{nope}'\n", "unknown or bad placeholder"),
    ("stage:\n  layout: {man: x.tar.gz}\n  archives: [tar.gz]\n  name: x\n", "two downloads would be staged as x.tar.gz"),
])
def test_stage_settings_that_cannot_work_are_refused(site, stage_yaml, message):
    with open(os.path.join(site.src, "docbuild.yaml"), "a", encoding="utf-8") as f:
        f.write(stage_yaml)
    result = site.configure(check=False)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_rollback_dry_run_changes_nothing_and_a_real_current_folder_is_refused(site):
    dest = site.path("site")
    site.ninja("publish")
    site.edit("intro.rst", "\nNext.\n")
    site.ninja("publish")
    live = os.readlink(os.path.join(dest, "current"))
    result = publish(site, "--rollback", "--dry-run")
    assert "would point" in result.stdout and os.readlink(os.path.join(dest, "current")) == live
    os.unlink(os.path.join(dest, "current"))
    os.makedirs(os.path.join(dest, "current"))
    site.edit("intro.rst", "\nOnce more.\n")
    result = site.ninja("publish", check=False)
    assert result.returncode != 0 and "is not a symlink" in result.stdout
    assert not [n for n in os.listdir(os.path.join(dest, "releases")) if n.startswith(".")]
