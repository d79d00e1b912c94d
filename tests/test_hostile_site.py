"""Hostile input to redirects, staging and publishing: it cannot escape, nothing is lost.

Each attack of issue 12 is reproduced as written there, on a small real project.
"""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import IN_CI, NINJA, Project, publish, run

# --- redirects: the grammar of `from` and `to` (docbuild/redirects.py)


def redirect_project(tmp_path, redirects):
    project = Project(tmp_path / "work", src="docs")
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("redirects: redirects.yaml\n")
    with open(os.path.join(project.src, "redirects.yaml"), "w", encoding="utf-8") as f:
        f.write(redirects)
    return project


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def everything_under(folder):
    return {os.path.relpath(os.path.join(root, name), folder)
            for root, dirs, files in os.walk(folder) for name in files + dirs}


INJECTION = ('from: /a.html\n'
             'to: "/n; }\\nlocation /admin { root /; autoindex on; }\\nlocation = /x { return 301 https://evil"\n')
ESCAPE = 'from: "/../../../docs/pwned://x.html"\nto: /index.html\n'


def test_a_redirect_cannot_inject_nginx_directives(tmp_path):
    project = redirect_project(tmp_path, INJECTION)
    result = project.configure(check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "docs/redirects.yaml:2: error: field `to`:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not os.path.exists(project.path("build", "redirects"))
    assert not os.path.exists(project.path("build.ninja"))


def test_a_redirect_from_cannot_write_outside_the_build_folder(tmp_path):
    project = redirect_project(tmp_path, ESCAPE)
    before = everything_under(project.src)
    result = project.configure(check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "docs/redirects.yaml:1: error: field `from`:" in result.stderr
    assert "'..' part" in result.stderr
    assert everything_under(project.src) == before
    assert not [p for p in everything_under(project.work) if "pwned" in p]


def test_every_bad_redirect_is_reported(tmp_path):
    project = redirect_project(tmp_path, INJECTION + "---\n" + ESCAPE + "---\n"
                               "from: /ok.html\nto: javascript:alert(1)\nexternal: true\n---\n"
                               "from: /file.html\nto: file:///etc/passwd\nexternal: true\n")
    result = project.configure(check=False)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert [e.split(": error: ")[0].split("redirects.yaml")[1] for e in errors] == [":2", ":4", ":8", ":12"]
    assert "can go to http:// or https:// only, not javascript:" in errors[2]
    assert "not file:" in errors[3]


def test_a_protocol_relative_redirect_is_external_and_written_as_such(tmp_path):
    project = redirect_project(tmp_path, "from: /moved.html\nto: //evil.example.com\n")
    result = project.configure(check=False)
    assert result.returncode == 1  # it leaves the site: the author must say so
    assert "docs/redirects.yaml:2: error: field `to`: '//evil.example.com' is an address on " \
           "another site" in result.stderr and "external: true" in result.stderr
    with open(os.path.join(project.src, "redirects.yaml"), "a", encoding="utf-8") as f:
        f.write("external: true\n")
    project.configure()
    project.ninja("build/redirects/nginx.conf")
    nginx = read(project.path("build", "redirects", "nginx.conf"))
    assert 'location = "/moved.html" { return 301 "https://evil.example.com"; }' in nginx
    assert 'Redirect 301 "/moved.html" "https://evil.example.com"' in \
        read(project.path("build", "redirects", ".htaccess"))
    assert 'url=https://evil.example.com"' in read(project.path("build", "redirects", "pages", "moved.html"))


@pytest.mark.parametrize("value", ["javascript:alert(1)", "file:///etc/passwd", "JavaScript://x.example.com/%0a"])
def test_only_http_and_https_redirects_are_accepted(tmp_path, value):
    project = redirect_project(tmp_path, f"from: /x.html\nto: '{value}'\nexternal: true\n")
    result = project.configure(check=False)
    assert result.returncode == 1
    assert "docs/redirects.yaml:2: error: field `to`:" in result.stderr
    assert "http:// or https:// only" in result.stderr


def test_every_redirect_value_is_written_quoted(tmp_path):
    project = redirect_project(tmp_path, "from: /old/\nto: /new.html?a=1&b=2#part\n---\n"
                               "from: /forum.html\nto: https://forum.example.com/docs/\nexternal: true\n")
    project.configure()
    project.ninja("build/redirects/nginx.conf")
    nginx = read(project.path("build", "redirects", "nginx.conf")).splitlines()[1:]
    assert nginx == ['location = "/old/" { return 301 "/new.html?a=1&b=2#part"; }',
                     'location = "/forum.html" { return 301 "https://forum.example.com/docs/"; }']
    assert 'url=/new.html?a=1&amp;b=2#part"' in read(project.path("build", "redirects", "pages", "old",
                                                                    "index.html"))


# --- rsync: a destination is never an option


def site_project(tmp_path, docbuild_yaml):
    project = Project(tmp_path / "work")
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write(docbuild_yaml)
    return project


def test_an_rsync_destination_cannot_be_an_option(tmp_path):
    project = site_project(tmp_path, 'formats: [html]\npublish: {m: {rsync: "--log-file=LOG:x"}}\n')
    result = project.configure(check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "proj/docbuild.yaml:2: error: destination 'm': '--log-file=LOG:x' starts with -" in result.stderr
    assert "Traceback" not in result.stderr
    assert not os.path.exists(project.path("build.ninja"))
    assert not [p for p in everything_under(project.work) if "LOG" in p]


@pytest.mark.skipif(shutil.which("rsync") is None and not IN_CI,
                    reason="rsync is not installed (.ci/run installs it)")
def test_rsync_gets_the_paths_after_a_double_dash(tmp_path):
    project = site_project(tmp_path, "formats: [html]\npublish:\n  m: {rsync: ../-mirror/}\n")
    project.configure()
    project.ninja("publish")
    command = [line for line in project.log("publish-m").splitlines() if line.startswith("$ rsync")]
    assert command and " -- " in command[0]
    assert command[0].split(" -- ")[1].split() == [project.path("build", "public", "latest") + "/",
                                                    project.path("-mirror") + "/"]
    assert os.path.isfile(project.path("-mirror", "index.html"))


# --- publishing never deletes what docbuild did not make

SITE_YAML = "formats: [html]\npublish:\n  site: {path: ../site, keep: 2}\n"


def test_publishing_prunes_only_its_own_releases(tmp_path):
    project = site_project(tmp_path, SITE_YAML)
    project.configure()
    releases = project.path("site", "releases")
    os.makedirs(os.path.join(releases, "2019-archive"))
    with open(os.path.join(releases, "2019-archive", "index.html"), "w") as f:
        f.write("the owner's old site\n")
    with open(os.path.join(releases, "notes.txt"), "w") as f:
        f.write("the owner's notes\n")
    project.ninja("stage")
    made = []
    for _ in range(3):
        result = publish(project)
        assert "Traceback" not in result.stderr
        made.append(os.readlink(project.path("site", "current")).split("/")[-1])
    assert read(os.path.join(releases, "2019-archive", "index.html")) == "the owner's old site\n"
    assert read(os.path.join(releases, "notes.txt")) == "the owner's notes\n"
    assert sorted(os.listdir(releases)) == sorted(["2019-archive", "notes.txt", *made[1:]])
    assert "left alone in releases/ (not published by docbuild): 2019-archive, notes.txt" in result.stdout
    assert f"pruned {made[0]}" in result.stdout
    # Rollback goes back through docbuild's own releases only.
    publish(project, "--rollback")
    assert os.readlink(project.path("site", "current")) == os.path.join("releases", made[1])
    result = publish(project, "--rollback", check=False)
    assert result.returncode == 1 and f"no release before {made[1]}" in result.stderr
    assert "2019-archive" not in result.stderr.split("releases kept:")[1]


# --- full disks: a one-line error, nothing half-written, no traceback


def in_tiny_fs(project, folder, script, size="300k"):
    """Run the shell `script` with `folder` on a tmpfs of `size` that exists only for
    that process (a user and mount namespace: nothing is mounted for anyone else).
    The script sees the folder as $D; `fill` fills it up.  Returns the result and
    the paths left in the folder (the tmpfs is gone afterwards)."""
    if shutil.which("unshare") is None or subprocess.run(
            ["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs `unshare -rm` (user namespaces) to mount a small file system")
    os.makedirs(folder, exist_ok=True)
    listing = project.path("tiny-fs-listing")
    wrapper = (f'mount -t tmpfs -o size={size} tmpfs "$D" || exit 99\n'
               'fill() { cat /dev/zero > "$D/fill" 2>/dev/null; true; }\n'
               f'( {script} )\nrc=$?\n(cd "$D" && find . -mindepth 1) > "$L"\nexit $rc')
    result = run(["unshare", "-rm", "sh", "-c", wrapper], cwd=project.work,
                 env={"D": folder, "L": listing, "NINJA": NINJA, "PY": sys.executable})
    assert result.returncode != 99, result.stderr
    return result, read(listing).split()


def one_line_error(result, *words):
    """The command failed with docbuild's error, not a traceback."""
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "Traceback" not in out, out
    assert all(word in out for word in words), out


def test_a_failed_stage_copy_leaves_no_temporary_files(tmp_path):
    project = site_project(tmp_path, "formats: [html]\n")
    project.configure()
    project.ninja("html")
    stage = project.path("build", "public", "latest")
    result, left = in_tiny_fs(project, stage, '"$NINJA" stage', size="40k")
    one_line_error(result, "no space left on the device to write", "/build/public/latest/", "free space")
    assert left and not [p for p in left if ".tmp" in p]


def test_staging_removes_temporaries_a_killed_run_left(tmp_path):
    project = site_project(tmp_path, "formats: [html]\n")
    project.configure()
    project.ninja("stage")
    stage = project.path("build", "public", "latest")
    for name in ("index.html.tmp4242", "_static/basic.css.tmp17", "mine.tmp1"):
        with open(os.path.join(stage, name), "w") as f:
            f.write("left behind\n")
    project.edit("intro.rst")
    project.ninja("stage")
    assert not os.path.exists(os.path.join(stage, "index.html.tmp4242"))
    assert not os.path.exists(os.path.join(stage, "_static", "basic.css.tmp17"))
    assert os.path.exists(os.path.join(stage, "mine.tmp1"))  # not beside a staged file: the user's


def test_an_archive_step_on_a_full_disk_is_a_clear_error(tmp_path):
    project = site_project(tmp_path, "formats: [html]\nstage: {archives: [zip]}\n")
    project.configure()
    project.ninja("html")
    result, left = in_tiny_fs(project, project.path("build", "dist"), 'fill; "$NINJA" stage')
    one_line_error(result, "step 'archive-html-zip' failed",
                   "no space left on the device to write build/dist/Demo-latest.zip")
    assert left == ["./fill"]


def test_a_sphinx_step_on_a_full_disk_says_the_disk_is_full(tmp_path):
    project = site_project(tmp_path, "formats: [html]\n")
    project.configure()
    result, _ = in_tiny_fs(project, project.path("build", "html"), 'fill; "$NINJA" html')
    one_line_error(result, "step 'html' failed", "docbuild: error: the disk is full", "free space")


def test_publishing_to_a_full_disk_says_what_it_needs_and_changes_nothing(tmp_path):
    project = site_project(tmp_path, SITE_YAML.replace("keep: 2", "keep: 1"))
    project.configure()
    project.ninja("stage")
    site = project.path("site")
    # The first release fits; the disk is then full, and the next needs room of its own.
    result, left = in_tiny_fs(project, site, '"$PY" -m docbuild publish && fill && '
                              'readlink "$D/current" > "$D/../before" && '
                              '"$PY" -m docbuild publish --to site; rc=$?; '
                              'readlink "$D/current" > "$D/../after"; exit $rc', size="1m")
    one_line_error(result, f"not enough space to publish to {site}: the new release needs",
                   "pruning to `keep: 1` would free", "nothing was changed")
    before = read(project.path("before")).strip()
    assert f"(releases {before.split('/')[1]})" in result.stderr
    assert read(project.path("after")).strip() == before
    assert not [p for p in left if ".incomplete" in p or ".tmp" in p]


def test_a_disk_that_fills_up_during_a_publish_leaves_the_live_release(tmp_path):
    project = site_project(tmp_path, SITE_YAML)
    project.configure()
    project.ninja("stage")
    site = project.path("site")
    # Room for bytes but (nearly) no inodes: the space check passes, the copy fails.
    result, left = in_tiny_fs(project, site, '"$PY" -m docbuild publish && '
                              'readlink "$D/current" > "$D/../before" && '
                              'i=0; while (: > "$D/f$i") 2>/dev/null; do i=$((i+1)); done; '
                              'rm "$D/f1" "$D/f2" "$D/f3" "$D/f4"; '
                              '"$PY" -m docbuild publish; rc=$?; '
                              'readlink "$D/current" > "$D/../after"; exit $rc', size="2m,nr_inodes=300")
    one_line_error(result, f"cannot publish to {site}: the file system is full (copying",
                   "the partial release was removed and `current` still points at")
    assert read(project.path("before")) == read(project.path("after"))
    assert not [p for p in left if ".incomplete" in p or ".tmp" in p]
