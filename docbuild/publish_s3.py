"""Publish the stage to object storage through the S3 API (an `s3:` destination).

Called by `python -m docbuild publish` (docbuild/publish.py) for a destination
such as {s3: "s3://docs-bucket/manual/", endpoint: ..., region: ...}, whose
values docbuild/s3target.py checked at configure.  boto3 is imported here only:
it is the optional extra docbuild[s3].

Only what changed is sent.  docbuild keeps a manifest object under the prefix,
.docbuild-manifest.json, with each object it put there: the SHA-256 of the
staged file and the headers it was sent with.  A publish lists the prefix,
reads the manifest and then:

  1. records in the manifest the keys it is about to send (as unknown), so
     that an interrupted publish leaves no object that is not docbuild's;
  2. uploads new and changed files: assets first, then the search index,
     then the HTML pages, then the redirects, so that a reader never gets a
     page whose assets are missing;
  3. deletes the objects of docbuild's manifest that no staged file
     produces any more (never another object under the prefix, nor anything
     outside it);
  4. writes the manifest.

A publish that is killed, or fails on a network error or a server error
after the client's retries, has deleted nothing: the previous pages are
served, next to the new or changed files it sent.  The next publish sends
what is still missing and finishes the job.
"""

import fcntl
import fnmatch
import json
import mimetypes
import os
import sys

from docbuild.errors import UserError
from docbuild.paths import file_sha256
from docbuild.stage import tree_files
from docbuild.s3target import CREDENTIALS_HINT

MANIFEST = ".docbuild-manifest.json"
HASH_META = "docbuild-sha256"  # x-amz-meta-docbuild-sha256 on every object docbuild sends
UTF8 = "; charset=utf-8"
# By the file name's last suffix, the same on every machine (mimetypes alone
# reads /etc/mime.types).  .gz is a download: never a Content-Encoding.
TYPES = {
    "html": "text/html" + UTF8, "htm": "text/html" + UTF8, "css": "text/css" + UTF8,
    "js": "text/javascript" + UTF8, "mjs": "text/javascript" + UTF8, "txt": "text/plain" + UTF8,
    "json": "application/json", "fjson": "application/json", "map": "application/json",
    "xml": "application/xml", "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg",
    "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp", "ico": "image/vnd.microsoft.icon",
    "woff2": "font/woff2", "woff": "font/woff", "ttf": "font/ttf", "otf": "font/otf",
    "eot": "application/vnd.ms-fontobject", "pdf": "application/pdf", "epub": "application/epub+zip",
    "gz": "application/gzip", "tgz": "application/gzip", "zip": "application/zip",
    "inv": "application/octet-stream",
}


def content_type(rel):
    suffix = rel.rsplit("/", 1)[-1].rpartition(".")[2].lower()
    if suffix in TYPES:
        return TYPES[suffix]
    kind, encoding = mimetypes.MimeTypes().guess_type(rel)  # Python's own table only
    return kind if kind and not encoding else "application/octet-stream"


def cache_control(rules, rel):
    """The Cache-Control of the first matching pattern (fnmatch: * also matches /), or None."""
    for pattern, value in rules:
        if fnmatch.fnmatchcase(rel, pattern):
            return value
    return None


def order(rel, redirects):
    """Upload order: assets, the search index, pages, then redirects (to pages that exist)."""
    name = rel.rsplit("/", 1)[-1]
    if rel in redirects:
        return 3
    if name.endswith((".html", ".htm")):
        return 2
    return 1 if name == "searchindex.js" else 0


