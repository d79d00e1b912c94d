"""The small pieces: escaping, config checks, scanning, the runner, the rules."""

import ast
import os
import subprocess
import sys

import pytest

from conftest import ROOT, run
from docbuild import config, paths, scan
from docbuild.errors import UserError


def test_ninja_path_escapes_dollar_space_colon():
    assert paths.ninja_path("a b:$c#") == "a$ b$:$$c#"


def test_shell_arg_is_one_shell_word_after_ninja_unescaping():
    nasty = "x $(touch pwned) `id` ; 'q' $HOME"
    arg = paths.shell_arg(nasty)
    unescaped = arg.replace("$$", "$")
    out = subprocess.run(["sh", "-c", f"printf %s {unescaped}"], capture_output=True, text=True)
    assert out.stdout == nasty


def test_newline_in_a_path_is_refused():
    with pytest.raises(UserError, match="line break"):
        paths.ninja_path("a\nb")


def test_spell_relative_inside_top_absolute_outside(tmp_path):
    top = str(tmp_path / "top")
    assert paths.spell(os.path.join(top, "a", "b.rst"), top) == "a/b.rst"
    assert paths.spell(str(tmp_path / "other.rst"), top) == str(tmp_path / "other.rst")


def test_spell_edges_without_relpath(tmp_path):
    top = str(tmp_path / "top")
    assert paths.spell(top, top) == "."
    assert paths.spell(os.path.join(top, "..", "top", "a"), top) == "a"
    assert paths.spell(str(tmp_path / "topx" / "a"), top) == str(tmp_path / "topx" / "a")
    assert paths.spell("../b", top) == str(tmp_path / "b")
    assert paths.spell("/a/b", "/") == "a/b"


def test_depfile_safe():
    assert paths.depfile_safe("a b/c#$d:e.rst")
    assert not any(paths.depfile_safe(f"a{ch}b") for ch in "*;<>[\\^`|\t\x7f")


def test_runner_runs_only_docbuild_steps_of_its_own_python_in_process():
    from docbuild import run as runner

    assert runner.in_process([sys.executable, "-m", "docbuild.sphinx_step", "--x", "y"]) == \
        ("docbuild.sphinx_step", ["--x", "y"])
    assert runner.in_process([sys.executable, "-m", "docbuild.publish"]) is None
    assert runner.in_process(["python-other", "-m", "docbuild.sphinx_step"]) is None
    assert runner.in_process(["latexmk", "-pdf"]) is None


def test_write_if_changed_keeps_mtime_when_equal(tmp_path):
    target = str(tmp_path / "f.txt")
    assert paths.write_if_changed(target, "one")
    before = os.stat(target).st_mtime_ns
    assert not paths.write_if_changed(target, "one")
    assert os.stat(target).st_mtime_ns == before
    assert paths.write_if_changed(target, "two")
    assert open(target).read() == "two"
    assert os.listdir(tmp_path) == ["f.txt"]


def write_config(tmp_path, text):
    path = tmp_path / "docbuild.yaml"
    path.write_text(text)
    return str(path)


def test_config_defaults():
    cfg = config.load(None)
    assert cfg.default == ["html"] and cfg.build_dir == "build"
    assert "linkcheck" not in cfg.formats
    assert cfg.sphinx_pool_depth * cfg.sphinx_jobs <= max(config.machine()[0], 1)


def test_config_values_and_errors(tmp_path):
    cfg = config.load(write_config(tmp_path, "default: [all]\nsphinx_pool_depth: 3\nsphinx_jobs: 1\n"))
    assert cfg.default == ["all"] and cfg.sphinx_pool_depth == 3
    with pytest.raises(UserError) as err:
        config.load(write_config(tmp_path, "build_dir: out\nsphinx_optons: []\n"))
    assert err.value.where[1] == 2 and "sphinx_options" in err.value.hint
    with pytest.raises(UserError, match="list of strings"):
        config.load(write_config(tmp_path, "sphinx_options: -W\n"))
    with pytest.raises(UserError, match="whole number"):
        config.load(write_config(tmp_path, "sphinx_jobs: 0\n"))


