"""yamlfile's own constructor gives what PyYAML's safe loader gives, and the lines of keys."""

import os

import pytest
import yaml

from docbuild import yamlfile
from docbuild.errors import UserError

CASES = [
    "a: 1\nb: [1, 2.5, true, null, ~, 2024-01-02, 2024-01-02 10:00:00]\n",
    "base: &b {x: 1, y: [1, 2]}\nc: *b\nd:\n  <<: *b\n  z: 3\n",  # merge key: PyYAML's path
    "=: 1\n",
    "!!set {a, b}\n",
    "!!omap [a: 1, b: 2]\n",
    "a: !!binary aGVsbG8=\n",
    "a: 0o17\nb: 0x1f\nc: 1_000\nd: 1:20\ne: .inf\ng: yes\nh: off\ni: 010\n",
    "a: !!str 1\nb: !!map {x: 1}\nc: !!seq [1]\n",
    "- a\n- {b: c}\n- [d]\n",
    "k: &k key\n*k : v\n",
    "'': empty\n~: null key\n1: int key\n2001-01-01: date key\n",
    "---\n---\na: 1\n---\nnull\n...\n---\n[1]\n",
    "a: 1\n---\na: 2\n",  # the same key in two documents is no duplicate
    "base: &b {k: 1}\nm:\n  <<: *b\n  k: 2\n",  # nor an explicit key over a merged one
]






@pytest.mark.parametrize("text", CASES)
def test_same_data_as_the_safe_loader(text):
    expected = [d for d in yaml.load_all(text, Loader=yamlfile._Loader) if d is not None]
    assert [d for d, _ in yamlfile.load_documents("x.yaml", text)] == expected


@pytest.mark.parametrize("text", ["x: =\n", "? [1, 2]\n: x\n", "a: !foo x\n"])
def test_same_errors_as_the_safe_loader(text):
    with pytest.raises(yaml.YAMLError):
        list(yaml.load_all(text, Loader=yamlfile._Loader))
    with pytest.raises(UserError) as info:
        yamlfile.load_documents("x.yaml", text)
    assert info.value.where == ("x.yaml", 1)


def test_aliases_are_shared_and_recursive_ones_still_load():
    (data, _), = yamlfile.load_documents("x.yaml", "a:\n  - &x {p: [1]}\n  - *x\nb: *x\n")
    assert data["a"][0] is data["a"][1] is data["b"]
    (data, _), = yamlfile.load_documents("x.yaml", "a: &a [1, *a]\n")
    assert data["a"][1] is data["a"]


def test_lines_of_keys_at_any_depth():
    text = "ref: one\n\naction:\n  - name: a\n    code: |\n      x\n  - pre: b\n---\nref: two\n"
    (first, lines), (second, lines2) = yamlfile.load_documents("x.yaml", text)
    assert (lines.line, lines.of("ref"), lines.of("action"), lines.of("missing")) == (1, 1, 3, 1)
    actions = lines.child("action")
    assert (actions.child(0).of("code"), actions.child(1).line, actions.child(1).of("pre")) == (5, 7, 7)
    assert lines.child("ref").child("deeper").line == 1
    assert (lines2.line, lines2.of("ref")) == (9, 9)


def test_errors_name_file_and_line(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nb: !!python/object:os.system x\n")
    with pytest.raises(UserError, match="not allowed") as info:
        yamlfile.load_documents(str(path))
    assert info.value.where == (str(path), 2)
    path.write_text("a: 1\nb: [\n")
    with pytest.raises(UserError, match="YAML syntax error") as info:
        yamlfile.load_documents(str(path))
    assert info.value.where[0] == str(path) and info.value.where[1] >= 2


@pytest.mark.parametrize("text, line", [("a: 1\nc: [1, 2]\nb: !!int x\n", 3),
                                        ("- x\n- {f: !!float nope}\n", 2)])
def test_a_tagged_value_that_cannot_convert_names_its_line(tmp_path, text, line):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as err:
        yamlfile.load_documents(str(path))
    assert f"bad.yaml:{line}: error: a value cannot be read as its YAML tag says" in str(err.value)


# --- bounds (issue 12): deep nesting and alias expansion are errors with a line

def nested(depth):
    return "[" * depth + "]" * depth + "\n"


@pytest.mark.parametrize("merge", ["", "m: {<<: {x: 1}}\n"])  # the fast path, and PyYAML's
def test_nesting_up_to_the_limit_loads_and_past_it_names_the_line(merge):
    head = merge.replace("m: ", "- ") if merge else ""
    ok = head + "- " + nested(yamlfile.MAX_DEPTH - 1)  # the document's list is one level
    assert yamlfile.load_documents("x.yaml", ok)
    with pytest.raises(UserError) as info:
        yamlfile.load_documents("x.yaml", head + "- " + nested(yamlfile.MAX_DEPTH))
    assert "nested more than 100 deep" in str(info.value)
    assert info.value.where == ("x.yaml", 2 if merge else 1)


def bomb(levels, width=9):
    text = "a: &a [" + ", ".join(["lol"] * width) + "]\n"
    for prev, name in zip("abcdefghij", "bcdefghijk"[:levels - 1]):
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * width) + "]\n"
    return text


