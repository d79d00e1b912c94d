"""Hostile values in YAML, docbuild.yaml and conf.py (issue 12, items 2 and 11).

A value that becomes part of a file name passes one checker (paths.component);
a number is bounded; a stage setting takes plain placeholders only. Each
attack is refused with file:line, a non-zero exit and no traceback, and the
source tree stays as it was.
"""

import os
import sys

import pytest

from conftest import Project, run, tree
from test_errors import assert_clean_error

CONF = 'project = "P"\nversion = "3.1"\n'
INDEX = "P\n=\n\nHello.\n"



def pwned(work):
    return [os.path.join(root, n) for root, _, files in os.walk(work) for n in files
            if "pwned" in n]


def hostile(tmp_path, files):
    """A project in work/docs (so ../../../../docs from build/gen/includes/option is the source)."""
    return Project(tmp_path / "work", files={"conf.py": CONF, "index.rst": INDEX, **files}, src="docs")


@pytest.mark.parametrize("options", [
    # The reproduction of the issue, and the same path arriving through a replacement.
    'program: p\nname: n\ndirective: "../../../../docs/pwned"\n',
    'program: p\nname: n\ndirective: "{{x}}"\nreplacement:\n  x: "../../../../docs/pwned"\n',
])
def test_an_options_directive_cannot_write_into_the_source_tree(tmp_path, options):
    p = hostile(tmp_path, {"includes/options-x.yaml": options})
    before = tree(p.src)
    result = p.configure(check=False)
    assert_clean_error(result, "docs/includes/options-x.yaml:3: error: field `directive`",
                       "cannot be a file name")
    # The generator, run by hand, refuses it the same way.
    by_hand = run([sys.executable, "-m", "docbuild.generate", "--srcdir", p.src,
                   "--gen", p.path("build", "gen"), os.path.join(p.src, "includes", "options-x.yaml")],
                  cwd=p.work)
    assert_clean_error(by_hand, "options-x.yaml:3:", "cannot be a file name")
    assert tree(p.src) == before
    assert pwned(p.work) == []


def test_a_ref_with_a_line_separator_is_refused_at_configure(tmp_path):
    p = hostile(tmp_path, {"includes/extracts-x.yaml": 'ref: ok\ncontent: fine\n---\n'
                                                       'ref: "a\\u2028b"\ncontent: x\n'})
    before = tree(p.src)
    result = p.configure(check=False)
    assert_clean_error(result, "docs/includes/extracts-x.yaml:4: error: field `ref`",
                       "U+2028", "cannot be a file name")
    assert tree(p.src) == before
    # Fixed, it builds: the bad value left nothing behind that fails forever.
    with open(os.path.join(p.src, "includes", "extracts-x.yaml"), "w", encoding="utf-8") as f:
        f.write("ref: ok\ncontent: fine\n---\nref: ab\ncontent: x\n")
    p.configure()
    p.ninja("html")


