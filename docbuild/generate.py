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
import textwrap

import unicodedata

import jinja2

from docbuild import __version__, attach, content, redirects, tables
from docbuild.errors import UserError, entry_point
from docbuild.kinds import ARG_NAMES, KINDS, TOC_KINDS, kind_of, option_directive, option_label
from docbuild.paths import data_dir, depfile_entry, depfile_path, load_json, spell, write_if_changed

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


def block(value, indent=0):
    """A text field as giza wrote it: split at newlines only, each line without
    trailing whitespace, indented (blank lines stay empty).  A trailing
    newline leaves a blank line, as it did under giza."""
    pad = " " * indent
    lines = (line.rstrip() for line in text_value(value).split("\n"))
    return "\n".join(pad + line if line else "" for line in lines)


def option_signature(doc):
    """What follows `.. <directive>::`, by giza's rules: for `option`, the
    name, then ` <args>`, then `, <alias>` and ` <args>` again (a list of
    aliases: each of them, docbuild's addition); other directives: the name."""
    label = option_label(doc)
    if option_directive(doc) != "option":
        return label
    args = "" if doc.get("args") is None else " " + text_value(doc["args"])
    aliases = doc.get("aliases")
    aliases = [] if aliases is None else aliases if isinstance(aliases, list) else [aliases]
    return label + args + "".join(f", {text_value(alias)}{args}" for alias in aliases)