def staged(stage, plan, dest):
    """{relative path: what its object must be} for every file to publish."""
    redirects, skip = {}, set()
    if plan.get("redirects"):
        skip = set(plan["redirects"]["rules"])  # .htaccess, nginx.conf: for web servers only
        if os.path.isfile(plan["redirects"]["table"]):
            with open(plan["redirects"]["table"], encoding="utf-8") as f:
                redirects = json.load(f)
    wanted = {}
    for rel in tree_files(stage):
        rel = rel.replace(os.sep, "/")
        if rel in skip:
            continue
        if rel == MANIFEST:
            raise UserError(f"the stage holds {MANIFEST}, the name of docbuild's manifest object",
                            where=os.path.join(stage, rel), hint="remove or rename that file")
        state = {HASH_META: file_sha256(os.path.join(stage, rel)), "type": content_type(rel)}
        cache = cache_control(dest.get("cache_control", []), rel)
        if cache:
            state["cache"] = cache
        if rel in redirects:
            state["redirect"] = redirects[rel]
        wanted[rel] = state
    return wanted, redirects


class Bucket:
    """One destination's bucket and prefix, with the client's errors as one-line UserErrors."""

    def __init__(self, name, dest):
        try:
            import boto3
            import botocore.config
            import botocore.exceptions
        except ImportError:
            raise UserError("publishing to S3 needs boto3, which is not installed",
                            hint="pip install 'docbuild[s3]'") from None
        self.name, self.url = name, dest["s3"]
        self.bucket, self.prefix = dest["bucket"], dest["prefix"]
        self.endpoint = dest.get("endpoint")
        self.errors = botocore.exceptions
        try:
            session = boto3.session.Session()
            # Retries (count, mode) come from the AWS configuration; a dead host fails in seconds.
            self.client = session.client("s3", endpoint_url=self.endpoint, region_name=dest.get("region"),
                                         config=botocore.config.Config(connect_timeout=10, read_timeout=60))
        except self.errors.BotoCoreError as exc:
            raise self.error(exc, "setting up the client") from None

    def error(self, exc, doing):
        where = f"cannot publish to {self.name!r} ({self.url})"
        hint = "nothing was deleted and the pages served are complete; fix the cause, then publish again"
        e = self.errors
        if isinstance(exc, (e.NoCredentialsError, e.PartialCredentialsError)):
            return UserError(f"{where}: no AWS credentials found", hint=CREDENTIALS_HINT)
        if isinstance(exc, (e.EndpointConnectionError, e.ConnectTimeoutError, e.ConnectionClosedError,
                            e.ReadTimeoutError)):
            return UserError(f"{where}: cannot reach {self.endpoint or 'the S3 endpoint'} ({doing}): {exc}",
                             hint="check `endpoint` in docbuild.yaml (or AWS_ENDPOINT_URL) and the "
                                  "network; " + hint)
        if isinstance(exc, e.ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            text = exc.response.get("Error", {}).get("Message") or code
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
                        "AccessDenied", "403", "AuthorizationHeaderMalformed"):
                return UserError(f"{where}: the server refused the credentials ({code}: {text})",
                                 hint=CREDENTIALS_HINT)
            if code in ("NoSuchBucket", "404") and doing == "listing the prefix":
                return UserError(f"{where}: the bucket {self.bucket!r} does not exist",
                                 hint="create it, or fix the bucket name in docbuild.yaml")
            return UserError(f"{where}: the server answered {code} ({text}) while {doing}", hint=hint)
        if isinstance(exc, e.BotoCoreError):
            return UserError(f"{where}: {exc} ({doing})", hint=hint)
        return None

    def call(self, doing, method, **kwargs):
        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except (self.errors.BotoCoreError, self.errors.ClientError) as exc:
            raise self.error(exc, doing) from None

    def listing(self):
        """{path below the prefix: size} of every object there."""
        found, token = {}, None
        while True:
            page = self.call("listing the prefix", "list_objects_v2", Prefix=self.prefix,
                             **({"ContinuationToken": token} if token else {}))
            for item in page.get("Contents", []):
                found[item["Key"][len(self.prefix):]] = item["Size"]
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return found

    def manifest(self, listed):
        """docbuild's record of the objects it put under the prefix: {path: state or None}."""
        if MANIFEST not in listed:
            return {}
        body = self.call("reading the manifest", "get_object", Key=self.prefix + MANIFEST)["Body"].read()
        try:
            objects = json.loads(body)["objects"]
            if isinstance(objects, dict) and all(isinstance(v, (dict, type(None))) for v in objects.values()):
                return objects
        except (ValueError, KeyError, TypeError):
            pass
        raise UserError(f"cannot read {self.url}{MANIFEST}, docbuild's record of the objects it put there",
                        hint="restore it, or delete it: then docbuild deletes no object there")

    def write_manifest(self, objects):
        body = json.dumps({"objects": objects}, indent=0, sort_keys=True).encode("utf-8")
        self.call("writing the manifest", "put_object", Key=self.prefix + MANIFEST, Body=body,
                  ContentType="application/json", CacheControl="no-store")

    def put(self, path, rel, state):
        extra = {"ContentType": state["type"], "Metadata": {HASH_META: state[HASH_META]}}
        if "cache" in state:
            extra["CacheControl"] = state["cache"]
        if "redirect" in state:
            extra["WebsiteRedirectLocation"] = state["redirect"]
        with open(path, "rb") as body:
            self.call(f"sending {rel}", "put_object", Key=self.prefix + rel, Body=body, **extra)

    def delete(self, rels):
        for start in range(0, len(rels), 1000):  # the most one request may name
            batch = rels[start:start + 1000]
            answer = self.call("deleting removed objects", "delete_objects", Delete={
                "Objects": [{"Key": self.prefix + rel} for rel in batch], "Quiet": True})
            failed = answer.get("Errors") or []
            if failed:
                first = failed[0]
                raise UserError(f"cannot publish to {self.name!r} ({self.url}): cannot delete "
                                f"{first.get('Key')}: {first.get('Code')} ({first.get('Message')})",
                                hint="the new pages are all served; publish again to delete the rest")


