"""build.ninja.in cannot be made to say more than it means (issue 12, item 3).

Every placeholder passes an escaping filter (a placeholder without one fails
the render), and every value configure gives the template, made hostile (a
newline that writes a rule; `$`, `|`, `:`, space, `#` and a backtick), either
stops configure with a clear error or reaches ninja exactly as it was.
"""

import json
import os
import re
import shlex
import subprocess

import jinja2
import pytest

from conftest import NINJA, PNG, Project
from docbuild import configure, ninja_file
from docbuild.errors import UserError

PO = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Hello."\nmsgstr "Hallo."\n'

# Every branch of the template: editions x languages with a catalog, structured
# content in two groups with extra arguments, redirects, archives (dist
# steps), tool steps (latexpdf), two publish destinations and aliases.
FULL = {
    "conf.py": 'project = "Full"\nversion = "2.1"\nlanguage = "en"\nlocale_dirs = ["locales"]\n',
    "docbuild.yaml": """\
        formats: [html, singlehtml, man, epub, latexpdf]
        default: [html, text-cloud-de]
        content_group_size: 1
        editions:
          cloud: {tags: [cloud]}
          onprem: {}
        languages: [de]
        redirects: redirects.yaml
        stage: {name: docs, archives: [tar.gz, zip]}
        publish:
          site: {path: ../site}
          mirror: {rsync: ../mirror/}
        """,
    "index.rst": "Full\n====\n\nHello.\n\n.. include:: /includes/extracts/e0.rst\n\n.. image:: pic.png\n",
    "pic.png": PNG,
    "includes/extracts-one.yaml": "ref: e0\ncontent: one\n",
    "includes/extracts-two.yaml": "ref: e1\ncontent: two\n",
    "redirects.yaml": "from: /old.html\nto: /index.html\n",
    "locales/de/LC_MESSAGES/index.po": PO,
}

INJECTION = "\nrule pwn\n  command = touch PWNED\nbuild p: pwn\ndefault p\n#"
HOSTILE = {
    # A line break: a clear error, or (in the header comment) written as `\n`.
    "newline": lambda s: s + INJECTION,
    # Legal in a file name: must reach ninja as it was.
    "awkward": lambda s: " #$|:`" + s + " $|: #x",
}
# Values that name targets and steps, also unquoted in commands: letters,
# digits and _ . + @ - only, so an awkward one is refused, not escaped.
NAMES = {"formats.*.name", "formats.*.builder", "formats.*.format", "aliases.*.name",
         "aliases.*.targets.*", "catalogs.*.lang", "dist.*.step", "destinations.*.name",
         "default_destination", "all_targets.*", "default_targets.*"}


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """The context configure renders build.ninja with, for the FULL project."""
    project = Project(tmp_path_factory.mktemp("full") / "work", FULL)
    here = os.getcwd()
    os.chdir(project.work)
    try:
        result = configure.configure(configure.parser("configure").parse_args(["--source", "proj"]))
    finally:
        os.chdir(here)
    context = result["context"]
    assert context["aliases"] and context["catalogs"] and context["dist"] and context["destinations"]
    assert any(g.get("extra") for g in context["generators"]) and len(context["generators"]) > 2
    assert any(not f["builder"] for f in context["formats"])
    return context


def leaves(value, key=""):
    """(key, path to the value) of every string, list indices written as `*`."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, f"{key}.{k}" if key else k)
    elif isinstance(value, list):
        for v in value:
            yield from leaves(v, f"{key}.*")
    elif isinstance(value, str):
        yield key


def mutated(value, key, change, at=""):
    if isinstance(value, dict):
        return {k: mutated(v, key, change, f"{at}.{k}" if at else k) for k, v in value.items()}
    if isinstance(value, list):
        return [mutated(v, key, change, f"{at}.*") for v in value]
    if isinstance(value, str) and at == key:
        return change(value)
    return value


def strings(value, key, at=""):
    """Every string at `key`."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings(v, key, f"{at}.{k}" if at else k)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v, key, f"{at}.*")]
    return [value] if isinstance(value, str) and at == key else []


