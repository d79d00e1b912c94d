"""Bad input: a clear message, a non-zero exit, no traceback, nothing half-written."""

import os

from conftest import Project, steps_run


def assert_clean_error(result, *needles, tool_traceback=False):
    """Non-zero exit, the needles, and no traceback of docbuild's own.

    With tool_traceback, the log tail may quote the tool's (Sphinx's) traceback.
    """
    assert result.returncode != 0
    text = result.stdout + result.stderr
    if tool_traceback:
        assert "docbuild/" not in text.replace("build/logs/", ""), text
    else:
        assert "Traceback" not in text, text
    for needle in needles:
        assert needle in text, text
    return text


def test_source_without_conf_py(tmp_path):
    (tmp_path / "empty").mkdir()
    p = Project(tmp_path / "work")
    result = p.configure("--source", str(tmp_path / "empty"), check=False)
    assert_clean_error(result, "has no conf.py", "hint:")
    assert not os.path.exists(p.path("build.ninja"))


def test_source_that_does_not_exist(project):
    result = project.configure("--source", "nowhere", check=False)
    assert_clean_error(result, "nowhere does not exist")


def test_unknown_format_in_config(project):
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("# formats\n\nformats: [html, htlm]\n")
    result = project.configure(check=False)
    assert_clean_error(result, "docbuild.yaml:3:", "unknown format 'htlm'", "did you mean")


def test_config_syntax_error_names_the_line(project):
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("default: [html]\nformats: [html\nbuild_dir: out\n")
    result = project.configure(check=False)
    text = assert_clean_error(result, "docbuild.yaml:", "YAML syntax error")
    assert "docbuild.yaml:3" in text or "docbuild.yaml:2" in text


def test_unknown_config_key_names_the_line(project):
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("default: [html]\nbuild_dri: out\n")
    result = project.configure(check=False)
    assert_clean_error(result, "docbuild.yaml:2:", "unknown key 'build_dri'", "'build_dir'")


def test_wrong_type_config_value(project):
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("sphinx_jobs: many\n")
    assert_clean_error(project.configure(check=False), "docbuild.yaml:1:", "sphinx_jobs")


def test_python_tag_in_config_is_refused(project):
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("build_dir: !!python/object/apply:os.system ['touch pwned']\n")
    assert_clean_error(project.configure(check=False), "docbuild.yaml:1:", "not allowed")
    assert not os.path.exists(project.path("pwned"))


def test_missing_include_target_names_file_and_line(project):
    with open(os.path.join(project.src, "intro.rst"), "a", encoding="utf-8") as f:
        f.write("\n.. include:: /snippets/missing.inc\n")
    result = project.configure("--ci", check=False)  # a warning otherwise (test_real_includes)
    assert_clean_error(result, "intro.rst:10:", "missing.inc does not exist")
    assert not os.path.exists(project.path("build.ninja"))


def test_missing_include_found_at_regeneration_keeps_old_build_ninja(project):
    project.configure("--ci")
    project.ninja("html")
    with open(project.path("build.ninja"), encoding="utf-8") as f:
        before = f.read()
    with open(os.path.join(project.src, "new.rst"), "w", encoding="utf-8") as f:
        f.write(":orphan:\n\nNew\n===\n\n.. include:: gone.inc\n")
    result = project.ninja("html", check=False)
    assert_clean_error(result, "new.rst:6:", "gone.inc does not exist")
    with open(project.path("build.ninja"), encoding="utf-8") as f:
        assert f.read() == before


def test_unwritable_build_dir(project):
    # Tests run as root in CI, so permissions cannot make a folder unwritable:
    # a file where the build dir should be can.
    with open(project.path("blocker"), "w") as f:
        f.write("a file, not a folder\n")
    result = project.configure("--build-dir", "blocker/build", check=False)
    assert_clean_error(result, "cannot write to the build dir", "--build-dir")