@pytest.mark.parametrize("merge", ["", "m: {<<: {x: 1}}\n"])
def test_aliases_expanding_past_the_limit_are_an_error_at_the_line_of_the_alias(merge):
    # 9**5 = 59049 values through aliases: below the limit; 9**6 is past it (line 6).
    assert yamlfile.load_documents("x.yaml", merge + bomb(5))
    with pytest.raises(UserError) as info:
        yamlfile.load_documents("x.yaml", merge + bomb(9))
    assert "aliases expand to more than 100000 values" in str(info.value)
    assert info.value.where == ("x.yaml", 6 + (1 if merge else 0))


def test_aliases_shared_a_little_still_load():
    text = "opts: &o {a: 1, b: [1, 2, 3]}\n" + "".join(f"k{i}: *o\n" for i in range(1000))
    (data, _), = yamlfile.load_documents("x.yaml", text)
    assert data["k999"] is data["opts"]


def test_a_yaml_file_that_is_not_a_regular_file_is_an_error(tmp_path, ten_seconds):
    fifo = tmp_path / "steps-x.yaml"
    os.mkfifo(fifo)
    with pytest.raises(UserError) as info:
        yamlfile.load_documents(str(fifo))
    assert "a FIFO, not a regular file" in str(info.value)


@pytest.mark.parametrize("text, key, first, second", [
    ("a: 1\nb: 2\na: 3\n", "a", 1, 3),  # the fast constructor's path
    ("x:\n  - t: 1\n    t: 2\n", "t", 2, 3),
    ("1: a\n0x1: b\n", "0x1", 1, 2),  # written differently, the same key
    ("base: &b {k: 1}\nm:\n  <<: *b\n  j: 2\n  j: 3\n", "j", 4, 5),  # PyYAML's path (merge key)
    ("a: !!binary aGk=\nb: 2\nb: 3\n", "b", 2, 3),  # PyYAML's path (a tag)
])
def test_a_duplicate_key_names_both_lines(text, key, first, second):
    with pytest.raises(UserError) as info:
        yamlfile.load_documents("x.yaml", text)
    assert info.value.where == ("x.yaml", second)
    assert f"duplicate key {key!r}: it is also on line {first}" in str(info.value)


def test_duplicate_keys_in_docbuild_yaml_and_in_a_yaml_source_are_configure_errors(tmp_path):
    from conftest import Project
    from test_errors import assert_clean_error

    files = {
        "conf.py": 'project = "Dup"\n',
        "index.rst": "Home\n====\n\n.. include:: /includes/steps/install.rst\n",
        "docbuild.yaml": "formats: [html]\nversion: '1.0'\nformats: [text]\n",
        "includes/steps-install.yaml": "ref: one\ntitle: First\ncontent: Do it.\ntitle: Second\n",
    }
    p = Project(tmp_path / "config", files)
    assert_clean_error(p.configure(check=False),
                       "docbuild.yaml:3: error: duplicate key 'formats': it is also on line 1")
    assert not os.path.exists(p.path("build.ninja"))
    files["docbuild.yaml"] = "formats: [html]\n"
    p = Project(tmp_path / "source", files)
    assert_clean_error(p.configure(check=False),
                       "steps-install.yaml:4: error: duplicate key 'title': it is also on line 2")