def test_a_ref_with_a_line_separator_added_later_is_refused_and_can_be_fixed(tmp_path):
    p = hostile(tmp_path, {"includes/extracts-x.yaml": "ref: ok\ncontent: fine\n"})
    p.configure()
    p.ninja("html")
    path = os.path.join(p.src, "includes", "extracts-x.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write('ref: ok\ncontent: fine\n---\nref: "a\\u2028b"\ncontent: x\n')
    for _ in range(2):  # refused on every run, not accepted once and then a ValueError
        assert_clean_error(p.ninja("html", check=False), "extracts-x.yaml:4:", "U+2028")
    with open(path, "w", encoding="utf-8") as f:
        f.write("ref: ok\ncontent: changed\n")
    p.ninja("html")
    assert "no work to do" in p.ninja("html").stdout


def test_a_newline_in_an_options_directive_names_the_yaml_file_and_line(tmp_path):
    p = hostile(tmp_path, {"includes/options-x.yaml": 'program: p\nname: n\ndirective: "a\\nb"\n'})
    result = p.configure(check=False)
    text = assert_clean_error(result, "docs/includes/options-x.yaml:3: error: field `directive`",
                              "U+000A")
    assert "build/gen" not in text and "option/a" not in text, text


def test_an_options_directive_must_be_a_directive_name(tmp_path):
    p = hostile(tmp_path, {"includes/options-x.yaml": 'program: p\nname: n\ndirective: "x:: evil"\n'})
    assert_clean_error(p.configure(check=False), "options-x.yaml:3:", "is not a directive name")


@pytest.mark.parametrize("stage", [
    'stage:\n  dir: "{version:>99999999999}"\n',  # the reproduction: a MemoryError today
    'stage:\n  name: "{project:>99999999999}"\n',
    'stage:\n  layout: {epub: "{name:>99999999999}.epub"}\n',
    'stage:\n  dir: "public/{version!r}"\n',
    'stage:\n  dir: "public/{version.__class__}"\n',
])
def test_a_format_spec_in_a_stage_setting_is_an_error_not_a_memory_error(tmp_path, stage):
    p = hostile(tmp_path, {"docbuild.yaml": stage})
    assert_clean_error(p.configure(check=False), "docs/docbuild.yaml:2: error: `stage: ",
                       "unknown or bad placeholder")


@pytest.mark.parametrize("settings, needles", [
    ('version: "1.0\\u2028x"\nstage: {name: fixed}\n',
     ["`stage: dir` 'public/{version}' fills in to", "U+2028"]),
    ('version: "../.hidden"\nstage: {name: fixed}\n', ["`stage: dir` 'public/{version}'", "starts with `.`"]),
    ('version: "1.0\\u2028x"\n', ["the download name 'P-1.0\\u2028x' is not a file name", "U+2028"]),
])
def test_a_version_that_lands_in_stage_paths_is_one_name_per_part(tmp_path, settings, needles):
    p = hostile(tmp_path, {"docbuild.yaml": settings})
    assert_clean_error(p.configure(check=False), *needles, "{version} = ")


def test_conf_py_language_that_names_folders_is_one_name(tmp_path):
    p = hostile(tmp_path, {"conf.py": CONF + 'language = "../en"\n', "docbuild.yaml": "languages: [ja]\n",
                           "locales/ja/LC_MESSAGES/index.po": ""})
    assert_clean_error(p.configure(check=False), "docs/conf.py: error: conf.py's language '../en' cannot name")


@pytest.mark.parametrize("setting, needle", [
    ("sphinx_pool_depth: 99999999999999999999999999", "from 1 to 1024"),
    ("sphinx_jobs: 5000", "from 1 to 1024"),
    ("content_group_size: 99999999999999999999", "from 1 to 100000"),
    ("timeouts: {default: {total: .nan}}", "from 0 (never) to 604800"),
    ("timeouts: {default: {idle: .inf}}", "from 0 (never) to 604800"),
    ("timeouts: {html: {total: -5}}", "from 0 (never) to 604800"),
    ("timeouts: {html: {total: 1.0e+300}}", "from 0 (never) to 604800"),
])
def test_counts_and_timeouts_out_of_range_are_configure_errors(tmp_path, setting, needle):
    p = hostile(tmp_path, {"docbuild.yaml": "formats: [html]\n" + setting + "\n"})
    assert_clean_error(p.configure(check=False), "docs/docbuild.yaml:2: error:", needle)
    assert not os.path.exists(p.path("build.ninja"))


def test_a_field_over_1_mb_with_version_is_substituted_not_a_loop(tmp_path):
    big = "x" * 1_100_000
    p = hostile(tmp_path, {"includes/extracts-big.yaml": f"ref: big\ncontent: {big} {{{{version}}}}\n"})
    p.configure()
    out = os.path.join("build", "gen", "includes", "extracts", "big.rst")
    p.ninja(out)
    with open(p.path(out), encoding="utf-8") as f:
        assert f.read().rstrip().endswith(big + " 3.1")


def test_the_generator_deletes_stale_outputs_only_below_its_own_folder(tmp_path):
    # A names file from before the checks may list a file the attack wrote in
    # the source tree; fixing the YAML must not delete the user's file there.
    p = hostile(tmp_path, {"includes/extracts-x.yaml": "ref: ok\ncontent: fine\n", "mine.rst": "Mine\n"})
    p.configure()
    p.ninja("html")
    names = p.path("build", ".docbuild", "gen", "group-0000.names")
    with open(names, "a", encoding="utf-8") as f:
        f.write("docs/includes/extracts-x.yaml\tdocs/mine.rst\n")
    with open(os.path.join(p.src, "includes", "extracts-x.yaml"), "a", encoding="utf-8") as f:
        f.write("---\nref: two\ncontent: more\n")
    p.ninja("html")
    assert os.path.isfile(os.path.join(p.src, "mine.rst"))
    assert os.path.isfile(p.path("build", "gen", "includes", "extracts", "two.rst"))