def test_conf_py_that_raises_shows_sphinx_error_in_the_log_tail(project):
    with open(os.path.join(project.src, "conf.py"), "a", encoding="utf-8") as f:
        f.write("raise RuntimeError('conf.py is broken on purpose')\n")
    configured = project.configure()
    assert "conf.py failed" in configured.stderr
    result = project.ninja("html", check=False)
    text = assert_clean_error(result, "step 'html' failed", "conf.py is broken on purpose",
                              "build/logs/html.log", tool_traceback=True)
    assert "FAILED" in text
    assert not os.path.exists(project.path("build", "stamps", "html.stamp"))
    # Failure is sticky: the next ninja tries again instead of passing.
    again = project.ninja("html", check=False)
    assert again.returncode != 0 and steps_run(again) == ["sphinx html"]


def test_missing_external_tool_names_what_to_install(project):
    project.configure()
    # Sphinx's latex builder needs no tool; latexmk is looked up on PATH.
    result = project.ninja("latexpdf", check=False, env={"PATH": "/nonexistent"})
    assert_clean_error(result, "latexpdf needs latexmk", "apt-get install latexmk")
    result = project.ninja("info", check=False, env={"PATH": "/nonexistent"})
    assert_clean_error(result, "info needs makeinfo", "apt-get install texinfo")


def test_newline_in_a_folder_name_is_a_clear_error(project):
    # build.ninja lists source folders (their mtimes reveal added files);
    # ninja has no way to write a line break in a path.
    os.mkdir(os.path.join(project.src, "bad\nname"))
    assert_clean_error(project.configure(check=False), "line break")


def test_scan_cache_sees_an_edited_page(project):
    project.configure("--ci")
    with open(os.path.join(project.src, "intro.rst"), "a", encoding="utf-8") as f:
        f.write("\n.. include:: later-missing.inc\n")
    assert_clean_error(project.configure("--ci", check=False), "intro.rst:10:", "later-missing.inc")


def test_empty_default_is_refused(project):
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("default: []\n")
    assert_clean_error(project.configure(check=False), "docbuild.yaml:1:", "at least one target")


def test_warnings_that_fail_a_build_are_shown(project):
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write('sphinx_options: ["-W", "--keep-going"]\n')
    with open(os.path.join(project.src, "orphan.rst"), "w", encoding="utf-8") as f:
        f.write("Orphan\n======\n\nIn no toctree.\n")
    project.configure()
    result = project.ninja("html", check=False)
    assert_clean_error(result, "1 warning(s) in the log", "orphan.rst: WARNING: document isn't included")


def test_failure_on_warnings_is_sticky_until_fixed(project):
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write('sphinx_options: ["--fail-on-warning"]\n')
    project.edit("intro.rst", "\n.. unknown-directive:: oops\n")
    project.configure()
    first = project.ninja("html", check=False)
    assert first.returncode != 0 and "Unknown directive type" in first.stdout
    # Nothing changed: plain Sphinx would re-read nothing and pass.
    second = project.ninja("html", check=False)
    assert second.returncode != 0 and "Unknown directive type" in second.stdout
    with open(os.path.join(project.src, "intro.rst"), encoding="utf-8") as f:
        fixed = f.read().replace(".. unknown-directive:: oops\n", "")
    with open(os.path.join(project.src, "intro.rst"), "w", encoding="utf-8") as f:
        f.write(fixed)
    project.ninja("html")
    assert "no work to do" in project.ninja("html").stdout


def test_warning_in_an_included_file_is_sticky(project):
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write('sphinx_options: ["--fail-on-warning"]\n')
    project.edit("note.inc", "\n.. unknown-directive:: oops\n",
                 folder=os.path.join(project.src, "snippets"))
    project.configure()
    assert project.ninja("html", check=False).returncode != 0
    again = project.ninja("html", check=False)
    assert again.returncode != 0 and "note.inc" in again.stdout
