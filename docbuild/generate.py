"""The generator step: one structured YAML source file -> reStructuredText files.

    python -m docbuild.generate --srcdir S --root R --gen G --names N
        --depfile D --globals J [--templates T] FILE

Writes FILE's outputs under G (the generated twin of the source dir), each
atomically and only when its bytes change; deletes outputs FILE no longer
produces; writes N, the list of outputs (only when it changed: ninja's
restat), and D, the depfile: FILE, every file it inherits from, the
templates used and the global values.  Everything is checked before
anything is written, so an error leaves the previous outputs as they were.
A user can run it by hand; ninja runs it once per changed source file.
"""

import argparse
import json
import os
import sys

import unicodedata

import jinja2

from docbuild import __version__, attach, content, redirects
from docbuild.errors import UserError, report
from docbuild.kinds import ARG_NAMES, KINDS, kind_of
from docbuild.paths import data_dir, depfile_entry, depfile_path, spell, write_if_changed

BUILTIN_TEMPLATES = os.path.join(data_dir(), "templates")
HEADING = {1: "=", 2: "-", 3: "~", 4: "`", 5: "^", 6: "'"}


def column_width(text):
    """Columns `text` takes, as docutils counts them (East Asian wide: two)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def heading(title, level, default_char="~"):
    """(text, underline) for a title given as a string or {text, character}."""
    if isinstance(title, dict):
        text = str(title.get("text", ""))
        char = str(title.get("character") or HEADING.get(level, default_char))
    else:
        text, char = str(title), HEADING.get(level, default_char)
    # docutils counts East Asian wide characters as two columns.
    return text, char[:1] * max(column_width(text), 1)


def text(value):
    """A YAML scalar as the author wrote it: booleans as true/false, None as nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip("\n")


def environment(project_templates=None, cache_dir=None):
    loaders = [jinja2.FileSystemLoader(project_templates)] if project_templates else []
    loaders.append(jinja2.FileSystemLoader(BUILTIN_TEMPLATES))
    # Compiled templates are cached between processes (keyed by the source).
    cache = None
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        cache = jinja2.FileSystemBytecodeCache(cache_dir)
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True,
                             autoescape=False, bytecode_cache=cache)
    env.filters["text"] = text
    env.filters["heading"] = lambda title, level=3: "\n".join(heading(title, level))
    env.filters["option_label"] = content.option_label
    env.filters["nginx"] = redirects.nginx  # a redirect value, quoted for each server
    env.filters["apache"] = redirects.apache
    env.globals["ARG_NAMES"] = ARG_NAMES
    return env


def prepare(kind, docs):
    """Order and normalise a file's documents for its templates."""
    if kind == "steps":
        numbered = sorted(enumerate(docs), key=lambda p: (p[1].get("stepnum") or p[0] + 1, p[0]))
        out = []
        for number, (index, doc) in enumerate(numbered, 1):
            action = doc.get("action") or []
            level = doc.get("level") or 3
            title = doc.get("title")
            text = title.get("text", "") if isinstance(title, dict) else title
            prefix = f"{'Optional ' if doc.get('optional') else ''}Step {doc.get('stepnum') or number}: "
            title = {**title, "text": prefix + str(text)} if isinstance(title, dict) else prefix + str(text)
            out.append({**doc, "level": level, "heading": "\n".join(heading(title, level)),
                        "actions": action if isinstance(action, list) else [action]})
        return out
    if kind == "apiargs":
        ordered = sorted(enumerate(docs), key=lambda p: (p[1].get("position") is None,
                                                         p[1].get("position") or 0, p[0]))
        return [{**doc, "type": " or ".join(map(str, doc["type"])) if isinstance(doc.get("type"), list)
                 else doc.get("type")} for _, doc in ordered]
    if kind == "glossary":
        return sorted(docs, key=lambda d: (str(d["term"]).casefold(), str(d["term"])))
    if kind == "examples":
        return example_lines(docs)
    return docs


# giza's levels by heading character (a `level:` may be written as one).
LEVEL_OF = {c: n for n, c in HEADING.items()}


def giza_text(value, substituted):
    """A text field's lines as giza printed them: each right-stripped.  giza's
    Jinja pass (run when a document has replacements) drops one trailing newline."""
    value = text(value) if isinstance(value, bool) or value is None else str(value)
    if substituted and value.endswith("\n"):
        value = value[:-1]
    return [line.rstrip() for line in value.split("\n")]