def test_auto_parallelism_never_oversubscribes():
    for cores in (1, 2, 4, 16):
        for mem in (1, 3, 24, 256):
            depth, jobs = config.auto_parallelism(cores, mem)
            assert depth >= 1 and jobs >= 1 and depth * jobs <= cores


def test_parse_refs(tmp_path):
    page = tmp_path / "p.rst"
    page.write_text(
        "T\n=\n\n.. include:: /a.inc\n\n.. toctree::\n   :maxdepth: 2\n\n   one\n   Title <two>\n\n"
        "Text :download:`the file <files/x.zip>` and :download:`y.zip`.\n"
        "   .. image:: img/*.png\n.. literalinclude:: code.py\n   :lines: 1-2\n")
    refs = [(r.kind, r.target, r.line) for r in scan.parse_refs(str(page))]
    assert refs == [("include", "/a.inc", 4), ("toctree", "one", 9), ("toctree", "two", 10),
                    ("download", "files/x.zip", 12), ("download", "y.zip", 12),
                    ("image", "img/*.png", 13), ("literalinclude", "code.py", 14)]


def test_find_sources_honours_exclude_patterns_and_skips_build_dir(tmp_path):
    for name in ["index.rst", "a/b.rst", "_drafts/c.rst", "build/x.rst", ".hidden/y.rst", "n.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n")
    project = scan.find_sources(str(tmp_path), [".rst"], ["_drafts"], skip=[str(tmp_path / "build")])
    assert sorted(project.docs) == ["a/b.rst", "index.rst"]
    assert str(tmp_path / "build") not in project.dirs