def ninja_view(folder, text):
    """(targets, {command}) as ninja reads `text`, or fail."""
    with open(os.path.join(folder, "build.ninja"), "w", encoding="utf-8") as f:
        f.write(text)
    out = {}
    for tool in ("targets", "compdb"):
        args = ["-t", tool, "all"] if tool == "targets" else ["-t", tool]
        result = subprocess.run([NINJA, *args], cwd=folder, capture_output=True, text=True)
        assert result.returncode == 0, (tool, result.stdout, result.stderr)
        out[tool] = result.stdout
    targets = {line.rsplit(": ", 1)[0] for line in out["targets"].splitlines()}
    assert "p" not in targets
    return targets, {entry["command"] for entry in json.loads(out["compdb"])}


def words(commands):
    return {w for command in commands for w in shlex.split(command)}


def test_hostile_values_in_every_context_key_cannot_inject(context, tmp_path):
    template = ninja_file.environment().get_template("build.ninja.in")
    baseline = template.render(**context)
    targets, commands = ninja_view(tmp_path, baseline)
    keys = sorted(set(leaves(context)))
    refused, unused = {}, set()
    for key in keys:
        for kind, change in HOSTILE.items():
            try:
                text = template.render(**mutated(context, key, change))
            except UserError:
                refused.setdefault(kind, set()).add(key)
                continue
            if text == baseline:
                unused.add(key)
                continue
            assert not re.search(r"^\s*(rule pwn|build p:|default p)", text, re.M), (key, kind)
            new_targets, new_commands = ninja_view(tmp_path, text)
            # Each target or command argument the key made is still one, spelled as given.
            # Nothing else appears, and nothing else goes.
            values = set(strings(context, key))
            for before, after in ((targets, new_targets),
                                  (words(commands - new_commands), words(new_commands - commands))):
                assert after - before <= {change(v) for v in values}, (key, kind, after - before)
                assert before - after <= values, (key, kind, before - after)
                assert {change(v) for v in before - after} <= after, (key, kind)
    # A newline is refused everywhere it reaches the file but the header comment.
    used = {k for k in keys if k not in refused.get("newline", set()) | unused}
    assert used == {"project"}, used
    # Awkward characters are escaped everywhere but in names, which refuse them.
    assert refused.get("awkward", set()) == NAMES & set(keys), refused.get("awkward")


def test_a_newline_in_the_project_name_stays_in_the_comment(context):
    text = ninja_file.render(**{**context, "project": "x" + INJECTION + "\0\x1b\u2028"})
    assert text.splitlines()[0].startswith("# build.ninja for x\\nrule pwn\\n  command = touch PWNED")
    assert "\\x00\\x1b\\u2028" in text.splitlines()[0]
    assert not re.search(r"^rule pwn", text, re.M)


def test_a_placeholder_without_a_filter_fails_the_render():
    env = ninja_file.environment()
    with pytest.raises(TypeError, match="without an escaping filter"):
        env.from_string("build {{ out }}: phony\n").render(out="a")
    with pytest.raises(TypeError, match="without an escaping filter"):
        env.from_string("default {{ names|join(' ') }}\n").render(names=["a", "b"])
    with pytest.raises(TypeError, match="without an escaping filter"):
        env.from_string("x = {{ n }}\n").render(n=3)
    assert env.from_string("build {{ out|path }}: phony {{ ins|paths }}\n").render(
        out="a b:c|d$", ins=["e f"]) == "build a$ b$:c${pipe}d$$: phony e$ f\n"
    assert env.from_string("default {{ names|map('name')|join(' ') }}\n").render(
        names=["html", "text-de"]) == "default html text-de\n"


ESCAPING = {"path", "paths", "value", "arg", "name", "int", "comment"}


def escaped(node):
    """Is this output expression one of the escaping filters (or a join of them)?"""
    if not isinstance(node, jinja2.nodes.Filter):
        return False
    if node.name in ESCAPING:
        return True
    inner = node.node
    return node.name == "join" and isinstance(inner, jinja2.nodes.Filter) and inner.name == "map" \
        and isinstance(inner.args[0], jinja2.nodes.Const) and inner.args[0].value in ESCAPING


def test_every_placeholder_of_the_template_has_an_escaping_filter():
    # Also in branches the render above may not take.
    env = ninja_file.environment()
    with open(ninja_file.TEMPLATE, encoding="utf-8") as f:
        tree = env.parse(f.read())
    outputs = [child for node in tree.find_all(jinja2.nodes.Output) for child in node.nodes
               if not isinstance(child, jinja2.nodes.TemplateData)]
    assert len(outputs) >= 71
    assert [o for o in outputs if not escaped(o)] == []