def giza_heading(doc, default_level, level=None):
    """[text, underline] of a giza extract or release title, or None.

    `title` and `heading` are one field (the later one wins); an explicit
    `level` wins over a title's `character`; an unknown one gives the default.
    """
    key = [k for k in doc if k in ("title", "heading")][-1:]
    if not key:
        return None
    title = doc[key[0]]
    if level is None:
        level = doc.get("level")
        level = LEVEL_OF.get(level) if isinstance(level, str) else level
        if level is None and isinstance(title, dict):
            level = LEVEL_OF.get(str(title.get("character")))
    level = level or default_level
    words = text(title.get("text") if isinstance(title, dict) else title)
    if doc.get("optional"):
        words = "Optional: " + words
    return list(heading(words, level))


def giza_blocks(doc, substituted, level=None):
    """The blocks of an extract or release, as giza's render_action wrote them:
    heading, pre, code-block, content, post (each followed by a blank line)."""
    blocks = []
    title = giza_heading(doc, 2, level)
    if title:
        blocks.append(title)
    if doc.get("pre") is not None:
        blocks.append(giza_text(doc["pre"], substituted))
    code = doc.get("code")
    if code is not None:
        code = "\n".join(map(str, code)) if isinstance(code, list) else str(code)
        if substituted and code.endswith("\n"):
            code = code[:-1]
        lines = code.split("\n") if substituted else code.rstrip("\n").split("\n")
        blocks.append([f".. code-block:: {doc.get('language') or 'none'}", ""] +
                      [("   " + line).rstrip() for line in lines])
    for field in ("content", "post"):
        if doc.get(field) is not None:
            blocks.append(giza_text(doc[field], substituted))
    return blocks


# giza's example case headings, by level (rstcloth's h1 ... h6).
EXAMPLE_HEADING = {1: "=", 2: "-", 3: "~", 4: "+", 5: "^", 6: ";"}


def wrapped(value):
    """giza's wrapped text: one paragraph at 72 columns, whitespace collapsed."""
    import textwrap

    return [line.rstrip() for line in textwrap.fill(
        text(value) if isinstance(value, bool) else str(value), width=72,
        break_on_hyphens=False, break_long_words=False).split("\n")]


def code_block(language, lines):
    return [f".. code-block:: {language}", ""] + [("   " + str(line)).rstrip() for line in lines]


def example_lines(docs):
    """The lines of an examples file, as giza's full_example wrote them: an
    `Example(s)` heading, the collection's blocks, then each case."""
    collection = next((d for d in docs if "collection" in d), {})
    cases = [d for d in docs if "collection" not in d]
    options = collection.get("options") or {}
    out = []
    if options.get("show_title", True):
        out += list(heading("Example" if len(cases) == 1 else "Examples", 2)) + [""]
    for field in ("pre", "content", "documents", "post", "final"):
        value = collection.get(field)
        if value is None or field == "content" and not options.get("show_collection", True):
            continue
        out += (code_block("javascript", value) if field == "documents" else wrapped(value)) + [""]
    for index, case in enumerate(cases):
        out += example_case(case, index, len(cases))
    return [line.rstrip() for line in out]


def example_case(case, index, count):
    out = ["", ""] if index else []  # giza's newline(2): one element holding "\n"
    title = case.get("title")
    if count > 1 and title is not None:
        level = LEVEL_OF.get(str(title.get("character")), 3) if isinstance(title, dict) else 3
        words = text(title.get("text") if isinstance(title, dict) else title)
        out += [words, EXAMPLE_HEADING[level] * max(column_width(words), 1), ""]
    if case.get("pre") is not None:
        out += wrapped(case["pre"]) + [""]
    operations = case.get("operation") or []
    languages = []
    for op in operations if isinstance(operations, list) else [operations]:
        if op.get("pre") is not None:
            out += wrapped(op["pre"]) + [""]
        if op.get("content") is not None:  # as written, not wrapped
            out += str(op["content"]).split("\n") + [""]
        elif op.get("literalinclude") is not None:
            out += [f".. literalinclude:: {op['literalinclude']}"] + (
                [f"   :language: {op['language']}"] if op.get("language") else []) + [""]
        elif op.get("code") is not None:
            languages.append(op["language"])
            code = op["code"] if isinstance(op["code"], list) else str(op["code"]).split("\n")
            out += code_block(op["language"], code) + [""]
        if op.get("post") is not None:
            out += wrapped(op["post"]) + [""]
    if case.get("post") is not None:
        out += wrapped(case["post"]) + [""]
    results = case.get("results")
    if results is not None:
        lines = [part for item in (results if isinstance(results, list) else [results])
                 for part in str(item).split("\n")]
        out += code_block(languages[0] if languages else "none", lines)
    if case.get("final") is not None:
        out += [""] + wrapped(case["final"])
    return out