def text_value(value):
    """A YAML scalar as text: booleans as true/false, None as nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def wrap(value, indent=0):
    """Text as giza wrapped it: one paragraph (newlines read as spaces), lines of at
    most 72 columns, the indent included, never broken inside a word."""
    pad = " " * indent
    return textwrap.fill(text(value), width=72, initial_indent=pad, subsequent_indent=pad,
                         break_on_hyphens=False, break_long_words=False)


def grid_table(rows):
    """A grid table as giza wrote it: the first row is the header, a cell's lines are its
    text split at newlines (a trailing newline leaves an empty line), each column as
    wide as its widest line."""
    cells = [[("" if c is None else c if isinstance(c, str) else text(c)).split("\n") for c in row]
             for row in rows]
    widths = [max(column_width(line) for row in cells for line in row[i])
              for i in range(len(cells[0]))]

    def rule(char):
        return "+" + "+".join(char * (width + 2) for width in widths) + "+"

    def pad(line, width):  # by columns: a wide character takes two
        return line + " " * (width - column_width(line))

    def lines(row):
        height = max(map(len, row))
        row = [cell + [""] * (height - len(cell)) for cell in row]
        return ["| " + " | ".join(pad(cell[i], width) for cell, width in zip(row, widths)) + " |"
                for i in range(height)]

    out = [rule("-"), *lines(cells[0]), rule("=")]
    for row in cells[1:]:
        out += [*lines(row), rule("-")]
    return "\n".join(out)


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
    env.filters["block"] = block
    # A field that is there (giza: a key with a value; "" counts, null does not).
    env.tests["given"] = lambda value: value is not None and not isinstance(value, jinja2.Undefined)
    env.filters["underline"] = lambda title, char: char * column_width(title)
    env.filters["heading"] = lambda title, level=3: "\n".join(heading(title, level))
    env.filters["option_label"] = option_label
    env.filters["option_directive"] = option_directive
    env.filters["option_signature"] = option_signature
    env.filters["nginx"] = redirects.nginx  # a redirect value, quoted for each server
    env.filters["apache"] = redirects.apache
    env.filters["wrap"] = wrap
    env.globals["ARG_NAMES"] = ARG_NAMES
    env.globals["grid_table"] = grid_table
    env.filters["list_item"] = tables.list_item  # a giza table cell
    return env


def prepare(kind, docs, sources=None):
    """Order and normalise a file's documents for its templates (`sources`:
    their content_check.Doc objects, for errors)."""
    if kind == "steps":
        return prepare_steps(docs, sources)
    if kind == "apiargs":
        args = [apiarg(doc) for doc in docs]
        # giza's order: by `position` when every entry has one, else as in the
        # file.  An inherited position counts (giza sorted such an entry
        # before all others: a bug, not what its live sites showed).
        if all(arg.get("position") is not None for arg in args):
            args.sort(key=lambda arg: arg["position"])
        return args
    if kind in TOC_KINDS:  # giza's defaults; an entry of another edition is left out
        return [{**doc, "level": 1 if doc.get("level") is None else doc["level"],
                 "name": doc.get("name"), "text_only": bool(doc.get("text_only"))}
                for doc in docs if not doc.get(content.EXCLUDED)]
    if kind == "glossary":
        return sorted(docs, key=lambda d: (str(d["term"]).casefold(), str(d["term"])))
    if kind == "examples":
        return example_lines(docs)
    return docs


def prepare_steps(docs, sources=None):
    """Steps numbered, ordered and titled as giza 0.5 did (docs/content.rst, content-steps).

    A step without `stepnum` is numbered one more than the step written
    before it (the first: 1); the steps are then put in number order, ties
    in file order.  A step that has the `optional` key, whatever its value,
    is titled "Optional: <title>"; so is an action.  Actions are one level
    below their step, whatever their own `level` or heading character.
    """
    numbered, previous = [], 0
    for index, doc in enumerate(docs):
        stepnum = doc.get("stepnum")
        previous = int(stepnum) if stepnum is not None else previous + 1
        numbered.append((previous, index, doc))
    out = []
    for number, index, doc in sorted(numbered, key=lambda entry: entry[0]):
        level = doc.get("level") or 3
        actions = doc.get("action")
        actions = actions if isinstance(actions, list) else [] if actions is None else [actions]
        if level == 6 and any(_step_title(a, "heading", "title") is not None for a in actions
                              if isinstance(a, dict)):
            raise UserError("a level 6 step's actions would have level 7 headings, which "
                            "reStructuredText has no character for",
                            where=sources[index].where() if sources else None,
                            hint="give the step a level from 1 to 5")
        out.append({**doc, "number": number, "level": level, "char": HEADING[level],
                    "action_char": HEADING.get(level + 1),
                    "title": _step_title(doc, "title"),
                    "actions": [{**a, "heading": _step_title(a, "heading", "title")}
                                for a in actions if isinstance(a, dict)]})
    return out


def _step_title(doc, *names):
    """The title text of a step or action (`Optional: ` first), or None."""
    for name in names:
        title = doc.get(name)
        if title is not None:
            text = text_value(title.get("text") if isinstance(title, dict) else title)
            return ("Optional: " if "optional" in doc else "") + text
    return None


def apiarg(doc):
    """An apiargs entry with the texts giza made of it: `types` (a list), `table_type`
    ("a", "a or b", "a, b,  or c"), `description` (with "Optional. " for an optional
    entry), `field` (the field list's `arg_name types name`) and `short` (whether the
    description goes on the field's line: giza's rule, under 60 characters)."""
    types = doc.get("type")
    types = [] if types is None else [text(t) for t in (types if isinstance(types, list) else [types])]
    description = doc.get("description")
    description = ("\n".join(map(text, description)) if isinstance(description, list)
                   else text(description)).strip()
    # Spaces at the ends of lines show nowhere; giza's were indented, blank or not.
    description = "\n".join(line.rstrip() for line in description.split("\n"))
    optional = doc.get("optional")
    if description.startswith("Optional."):  # giza's own marker (giza cut it to ". ...": a bug)
        optional, description = True, description[len("Optional."):].strip()
    if optional:
        description = ("Optional. " + description).strip()
    table_type = " or ".join(types) if len(types) < 3 else ", ".join(types[:-1] + [" or " + types[-1]])
    field = " ".join([str(doc["arg_name"]), *([", ".join(types)] if types else []), str(doc["name"])])
    short = len(field) + len(description) + 6 * description.count("\n") < 60
    return {**doc, "types": types, "table_type": table_type, "description": description,
            "field": field, "short": short}


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
    if kind == "redirects":  # two rule files, the table, then one page per redirect
        fields = [redirects.rule(f) for f in fields]  # checked again: the only way in
        rules = [env.get_template(t).render(docs=fields, name=name, kind=kind)
                 for t in spec.templates[:2]]
        page = env.get_template(spec.templates[2])
        texts = rules + [redirects.table(fields)] + \
            [page.render(doc=f, name=name, kind=kind) for f in fields]
    elif spec.per_doc:
        template = env.get_template(spec.templates[0])
        # A document of another edition keeps its (empty) file: the outputs
        # of a source do not depend on the edition.
        texts = ["" if f.get(content.EXCLUDED) else
                 template.render(doc=prepare_doc(kind, f), name=name, kind=kind)
                 for f in fields]
    else:
        ready = prepare(kind, fields, [doc for doc, _ in docs])
        # A toc spec file has no toctree: its one output is the last template's.
        texts = [env.get_template(t).render(docs=ready, name=name, kind=kind)
                 for t in spec.templates[len(spec.templates) - len(paths):]]
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


def render_all(args, project, env, cache, common):
    """(written, deps, next cache) of the files given: written maps each output
    to (its source, its text, or None when unchanged); deps is every file read."""
    top, srcdir = os.getcwd(), project.srcdir
    written, deps, next_cache = {}, set(common), {}
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
    return written, deps, next_cache


@entry_point
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
    cache = load_json(cache_file) if cache_file else {}
    cache = cache.get("files", {}) if cache.get("settings") == settings else {}
    common = {os.path.abspath(args.globals)} if args.globals else set()
    if args.templates:  # a template added to the override folder changes its mtime
        common.add(os.path.abspath(args.templates))
    # Render everything first: an error in any file leaves every output as it was.
    written, deps, next_cache = render_all(args, project, env, cache, common)
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
