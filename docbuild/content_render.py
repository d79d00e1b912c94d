"""Structured content's documents made ready for their templates, kind by
kind (giza's layouts: steps, apiargs, examples, extracts, release, tocs), and
the text filters the templates use (headings, blocks, grid tables).

docbuild/generate.py renders the templates (templates/<kind>.rst) with these;
nothing here reads or writes a file.
"""

import textwrap
import unicodedata

from docbuild import content
from docbuild.errors import UserError
from docbuild.kinds import TOC_KINDS, option_directive, option_label


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
