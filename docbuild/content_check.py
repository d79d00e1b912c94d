"""Structured content, one file at a time: each YAML document read and its
fields checked against its kind (docbuild/kinds.py), before inheritance.

A document that fails keeps its file's other documents checked
(read_file); content.py then resolves inheritance and replacements.
"""

import os
import re

from docbuild import yamlfile
from docbuild.errors import UserError, UserErrors
from docbuild.kinds import KINDS, NAMED_BY, TYPES, ACTION_FIELDS, COMMON, TOC_KINDS, kind_of
from docbuild.paths import component

# A directive or role name as docutils reads it (`option`, `std:option`).
DIRECTIVE = re.compile(r"^[A-Za-z0-9]+(?:[-_+:.][A-Za-z0-9]+)*$")


# giza's heading characters and the level each stands for.
LEVEL_OF = {"=": 1, "-": 2, "~": 3, "`": 4, "^": 5, "'": 6}


class Doc:
    """One YAML document of a source file, as written."""

    def __init__(self, path, kind, data, lines):
        self.path, self.kind, self.data, self.lines = path, kind, data, lines
        self.ok = True  # false when the document failed its checks (read_file)

    def where(self, field=None):
        return (self.path, self.lines.of(field) if field else self.lines.line)

    def error(self, message, field=None, hint=None):
        label = f"field `{field}`: " if field else ""
        return UserError(label + message, where=self.where(field), hint=hint)


def _type_ok(value, spec):
    names = spec if isinstance(spec, tuple) else (spec,)
    return any(isinstance(value, TYPES[n]) and not (n != "bool" and isinstance(value, bool))
               for n in names) or (isinstance(value, bool) and "bool" in names)


def _type_name(spec):
    names = spec if isinstance(spec, tuple) else (spec,)
    words = {"str": "a string", "int": "a whole number", "bool": "true or false",
             "list": "a list", "map": "a mapping", "num": "a number"}
    return " or ".join(words[n] for n in names)


def check_fields(doc, data, fields, lines, prefix=""):
    for field, value in data.items():
        spec = fields.get(field)
        if spec is None:
            where = (doc.path, lines.of(field))
            import difflib  # only when there is an error to explain

            close = difflib.get_close_matches(str(field), list(fields), n=1)
            hint = f"did you mean `{prefix}{close[0]}`?" if close else \
                "known fields: " + ", ".join(sorted(fields))
            raise UserError(f"unknown field `{prefix}{field}` in a document of kind {doc.kind}",
                            where=where, hint=hint)
        if value is not None and not _type_ok(value, spec):
            raise UserError(f"field `{prefix}{field}` must be {_type_name(spec)}, "
                            f"not {type(value).__name__}", where=(doc.path, lines.of(field)))


def check_doc(doc):
    if doc.kind == "table":
        return  # a table is checked as a whole: docbuild.tables
    kind = KINDS[doc.kind]
    check_fields(doc, doc.data, {**COMMON, **kind.fields}, doc.lines)
    for field in ("inherit", "source"):
        ref = doc.data.get(field)
        if ref is not None and "file" not in ref:
            raise doc.error("needs `file:` (the YAML file to inherit from)", field)
    if "inherit" in doc.data and "source" in doc.data:
        raise doc.error("use either `inherit:` or `source:`, not both", "source")
    for name, value in (doc.data.get("replacement") or {}).items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise doc.error(f"replacement `{name}` must be a string", "replacement")
    if doc.kind == "redirects":
        check_redirect(doc)
    if doc.kind in TOC_KINDS:
        check_toc_file(doc)
    if doc.kind == "examples":
        check_example(doc)
    if doc.kind == "steps":
        for action, sub in checked_items(doc, "action", ACTION_FIELDS):
            if action.get("code") is not None and not action.get("language"):
                raise UserError("an action with `code` needs `language`", where=(doc.path, sub.of("code")),
                                hint="a Pygments lexer name such as `sh` or `javascript`, "
                                     "or `none` for plain text (giza required it too)")
        level = doc.data.get("level")
        if level is not None and not (isinstance(level, str) and level in LEVEL_OF) and \
                not (isinstance(level, (int, float)) and 1 <= int(level) <= 6):
            raise doc.error(f"{level!r} is not a heading level", "level",
                            hint="1 to 6, or a heading character: = - ~ ` ^ '")


def checked_items(doc, field, fields):
    """(item, its Lines) of a field that holds one mapping or a list of them
    (a step's `action`, an example's `operation`), each checked against `fields`."""
    value = doc.data.get(field)
    items = value if isinstance(value, list) else [value] if value else []
    lines = doc.lines.child(field)
    out = []
    for i, item in enumerate(items):
        sub = lines.child(i) if isinstance(value, list) else lines
        if not isinstance(item, dict):
            raise UserError(f"each `{field}` must be a mapping", where=(doc.path, sub.line))
        check_fields(doc, item, fields, sub, prefix=f"{field}.")
        out.append((item, sub))
    return out


