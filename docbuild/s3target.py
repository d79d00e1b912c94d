"""The values of an `s3:` publish destination: one checker, run at configure.

    publish:
      live: {s3: "s3://docs-bucket/manual/", endpoint: "https://s3.example.com",
             region: us-east-1, cache_control: {"_static/*": "max-age=31536000"}}

Each value reaches the S3 API as part of a request (the bucket and the key
prefix in every URL, the endpoint as the host the client connects to, a
cache_control value as an HTTP header), so each passes the check for its kind
here, and configure reports a bad one with docbuild.yaml's file and line.
Credentials never come from docbuild.yaml: the client library reads the
standard AWS configuration (environment variables, ~/.aws/config and
~/.aws/credentials, AWS_PROFILE), which also gives the endpoint and the region
when the destination does not.

  bucket        3-63 lower-case letters, digits, `.` and `-`, starting and
                ending with a letter or digit; no `..`, not an IP address
                (the rules of S3, which most S3 API services share)
  prefix        `/`-separated parts, none empty, `.` or `..`; printable, no
                backslash; at most 512 bytes; written ending with `/`
  endpoint      http:// or https:// with a host, an optional port and path;
                no user@, query or fragment
  region        lower-case letters, digits and `-`
  cache_control {fnmatch pattern of a path in the stage: header value};
                printable ASCII values (no line breaks: a header is one line)
"""

import re
import urllib.parse

from docbuild.errors import UserError, UserErrors

KEYS = ("s3", "endpoint", "region", "cache_control")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
IP = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$")
REGION = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
CREDENTIALS_HINT = ("credentials come from the standard AWS configuration (AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and ~/.aws/credentials), never from "
                    "docbuild.yaml")


class BadValue(ValueError):
    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message, self.hint = message, hint


def _printable(value, what):
    if not isinstance(value, str) or not value:
        raise BadValue(f"{what} must be a non-empty string")
    for ch in value:
        if ch.isspace() and ch != " " or not ch.isprintable():
            raise BadValue(f"{what} {value!r} holds a control character or line break ({ascii(ch)})")
    return value


def location(value):
    """(bucket, prefix) of s3://BUCKET/PREFIX/; the prefix is '' or ends with /."""
    _printable(value, "the `s3` value")
    if not value.startswith("s3://"):
        raise BadValue(f"{value!r} is not an s3:// address", hint='write s3://BUCKET/ or s3://BUCKET/PREFIX/')
    bucket, _, prefix = value[len("s3://"):].partition("/")
    if not BUCKET.match(bucket) or ".." in bucket:
        raise BadValue(f"{bucket!r} is not a bucket name",
                       hint="3 to 63 lower-case letters, digits, . and -, starting and ending with a "
                            "letter or digit")
    if IP.match(bucket):
        raise BadValue(f"{bucket!r} is an IP address, not a bucket name")
    if " " in prefix or "\\" in prefix:
        raise BadValue(f"the prefix {prefix!r} holds a space or a backslash",
                       hint="use letters, digits and - _ . / in a prefix")
    parts = prefix.split("/")
    if parts[-1] == "":
        parts.pop()
    for part in parts:
        if part in ("", ".", ".."):
            raise BadValue(f"the prefix {prefix!r} has " + (f"a {part!r} part" if part else "an empty part"),
                           hint="no //, /./ or /../ in a prefix; write it like s3://bucket/manual/2.1/")
    prefix = "".join(part + "/" for part in parts)
    if len(prefix.encode("utf-8")) > 512:
        raise BadValue("the prefix is longer than 512 bytes: object keys would not fit in 1024")
    return bucket, prefix


def endpoint(value):
    _printable(value, "`endpoint`")
    split = urllib.parse.urlsplit(value)
    if split.scheme not in ("http", "https") or not split.hostname or " " in value:
        raise BadValue(f"`endpoint` {value!r} must be an http:// or https:// address with a host",
                       hint="for example https://s3.eu-central-1.amazonaws.com or http://127.0.0.1:8333")
    if "@" in split.netloc:  # not echoed: what stands before @ may be a secret
        raise BadValue("`endpoint` must not hold user@ or user:password@", hint=CREDENTIALS_HINT)
    if split.query or split.fragment or "?" in value or "#" in value:
        raise BadValue(f"`endpoint` {value!r} must not hold ? or #",
                       hint="give the address of the S3 service only, such as https://s3.example.com")
    try:
        split.port
    except ValueError:
        raise BadValue(f"`endpoint` {value!r} has a bad port") from None
    return value


def region(value):
    if not isinstance(value, str) or not REGION.match(value):
        raise BadValue(f"`region` {value!r} is not a region name", hint="for example us-east-1 or auto")
    return value


def cache_control(value):
    """[[pattern, header value]] in the order written: the first match wins."""
    if not isinstance(value, dict) or not value:
        raise BadValue("`cache_control` must map path patterns to Cache-Control values",
                       hint='for example cache_control: {"_static/*": "public, max-age=31536000", '
                            '"*.html": "no-cache"}')
    rules = []
    for pattern, header in value.items():
        _printable(pattern, "a `cache_control` pattern")
        if not isinstance(header, str) or not header or len(header) > 1024 or \
                not all(" " <= ch <= "~" for ch in header):
            raise BadValue(f"the Cache-Control value for {pattern!r} must be one line of printable "
                           f"ASCII (got {header!r})", hint='for example "public, max-age=3600"')
        rules.append([pattern, header])
    return rules


def destination(name, dest, path, lines):
    """The checked destination, for the publish plan; every bad value is an error at its line."""
    errors = []
    for key in dest:
        if key not in KEYS:
            errors.append(UserError(f"destination {name!r}: unknown key {key!r} for an s3 destination",
                                    where=(path, lines.of(key)),
                                    hint="known: " + ", ".join(KEYS) + "; " + CREDENTIALS_HINT))
    out = {"s3": None}
    for key, check in (("s3", location), ("endpoint", endpoint), ("region", region),
                       ("cache_control", cache_control)):
        if key not in dest:
            continue
        try:
            out[key] = check(dest[key])
        except BadValue as exc:
            errors.append(UserError(f"destination {name!r}: {exc.message}",
                                    where=(path, lines.of(key)), hint=exc.hint))
    if errors:
        raise UserErrors(errors) if len(errors) > 1 else errors[0]
    out["bucket"], out["prefix"] = out["s3"]
    out["s3"] = f"s3://{out['bucket']}/{out['prefix']}"
    return out