def changes(wanted, old, listed):
    """(added, changed, removed, unchanged) paths; a recorded object that is gone is sent again."""
    added, changed, unchanged = [], [], []
    for rel, state in wanted.items():
        if rel not in listed or rel not in old:
            added.append(rel)
        elif old[rel] != state:
            changed.append(rel)
        else:
            unchanged.append(rel)
    removed = sorted(rel for rel in old if rel not in wanted and rel in listed)
    return added, changed, removed, unchanged


def locked(lock_path, url):
    """Two publishes from this build dir to one destination never interleave."""
    os.makedirs(os.path.dirname(lock_path), exist_ok=True)
    handle = open(lock_path, "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise UserError(f"another publish to {url} is running", hint="wait for it, then try again") from None
    return handle


def publish_s3(name, dest, stage, plan, lock_path, dry_run=False):
    wanted, redirects = staged(stage, plan, dest)
    bucket = Bucket(name, dest)
    with locked(lock_path, dest["s3"]):
        listed = bucket.listing()
        old = bucket.manifest(listed)
        added, changed, removed, unchanged = changes(wanted, old, listed)
        counts = f"{len(added)} added, {len(changed)} changed, {len(removed)} removed, " \
                 f"{len(unchanged)} unchanged"
        if dry_run:
            for mark, rels in (("+", added), ("~", changed), ("-", removed)):
                for rel in rels:
                    print(f"{mark} {rel}")
            print(f"would publish to {dest['s3']}: {counts}")
            return
        sends = sorted(added + changed, key=lambda rel: (order(rel, redirects), rel))
        if sends:  # recorded first: an interrupted publish leaves no object that is not ours
            bucket.write_manifest({**old, **dict.fromkeys(sends)})
        new_ones = set(added)
        for rel in sends:
            bucket.put(os.path.join(stage, rel), rel, wanted[rel])
            print(f"{'+' if rel in new_ones else '~'} {rel}", flush=True)
        if removed:  # every page is new now: what they no longer link to can go
            bucket.write_manifest({**wanted, **{rel: old[rel] for rel in removed}})
            bucket.delete(removed)
            for rel in removed:
                print(f"- {rel}")
        if old != wanted:
            bucket.write_manifest(wanted)
    print(f"published to {dest['s3']}: {counts}")
    sys.stdout.flush()
