"""Redirect rules: the grammar of `from` and `to`, and their quoting per server.

A redirect's values end up in nginx.conf, in .htaccess, in an HTML page and
in that page's file name.  They reach those only through this module:
`source` and `target` check a value against the grammar (content_check.py calls
them on load, with the YAML file and line), `rule` is what the templates
get, `page` is the page's file name, and the filters `nginx` and `apache`
quote a value for that server's syntax, so even a checked value is
written quoted.

  internal path   /-rooted; no empty, `.` or `..` part; a `from` holds no ? or #
  external URL    http:// or https:// with a host and no user@ part, or
                  //host/... (protocol-relative), written as https://host/...
  both            printable characters that a URL may hold: no white space,
                  control characters, quotes, ; { } \\ $ < > | ^ or backtick
"""

import urllib.parse

# What no value may hold: what RFC 3986 leaves out of URLs (quotes, braces,
# backslash, < > | ^ `), and ; ' $, which servers read as syntax (nginx
# ends a directive at ; and expands $variables even inside quotes).
FORBIDDEN = set("\"'`;{}\\$<>|^")
HINT = "percent-encode other characters (a space is %20, $ is %24); see the Redirects section of the manual"
SCHEMES = ("http", "https")


class BadRedirect(ValueError):
    """A value outside the grammar: the message, and what to do."""

    def __init__(self, message, hint=HINT):
        super().__init__(message)
        self.message, self.hint = message, hint


def _characters(value):
    for ch in value:
        if ch.isspace() or not ch.isprintable() or ch in FORBIDDEN:
            what = "white space" if ch.isspace() else \
                "a control character" if not ch.isprintable() else f"`{ch}`"
            raise BadRedirect(f"{value!r} holds {what} ({ascii(ch)}), which a redirect cannot hold")
    return value


def internal(value):
    """A path on this site: `/`-rooted, with no empty, `.` or `..` part."""
    _characters(value)
    if value.startswith("//"):
        raise BadRedirect(f"{value!r} is an address on another site (//host), not a path",
                          hint="write a path that starts with a single /")
    if not value.startswith("/"):
        raise BadRedirect(f"{value!r} must be a path starting with /", hint=f"write /{value}")
    path = urllib.parse.urlsplit(value).path
    parts = path[1:].split("/")
    for i, part in enumerate(parts):
        if part in (".", "..") or (not part and i < len(parts) - 1):
            raise BadRedirect(f"{value!r} has a {part or 'empty'!r} part: write the path plainly",
                              hint="no //, /./ or /../ in a redirect path")
        if len(part.encode("utf-8")) > 255:
            raise BadRedirect(f"{value!r} has a part longer than 255 bytes, too long for a file name")
    return value


def source(value):
    """A `from`: the internal path that is redirected (it names a page file)."""
    internal(value)
    if "?" in value or "#" in value:
        raise BadRedirect(f"{value!r} holds ? or #: a redirect matches a path, not a query "
                          "or a fragment", hint="remove the ?... or #... part")
    return value


def target(value, external=False):
    """A `to`: an internal path, or (with `external: true`) an http(s) URL.

    A protocol-relative //host/path is external, and becomes https://host/path:
    servers take a value that starts with / as a path on this site.
    """
    _characters(value)
    split = urllib.parse.urlsplit(value)
    if not split.scheme and not value.startswith("//"):
        if external:
            raise BadRedirect(f"{value!r} is a path, but `external: true` needs an http:// or "
                              "https:// address", hint="remove `external: true`, or give a full address")
        return internal(value)
    if split.scheme and split.scheme not in SCHEMES:
        raise BadRedirect(f"{value!r}: a redirect can go to http:// or https:// only, "
                          f"not {split.scheme}:", hint=None)
    try:
        split.port  # a port that is not a number is a ValueError
    except ValueError:
        raise BadRedirect(f"{value!r} has a bad port") from None
    if not split.hostname or "@" in split.netloc:
        raise BadRedirect(f"{value!r} must name a host (and no user@)", hint="write https://host/path")
    if not external:
        raise BadRedirect(f"{value!r} is an address on another site",
                          hint="add `external: true` to this redirect if that is what you mean")
    return value if split.scheme else "https:" + value


def page(value):
    """The file (relative to the redirects folder) of the page left at a `from`."""
    path = source(value).strip("/")
    if not path or value.endswith("/") or "." not in path.rsplit("/", 1)[-1]:
        path = (path + "/index.html").lstrip("/")
    return "pages/" + path


def rule(fields):
    """A redirect document's fields with `from` and `to` checked, as the templates get them."""
    return {**fields, "from": source(fields["from"]),
            "to": target(fields["to"], bool(fields.get("external")))}


def nginx(value):
    """A double-quoted nginx string.  `$` cannot be quoted there (variables)."""
    if "$" in value or not value.isprintable():
        raise BadRedirect(f"{value!r} cannot be written in nginx.conf")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def apache(value):
    """A double-quoted Apache argument.  `${` cannot be quoted there (defines)."""
    if "${" in value or not value.isprintable() or value.endswith("\\"):
        raise BadRedirect(f"{value!r} cannot be written in .htaccess")
    return '"' + value.replace('"', '\\"') + '"'


def table(rules):
    """redirects.json: {the page's path in the stage: its target}, for publishing
    to object storage, where each page becomes an object with a redirect header."""
    import json

    return json.dumps({page(r["from"])[len("pages/"):]: r["to"] for r in rules}, indent=1,
                      sort_keys=True)