def test_docbuild_runs_no_python_concurrency():
    """The one exception: the preview server (docbuild/serve*.py, issue 16), an
    interactive process that starts ninja and does no build work itself."""
    forbidden = {"threading", "multiprocessing", "concurrent", "asyncio"}
    folder = os.path.join(ROOT, "docbuild")
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".py") or name.startswith("serve"):
            continue
        tree = ast.parse(open(os.path.join(folder, name), encoding="utf-8").read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mods = [node.module or ""]
            else:
                continue
            for mod in mods:
                assert mod.split(".")[0] not in forbidden, f"{name} imports {mod}"


# --- the step runner


def runner(tmp_path, *command, stamp=True, extra=()):
    log = str(tmp_path / "logs" / "step.log")
    args = [sys.executable, "-m", "docbuild.run", "--step", "demo", "--log", log]
    if stamp:
        args += ["--stamp", str(tmp_path / "demo.stamp")]
    result = run([*args, *extra, "--", *command], cwd=str(tmp_path))
    return result, log


def test_runner_success_writes_stamp_and_log(tmp_path, runner_path):
    result, log = runner(tmp_path, "sh", "-c", "echo hello; echo oops >&2")
    assert result.returncode == 0 and result.stdout == ""
    assert open(log).read().splitlines() == ["hello", "oops"]
    assert (tmp_path / "demo.stamp").exists()


def test_runner_failure_reports_tail_and_leaves_no_stamp(tmp_path, runner_path):
    (tmp_path / "demo.stamp").write_text("")
    script = "for i in $(seq 1 100); do echo line $i; done; exit 3"
    result, log = runner(tmp_path, "sh", "-c", script)
    assert result.returncode == 3
    assert "step 'demo' failed: exited with status 3" in result.stderr
    assert "line 100" in result.stderr and "line 71" in result.stderr and "line 70\n" not in result.stderr
    assert log in result.stderr
    assert not (tmp_path / "demo.stamp").exists()


def test_runner_survives_floods_on_both_streams(tmp_path, runner_path):
    flood = "import sys; sys.stdout.write('o' * 3_000_000); sys.stderr.write('e' * 3_000_000)"
    result, log = runner(tmp_path, sys.executable, "-c", flood)
    assert result.returncode == 0
    assert os.path.getsize(log) == 6_000_000


def test_runner_missing_command(tmp_path, runner_path):
    result, _ = runner(tmp_path, "no-such-tool-xyz")
    assert result.returncode == 127 and "cannot run no-such-tool-xyz" in result.stderr


def test_runner_stops_a_hung_step(tmp_path, runner_path):
    result, _ = runner(tmp_path, "sh", "-c", "echo start; sleep 60", extra=["--idle", "1"])
    assert result.returncode != 0 and "no output for 1 s" in result.stderr
    result, _ = runner(tmp_path, "sh", "-c", "while true; do echo busy; sleep 0.1; done",
                       extra=["--timeout", "1"])
    assert result.returncode != 0 and "timed out after 1 s" in result.stderr


def test_runner_does_not_wait_for_a_grandchild(tmp_path, runner_path):
    marker = tmp_path / "grandchild.pid"
    script = f"sleep 300 & echo $! > '{marker}'; echo parent done"
    result, _ = runner(tmp_path, "sh", "-c", script)
    assert result.returncode == 0
    pid = int(marker.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_runner_counts_warnings_with_and_without_location(tmp_path, runner_path):
    script = "echo 'a.rst:3: WARNING: one'; echo 'WARNING: dot command not found'; echo 'no warning here'"
    result, _ = runner(tmp_path, "sh", "-c", script)
    assert "2 warning(s)" in result.stderr


def test_includes_shown_in_literal_and_code_blocks_are_not_references(tmp_path):
    page = tmp_path / "p.rst"
    page.write_text(
        "Write this::\n\n   .. include:: /not/real.rst\n\nThen:\n\n"
        ".. code-block:: rst\n\n   .. image:: nothing.png\n\n.. include:: real.inc\n")
    refs = [(r.kind, r.target) for r in scan.parse_refs(str(page))]
    assert refs == [("include", "real.inc")]


def test_conf_py_is_read_as_sphinx_reads_it(tmp_path):
    # In its own folder, with __file__ and a tags object; an error is the
    # child's non-zero exit, the defaults are used and the log has the traceback.
    from docbuild import sphinxconf

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "names.txt").write_text("a.rst\n")
    (tmp_path / "src" / "conf.py").write_text(
        "import os\n"
        "exclude_patterns = [open('names.txt').read().strip(), os.path.basename(__file__)]\n"
        "if tags.has('x') or 'x' in tags or tags.eval_condition('x and y'):\n"
        "    exclude_patterns.append('never')\n"
        "tags.add('z')\n"
        "source_suffix = {'.rst': 'restructuredtext', '.txt': 'restructuredtext'}\n"
        "extensions = ['myst_parser']\n"
        "master_doc = 'contents'\n")
    values, error = sphinxconf.read(str(tmp_path / "src"), str(tmp_path / "build"))
    assert error is None
    assert values["exclude_patterns"] == ["a.rst", "conf.py"]
    assert values["source_suffix"] == [".rst", ".txt", ".md"] and values["root_doc"] == "contents"
    (tmp_path / "src" / "conf.py").write_text("raise RuntimeError('broken conf')\n")
    values, error = sphinxconf.read(str(tmp_path / "src"), str(tmp_path / "build"))
    assert values == sphinxconf.DEFAULTS and "broken conf" in open(error).read()


def test_runner_waits_on_a_pidfd_or_by_polling_as_asked(tmp_path, runner_path):
    # DOCBUILD_RUNNER=portable takes the path of systems without os.pidfd_open
    # (macOS): the runner then holds no pidfd while its step runs.
    script = ("for i in $(seq 50); do ls -l /proc/$PPID/fd | grep -qF '[pidfd]' && { echo pidfd; exit 0; }; "
              "sleep 0.02; done; echo none")
    result, log = runner(tmp_path, "sh", "-c", script)
    assert result.returncode == 0
    assert open(log).read() == ("pidfd\n" if runner_path == "pidfd" else "none\n")