def prepare_doc(kind, doc):
    """One document of a per-document kind, ready for its template."""
    if kind == "extracts":
        return {**doc, "blocks": giza_blocks(doc, bool(doc.get("replacement")))}
    if kind == "release":  # giza always substituted (version, branch, stable); level 2
        return {**doc, "blocks": giza_blocks(doc, True, level=2)}
    return doc


def render(kind, name, docs, env, source=None):
    """{relative output path: text} for one source file's documents."""
    spec = KINDS[kind]
    fields = [f for _, f in docs]
    paths = content.outputs(kind, name, docs, source)  # checked: each stays in its folder
    if kind == "redirects":  # two rule files, then one page per redirect
        fields = [redirects.rule(f) for f in fields]  # checked again: the only way in
        rules = [env.get_template(t).render(docs=fields, name=name, kind=kind)
                 for t in spec.templates[:2]]
        page = env.get_template(spec.templates[2])
        texts = rules + [page.render(doc=f, name=name, kind=kind) for f in fields]
    elif spec.per_doc:
        template = env.get_template(spec.templates[0])
        # A document of another edition keeps its (empty) file: the outputs
        # of a source do not depend on the edition.
        texts = ["" if f.get(content.EXCLUDED) else
                 template.render(doc=prepare_doc(kind, f), name=name, kind=kind)
                 for f in fields]
    else:
        ready = prepare(kind, fields)
        texts = [env.get_template(t).render(docs=ready, name=name, kind=kind)
                 for t in spec.templates]
    return {path: text.rstrip("\n") + "\n" for path, text in zip(paths, texts)}


def generate(path, project, env, kind=None):
    """{relpath: text} for one source file; writes nothing."""
    kind, name = (kind, "") if kind else kind_of(os.path.basename(path)) or (None, None)
    docs = project.documents(path, kind)
    try:
        return render(kind, name, docs, env, path)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or "template"
        raise UserError(f"template error while rendering {os.path.relpath(path)}: {exc}",
                        where=(where, getattr(exc, "lineno", None))) from None


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m docbuild.generate",
                                description="Generate reStructuredText from structured YAML files.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--srcdir", required=True, help="the Sphinx source dir")
    p.add_argument("--root", help="the project root (inherit may not leave it); default: srcdir/..")
    p.add_argument("--gen", help="the generated twin of the source dir (or give --out)")
    p.add_argument("--names", help="write the list of outputs here")
    p.add_argument("--depfile", help="write a depfile for ninja here (needs --names)")
    p.add_argument("--globals", help="JSON file of global replacements and build values")
    p.add_argument("--templates", help="a folder whose templates override the built-in ones")
    p.add_argument("--kind", choices=["redirects"],
                   help="the kind, for a file not named <kind>-<name>.yaml (redirects)")
    p.add_argument("--attach-list", help="write the pages the extracts files name in "
                   "append/prepend here (docbuild.attach)")
    p.add_argument("--out", help="write the outputs here instead of the generated twin of FILE's folder")
    return p.parse_args(argv)


def read_names(path):
    """{output: source} from a names file (lines `source<TAB>output`)."""
    try:
        with open(path, encoding="utf-8") as f:
            # "\n" only: splitlines() would also split at U+2028 and the like.
            return {out: src for src, out in (line.split("\t", 1) for line in f.read().split("\n") if line)}
    except FileNotFoundError:
        return {}


def template_files(kind, project_templates):
    names = KINDS[kind].templates
    found = {os.path.join(BUILTIN_TEMPLATES, t) for t in names}
    if project_templates:
        found |= {os.path.join(project_templates, t) for t in names
                  if os.path.isfile(os.path.join(project_templates, t))}
    return found


def stats(paths):
    out = {}
    for path in paths:
        try:
            st = os.stat(path)
            out[path] = [st.st_mtime_ns, st.st_size]
        except OSError:
            out[path] = None
    return out