def check_example(doc):
    """An example's `options` and each of its operations, field by field."""
    from docbuild.kinds import EXAMPLE_OPERATION, EXAMPLE_OPTIONS

    check_fields(doc, doc.data.get("options") or {}, EXAMPLE_OPTIONS, doc.lines.child("options"),
                 prefix="options.")
    for operation, sub in checked_items(doc, "operation", EXAMPLE_OPERATION):
        if operation.get("code") is not None and not operation.get("language"):
            raise UserError("an operation with `code` needs `language`", where=(doc.path, sub.line))


def check_redirect(doc):
    """Redirect rules end up in web server configuration: docbuild.redirects has the
    grammar of `from` and `to`.  Every bad field of the document is reported."""
    from docbuild import redirects
    from docbuild.kinds import REDIRECT_CODES

    errors = []
    for field, check in (("from", redirects.source), ("to", redirects.target)):
        value = doc.data.get(field)
        if not isinstance(value, str):
            continue
        try:
            check(value, bool(doc.data.get("external"))) if field == "to" else check(value)
        except redirects.BadRedirect as exc:
            errors.append(doc.error(exc.message, field, hint=exc.hint))
    code = doc.data.get("code")
    if code is not None and code not in REDIRECT_CODES:
        errors.append(doc.error(f"{code} is not a redirect status", "code",
                                hint="use one of " + ", ".join(map(str, REDIRECT_CODES))))
    if errors:
        raise errors[0] if len(errors) == 1 else UserErrors(errors)


def check_toc_file(doc):
    """A toc entry's `file` is a document's path as giza took it: `/` first, no suffix."""
    value = doc.data.get("file")
    if isinstance(value, str) and (not value.startswith("/") or value.endswith((".rst", ".txt"))
                                   or not value.isprintable()):
        raise doc.error(f"{value!r} is not a document path", "file",
                        hint="write the document's path from the source folder, with its "
                             "leading / and without .rst: file: /tutorial/install")


def check_toc_entry(doc, fields, spec):
    """What giza needed of a toc entry after inheritance (it stopped without it)."""
    if "file" in fields:
        pass
    elif "ref" not in fields:
        raise doc.error("a toc entry needs `file:` (the document it links to)")
    elif not spec:
        raise doc.error("needs `file:`: every entry of this file is in its toctree",
                        hint="an entry with only a `ref:` belongs in a file whose entries use "
                             "`source:` (toc-spec-<name>.yaml)")
    elif doc.kind == "toc" and not fields.get("text_only"):
        raise doc.error("needs `file:` (or `text_only: true`, for a paragraph without a link)")
    elif doc.kind != "toc" and fields.get("name") is None:
        raise doc.error("needs `file:` or `name:` (the first column of the table)")
    if fields.get("description") is None and (doc.kind != "toc" or fields.get("text_only")):
        raise doc.error("needs `description:`" + (
            " (the text of a text_only entry)" if doc.kind == "toc" else
            " (the second column of the table)"))


def check_names(kind, doc, fields):
    for field in NAMED_BY.get(kind, ()):
        value = fields.get(field)
        if value is not None:
            component(str(value), where=doc.where(field), what=f"field `{field}`:")
    directive = fields.get("directive")
    if kind == "options" and directive is not None and not DIRECTIVE.match(str(directive)):
        raise doc.error(f"{directive!r} is not a directive name", "directive",
                        hint="letters and digits, single - _ + : or . between them "
                             "(for example: option, setting, std:option)")


def read_file(path, kind=None):
    """([Doc], [UserError]): every document of a source file, and the problems of each.

    A document that fails its checks is marked (`doc.ok` false) but kept, so
    that the file's other documents are still checked, and still found by
    documents that inherit from them.  A file that cannot be read at all
    (unknown kind, YAML syntax) raises.
    """
    found = (kind, "") if kind else kind_of(os.path.basename(path))
    if not found:
        prefix = os.path.basename(path).split("-", 1)[0]
        import difflib

        close = difflib.get_close_matches(prefix, [k for k in KINDS if k != "redirects"], n=1)
        raise UserError(f"unknown kind {prefix!r} of structured source", where=path,
                        hint=(f"did you mean {close[0]!r}? " if close else "")
                        + "name it <kind>-<name>.yaml with a kind from: "
                        + ", ".join(k for k in KINDS if k != "redirects"))
    kind = found[0]
    docs, errors = [], []
    for data, lines in yamlfile.load_documents(path):
        doc = Doc(path, kind, data, lines)
        try:
            if not isinstance(data, dict):
                raise UserError(f"a document of kind {kind} must be a mapping of fields",
                                where=doc.where())
            check_doc(doc)
        except UserError as exc:  # every bad document of the file, not only the first
            doc.ok = False
            add_errors(errors, exc)
        if isinstance(data, dict):
            docs.append(doc)
    return docs, errors


def load_file(path, kind=None):
    """[Doc] for every non-empty document of a source file, checked."""
    docs, errors = read_file(path, kind)
    if errors:
        raise combined(errors)
    return docs


def add_errors(errors, exc):
    """Append the errors `exc` holds to `errors`, each once (a file's errors
    reach several documents that inherit from it, and are reported once)."""
    for error in getattr(exc, "errors", None) or [exc]:
        if not any(error is e for e in errors):
            errors.append(error)


def combined(errors):
    return errors[0] if len(errors) == 1 else UserErrors(errors)
