"""The one error type users see: where, what, and what to do about it."""

import os
import sys


def _short(path):
    """A path as the user would type it from here."""
    path = str(path)
    if os.path.isabs(path):
        rel = os.path.relpath(path)
        if not rel.startswith(os.pardir):
            return rel
    return path


class UserError(Exception):
    """Bad input.  Printed as `file:line: error: message` plus a hint; exit 1.

    `where` is a file name, or a (file, line) pair; line numbers start at 1.
    """

    def __init__(self, message, where=None, hint=None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self):
        where = self.where
        if isinstance(where, tuple):
            where = ":".join(str(part) for part in (_short(where[0]), *where[1:]) if part is not None)
        elif where:
            where = _short(where)
        text = f"{where}: error: {self.message}" if where else f"error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class UserErrors(UserError):
    """Several problems found in one pass, reported together."""

    def __init__(self, errors):
        super().__init__(errors[0].message, errors[0].where, errors[0].hint)
        self.errors = errors

    def __str__(self):
        return "\n".join(str(e) for e in self.errors)


def report(exc, file=None):
    """Print a UserError (or several) for the user: one `docbuild: ` line per error."""
    for error in getattr(exc, "errors", None) or [exc]:
        print(f"docbuild: {error}", file=file or sys.stderr, flush=True)


def entry_point(main):
    """`main`, an entry point returning an exit status, with a UserError
    reported as its `file:line: error:` lines and exit status 1 (no
    traceback).  Every program of docbuild's has this one wrapper."""
    import functools

    @functools.wraps(main)
    def run(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except UserError as exc:
            report(exc)
            return 1
        except BrokenPipeError:
            # The reader went away (`... | head`): stop quietly, as cat does.
            # Python would print a traceback while flushing stdout at exit.
            import os
            import sys

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
    return run