def load_cache(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    top = os.getcwd()
    srcdir = os.path.abspath(args.srcdir)
    values = {}
    if args.globals:
        with open(args.globals, encoding="utf-8") as f:
            values = json.load(f)
    project = content.Project(srcdir, args.root or os.path.dirname(srcdir), values)
    cache_dir = os.path.join(os.path.dirname(os.path.abspath(args.names)), "jinja") if args.names else None
    env = environment(args.templates, cache_dir)
    # A group is rerun when any of its files changed; per source, this cache
    # (the stat of everything it read, and its outputs) skips the others.
    cache_file = args.names + ".cache.json" if args.names else None
    settings = [__version__, content.CHECKS, srcdir, args.root, args.gen, args.out, args.kind,
                args.templates, args.globals]
    cache = load_cache(cache_file) if cache_file else {}
    cache = cache.get("files", {}) if cache.get("settings") == settings else {}
    next_cache = {}
    common = {os.path.abspath(args.globals)} if args.globals else set()
    if args.templates:  # a template added to the override folder changes its mtime
        common.add(os.path.abspath(args.templates))
    # Render everything first: an error in any file leaves every output as it was.
    written, deps = {}, set(common)
    try:
        for name in args.files:
            source = os.path.abspath(name)
            if not os.path.exists(source):
                # Removed since configure ran: its outputs go below, and the
                # changed names file makes ninja run configure again.
                print(f"docbuild: note: {name} no longer exists; removing what it generated",
                      file=sys.stderr)
                continue
            spelled = spell(source, top)
            entry = cache.get(spelled)
            if entry and "attach" in entry and stats(entry["read"]) == entry["read"] and \
                    all(os.path.exists(o) for o in entry["outputs"]):
                for out in entry["outputs"]:
                    written[out] = (spelled, None)  # unchanged: nothing to write
                deps.update(entry["read"])
                next_cache[spelled] = entry
                continue
            outputs = generate(source, project, env, args.kind)
            if args.out:
                folder = os.path.abspath(args.out)
            else:
                folder = os.path.join(os.path.abspath(args.gen or "gen"),
                                      os.path.relpath(os.path.dirname(source), srcdir))
            for rel, text in outputs.items():
                written[spell(os.path.join(folder, rel), top)] = (spelled, text)
            kind = args.kind or kind_of(os.path.basename(source))[0]
            read = {source} | content.inherited(project, source) | \
                template_files(kind, args.templates) | common
            deps.update(read)
            found = attach.entries(project, source, os.path.relpath(os.path.dirname(source), srcdir)) \
                if kind == "extracts" else []
            next_cache[spelled] = {"read": stats(sorted(read)), "attach": found,
                                   "outputs": sorted(spell(os.path.join(folder, rel), top)
                                                     for rel in outputs)}
    except UserError as exc:
        report(exc)
        return 1
    for path, (_, text) in written.items():
        if text is not None:
            write_if_changed(path, text)
    # Outputs these files made before and make no more (a removed `ref`).
    # Outputs of files no longer given here are configure's to remove.
    sources = {src for src, _ in written.values()} | {spell(os.path.abspath(f), top) for f in args.files}
    # Only below the folder outputs go to: a names file written before the
    # outputs were checked may name a file elsewhere, even in the source tree.
    own = os.path.abspath(args.out or args.gen or "gen") + os.sep
    for stale, src in read_names(args.names).items() if args.names else ():
        if src in sources and stale not in written and os.path.abspath(stale).startswith(own):
            try:
                os.unlink(stale)
            except FileNotFoundError:
                pass
    if args.attach_list:
        write_if_changed(args.attach_list, attach.trigger_text(
            [e for entry in next_cache.values() for e in entry["attach"]]))
    if args.names:
        if args.depfile:
            aliases = os.path.join(os.path.dirname(os.path.abspath(args.depfile)), "aliases")
            write_if_changed(args.depfile, depfile_path(spell(args.names, top)) + ": " + " \\\n  ".join(
                depfile_entry(d, top, aliases) for d in sorted(deps)) + "\n")
        write_if_changed(args.names, "".join(f"{src}\t{out}\n" for out, (src, _) in sorted(written.items())))
        write_if_changed(cache_file, json.dumps({"settings": settings, "files": next_cache},
                                                sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
