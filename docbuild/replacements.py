"""{{name}} replacements in structured content: a document's own, then the
globals (docbuild.yaml's `replacements`, the edition's, the build's values).

Bounded: a loop, nesting deeper than MAX_DEPTH and growth beyond MAX_GROWTH
are errors of the field, never a hang.
"""

import os
import re
import sys

from docbuild.kinds import TOC_KINDS, option_directive, option_label


PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}")
# A replacement may use others, this many deep; deeper is taken for a loop.
MAX_DEPTH = 50
# Characters replacements may add to one field (a guard against doubling
# replacements that nest: a: "{{b}}{{b}}", b: "{{c}}{{c}}", ...).
MAX_GROWTH = 10_000_000
NOT_SUBSTITUTED = {"inherit", "source", "replacement", "ref", "file", "program", "name", "edition"}


def option_values(fields):
    """giza's `{{program}}` and `{{role}}` of an option: roles, from its own program and name."""
    return {"program": f":program:`{fields.get('program', '')}`",
            "role": f":{option_directive(fields)}:`{option_label(fields)}`"}


def substitute_all(doc, fields, globals_):
    """Replace {{name}} in every text field (document, then global, then build values).

    Steps and options follow giza, which ran a field through Jinja when the
    document's replacement map was not empty (an option's always is: it
    has `program` and `role`): then a name without a value is replaced by
    nothing, and the field loses one trailing newline.
    """
    values = dict(globals_)
    if doc.kind == "options":
        values.update(option_values(fields))
    own = {str(k): str(v) for k, v in (fields.get("replacement") or {}).items()}
    values.update(own)
    giza = doc.kind == "options" or (doc.kind == "steps" and bool(own))
    if doc.kind == "release":  # giza laid the build's values over the document's own
        values.update({k: str(globals_[k]) for k in ("version", "branch", "stable") if k in globals_})
    fill = _Fill(doc, values, giza)
    # A toc entry's `name` is the text of its link (giza substituted it in the
    # definition list and the table, not in the toctree: a bug).
    kept = NOT_SUBSTITUTED - {"name"} if doc.kind in TOC_KINDS else NOT_SUBSTITUTED
    out = {}
    for k, v in fields.items():
        if k in kept:
            out[k] = v
        elif doc.kind == "steps" and k == "action":
            out[k] = _substitute_actions(doc, v, values, own)
        else:
            out[k] = _substitute(fill, k, v)
    return out


def unknown_placeholders(doc, fields, error):
    """Warn (print `file:line: WARNING:`), or with `error` raise, for each
    {{name}} left after replacement: no value has that name (a typo, or a
    replacement not declared for this edition)."""
    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, (list, dict)):
            for v in (value.values() if isinstance(value, dict) else value):
                yield from strings(v)

    for field, value in fields.items():
        if field in NOT_SUBSTITUTED:
            continue
        names = sorted({m.group(1) for text in strings(value) for m in PLACEHOLDER.finditer(text)})
        if not names:
            continue
        shown = ", ".join("{{%s}}" % n for n in names)
        if error:
            raise doc.error(f"unknown replacement {shown}", field,
                            hint="define it in the document's `replacement:`, in `replacements` of "
                                 "docbuild.yaml, or in the edition's `replacements`")
        path, line = doc.where(field)
        print(f"{os.path.relpath(path)}:{line}: WARNING: field `{field}`: unknown replacement {shown}, "
              "left as written", file=sys.stderr, flush=True)


def _substitute_actions(doc, actions, values, step_map):
    """A step's actions: each with its own `replacement` under the step's (as giza)."""
    items = actions if isinstance(actions, list) else [actions]
    out = []
    for action in items:
        if not isinstance(action, dict):
            out.append(action)
            continue
        own = {str(k): str(v) for k, v in (action.get("replacement") or {}).items()}
        merged = {**own, **step_map}
        fill = _Fill(doc, {**values, **merged}, bool(merged))
        out.append({k: v if k == "replacement" else _substitute(fill, f"action.{k}", v)
                    for k, v in action.items()})
    return out if isinstance(actions, list) else out[0]


class _Fill:
    """What filling in one document's fields needs: the document (for errors),
    the values by name, each replacement's text once filled in (`done`,
    shared by the fields), and whether names without a value go (giza's Jinja)."""

    __slots__ = ("doc", "values", "done", "giza")

    def __init__(self, doc, values, giza):
        self.doc, self.values, self.done, self.giza = doc, values, {}, giza


def _substitute(fill, field, value):
    if isinstance(value, str):
        if fill.giza and "{{" in value and value.endswith("\n"):
            value = value[:-1]  # Jinja drops a template's trailing newline
        return _fill(fill, field, value, ())
    if isinstance(value, list):
        return [_substitute(fill, field, v) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(fill, field, v) for k, v in value.items()}
    return value


def _fill(fill, field, text, using):
    """`text` with each known {{name}} replaced by its value, itself filled in first.

    `using` is the chain of replacements being filled in: a name already in
    it is a loop.  The work is bounded by the nesting (MAX_DEPTH) and the
    size added (MAX_GROWTH), never by the size of the text itself.
    """
    doc, values, done = fill.doc, fill.values, fill.done
    parts, end, added = [], 0, 0
    for match in PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name not in values:
            if fill.giza:  # giza's Jinja: an undefined name is nothing
                parts += [text[end:match.start()]]
                end = match.end()
            continue  # not a replacement: left as written
        if name in using:
            raise doc.error("replacement loop: " + " -> ".join(
                "{{%s}}" % n for n in (*using, name)), field,
                hint="a replacement must not (indirectly) contain itself")
        if len(using) >= MAX_DEPTH:
            raise doc.error(f"replacements nest more than {MAX_DEPTH} deep: {{{{{using[0]}}}}} -> "
                            f"... -> {{{{{name}}}}}", field, hint="use fewer levels of replacements")
        if name not in done:
            done[name] = _fill(fill, field, values[name], (*using, name))
        added += len(done[name])
        if added > MAX_GROWTH:
            raise doc.error(f"replacements make this field grow by more than {MAX_GROWTH:,} "
                            "characters", field,
                            hint="a replacement that uses others several times grows "
                                 "exponentially: use fewer levels")
        parts += [text[end:match.start()], done[name]]
        end = match.end()
    return "".join(parts) + text[end:] if parts else text
