"""docbuild serve [TARGET]: live preview (pip install 'docbuild[serve]').

    python -m docbuild serve [TARGET] [--port 8000] [--host 127.0.0.1] [--open] [--build-dir build]

Watches what the build graph says TARGET reads (docbuild.serve_plan), runs
`ninja TARGET` on a change (one at a time; a change during a build queues one
more), serves build/TARGET on HOST:PORT, and tells the open pages (server-sent
events) which files the build changed: a page whose file changed reloads
itself; warnings and failures show in an overlay.  The reload script is added
to pages as they are served, never written into the build output.

The one module of docbuild with an event loop (asyncio): a long-running
interactive process, not a build step.  It does no build work itself: ninja
runs as a child in a session of its own, its output in build/logs/serve.log,
and Ctrl-C (or SIGTERM) stops it and everything below it.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import time

from docbuild import serve_plan as plan
from docbuild import serve_warm
from docbuild.errors import UserError, report
from docbuild.paths import BuildDir

STOP_GRACE = 10.0  # seconds for ninja's runners to stop their steps (run.GRACE is 5)

RELOAD_JS = r"""(function () {
  var me = location.pathname;
  if (me.charAt(me.length - 1) === "/") me += "index.html";
  var quiet = /(^\/_sources\/|searchindex\.js$|objects\.inv$|\.buildinfo$)/;
  function show(p) {
    var old = document.getElementById("docbuild-overlay");
    if (old) old.remove();
    if (!p || (!p.failed && !p.warnings.length)) return;
    var o = document.createElement("div");
    o.id = "docbuild-overlay";
    o.setAttribute("style", "position:fixed;left:0;right:0;bottom:0;max-height:45%;overflow:auto;" +
      "z-index:2147483647;background:#222;color:#eee;font:13px/1.4 monospace;padding:8px 12px;" +
      "border-top:4px solid " + (p.failed ? "#d33" : "#e90"));
    var head = document.createElement("div");
    head.textContent = (p.failed ? "Build failed" + (p.failures.length ? ": " + p.failures.join(", ") : "")
      : p.warnings.length + " warning(s)") + "  [docbuild serve; click to hide]";
    head.style.fontWeight = "bold";
    o.appendChild(head);
    p.warnings.forEach(function (w) {
      var line = document.createElement("div");
      line.className = "docbuild-warning";
      line.textContent = w.where + ": " + w.level + ": " + w.message;
      o.appendChild(line);
    });
    if (p.log.length) {
      var pre = document.createElement("pre");
      pre.textContent = p.log.join("\n");
      pre.style.whiteSpace = "pre-wrap";
      o.appendChild(pre);
    }
    head.onclick = function () { o.remove(); };
    document.body.appendChild(o);
  }
  var events = new EventSource("/__docbuild__/events");
  events.onmessage = function (e) {
    var d = JSON.parse(e.data);
    var mine = d.changed.some(function (p) { return p === me || (!/\.html?$/.test(p) && !quiet.test(p)); });
    if (mine && (d.build > 0 || d.early)) { events.close(); location.reload(); return; }
    show(d.problems);
  };
})();
"""


class Preview:
    def __init__(self, args, top, ninja):
        self.args, self.top, self.ninja = args, top, ninja
        self.build_dir = os.path.join(top, args.build_dir)
        self.out = plan.output_dir(self.build_dir, args.target)
        self.log = BuildDir(self.build_dir).log("serve")
        self.clients = set()
        self.wanted = asyncio.Event()
        self.restart = asyncio.Event()
        self.stopping = asyncio.Event()
        self.proc = None
        self.state = {"build": 0, "changed": [], "problems": None}
        self.files, self.folders = set(), set()
        self.files_out = plan.snapshot(self.out)
        self.warm = BuildDir(self.build_dir).state("warm")
        self.workers = {}  # socket path -> the warm worker's process (docbuild.serve_warm)
        self.reloaded = set()

    # --- building ---------------------------------------------------------

    async def builder(self):
        """One ninja at a time; a change meanwhile sets `wanted` again: one more run."""
        while not self.stopping.is_set():
            await self.wanted.wait()
            self.wanted.clear()
            if self.stopping.is_set():
                return
            await self.build()

    async def build(self):
        before, start = self.files_out, time.monotonic()
        self.reloaded = set()  # pages told to reload while the build ran (output_watcher)
        os.makedirs(os.path.dirname(self.log), exist_ok=True)
        with open(self.log, "ab") as log:
            log.write(f"--- ninja {self.args.target} ({time.strftime('%H:%M:%S')})\n".encode())
            log.flush()
            self.proc = await asyncio.create_subprocess_exec(
                self.ninja, self.args.target, cwd=self.top, stdin=asyncio.subprocess.DEVNULL,
                stdout=log, stderr=log, start_new_session=True,
                env=dict(os.environ, **{serve_warm.FOLDER: self.warm}))
        code = await self.proc.wait()
        self.proc = None
        if self.stopping.is_set():
            return
        self.files_out = plan.snapshot(self.out, before)
        changed = plan.changed(before, self.files_out)
        problems = plan.problems(self.build_dir, self.args.target, self.top, self.ninja, self.log, code != 0)
        self.state = {"build": self.state["build"] + 1, "changed": changed, "problems": problems}
        self.broadcast()  # first: the pages reload while the watch set is read again
        self.refresh_watch()
        self.warm_up()
        pages = sum(p.endswith((".html", ".htm")) for p in self.reloaded.union(changed))
        what = "failed" if code else "built"
        print(f"docbuild serve: {self.args.target} {what} in {time.monotonic() - start:.1f} s: "
              f"{pages} page(s) changed, {len(problems['warnings'])} warning(s)"
              + (f"; see {os.path.relpath(self.log)}" if code else ""), flush=True)

    def refresh_watch(self):
        files, folders = plan.watch_set(self.top, self.build_dir, self.args.target, self.ninja)
        old_roots = plan.roots(self.files, self.folders)
        self.files, self.folders = files, folders
        if plan.roots(files, folders) != old_roots:
            self.restart.set()

    async def output_watcher(self):
        """Pages a running build writes reload at once, before the build's last
        phases (indices, the search index, the depfile) are done."""
        from watchfiles import awatch

        while not self.stopping.is_set():
            if not os.path.isdir(self.out):
                await asyncio.sleep(0.5)
                continue
            try:  # step=10: a page is one write, and a leaf edit writes a page or two.
                async for changes in awatch(self.out, watch_filter=None, step=10, stop_event=self.stopping):
                    if not os.path.isdir(self.out):
                        break  # removed (docbuild clean): watched anew once a build makes it
                    if self.proc is None:
                        continue
                    early = plan.written(self.out, sorted(p for _, p in changes), self.files_out)
                    if early:
                        self.reloaded.update(early)
                        self.broadcast(dict(self.state, changed=early, early=True))
            except (OSError, RuntimeError):  # removed while the watch was set up
                await asyncio.sleep(0.5)

    def warm_up(self):
        """A warm worker for each Sphinx step of the target that has none (the
        last build used it up, or there was none yet), and none for a step
        the target no longer runs (configure ran again)."""
        wanted = {}
        for python, args in plan.sphinx_steps(self.top, self.args.target, self.ninja):
            path = serve_warm.socket_path(self.warm, args)
            if path and serve_warm.takes(args):
                wanted[path] = (python, args)
        for path, proc in list(self.workers.items()):
            if proc.poll() is not None or path not in wanted:
                stop_worker(proc)
                del self.workers[path]
        for path, (python, args) in wanted.items():
            if path not in self.workers:
                self.workers[path] = start_worker(python, path, args, self.top, self.build_dir)

    async def watcher(self):
        from watchfiles import awatch

        while not self.stopping.is_set():
            self.restart = asyncio.Event()
            roots = [r for r in plan.roots(self.files, self.folders) if os.path.isdir(r)]
            if not roots:
                await self.restart.wait()
                continue
            async for changes in awatch(*roots, watch_filter=None, recursive=False, step=50,
                                        stop_event=self.restart):
                if any(plan.triggers(int(c), p, self.files, self.folders) for c, p in changes):
                    self.wanted.set()
                if self.stopping.is_set():
                    return

    # --- serving ------------------------------------------------------------

    def broadcast(self, state=None):
        message = json.dumps(state or self.state)
        for queue in list(self.clients):
            queue.put_nowait(message)

    async def events(self, request):
        from aiohttp import web

        response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                               "Cache-Control": "no-cache"})
        await response.prepare(request)
        queue = asyncio.Queue()
        self.clients.add(queue)
        # A page that connects learns the current problems (not a reload: changed is empty).
        queue.put_nowait(json.dumps(dict(self.state, changed=[])))
        try:
            while True:
                message = await queue.get()
                if message is None:
                    break
                await response.write(f"data: {message}\n\n".encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.clients.discard(queue)
        return response

    async def script(self, request):
        from aiohttp import web

        return web.Response(text=RELOAD_JS, content_type="application/javascript",
                            headers={"Cache-Control": "no-cache"})

    async def page(self, request):
        from aiohttp import web

        path = plan.resolve(self.out, request.match_info["tail"])
        if path is None:
            body = b"<!DOCTYPE html><html><body><h1>Not found</h1><p>Not in the build output (yet).</p></body></html>"
            return web.Response(body=plan.inject(body), status=404, content_type="text/html")
        headers = {"Cache-Control": "no-cache"}
        if path.endswith(plan.TEXT_OUTPUTS):
            with open(path, "rb") as f:
                return web.Response(body=plan.inject(f.read()), content_type="text/html",
                                    charset="utf-8", headers=headers)
        return web.FileResponse(path, headers=headers)

    async def stop(self):
        """Stop ninja's whole session (its runners stop their steps), then anything left."""
        from docbuild import run

        self.stopping.set()
        self.wanted.set()
        self.restart.set()
        for queue in list(self.clients):
            queue.put_nowait(None)
        proc = self.proc
        if proc is not None and proc.returncode is None:
            run.send(os.killpg, proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: ninja and its runners
            try:
                await asyncio.wait_for(proc.wait(), STOP_GRACE)
            except asyncio.TimeoutError:
                run.send(os.killpg, proc.pid, signal.SIGKILL)
                await proc.wait()
        if proc is not None:
            run.send(os.killpg, proc.pid, signal.SIGKILL)  # what is left in its session
        for worker in self.workers.values():
            stop_worker(worker)
        run.end_descendants()  # we are a subreaper: nothing started below us outlives us


def start_worker(python, path, args, top, build_dir):
    """docbuild.serve_warm for the step with these arguments, in a session of
    its own, its output in build/logs/serve-warm-<key>.log."""
    import subprocess

    os.makedirs(os.path.dirname(os.path.join(top, path)), exist_ok=True)
    log = BuildDir(build_dir).log("serve-warm-" + os.path.basename(path).split(".")[0])
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "w+b") as out:  # read and write: the worker reads back what Sphinx said
        return subprocess.Popen([python, "-m", "docbuild.serve_warm", path, "--", *args], cwd=top,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                start_new_session=True)


def stop_worker(proc):
    from docbuild import run

    if proc.poll() is None:
        run.send(os.killpg, proc.pid, signal.SIGKILL)
    proc.wait()


async def serve(args, top, ninja):
    from aiohttp import web

    from docbuild import run

    run.become_subreaper()
    preview = Preview(args, top, ninja)
    preview.refresh_watch()
    app = web.Application()
    app.router.add_get(plan.RELOAD_SCRIPT, preview.script)
    app.router.add_get("/__docbuild__/events", preview.events)
    app.router.add_get("/{tail:.*}", preview.page)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        why = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        raise UserError(f"cannot listen on {args.host}:{args.port}: {why}",
                        hint="pass another --port (0 picks a free one)")
    port = site._server.sockets[0].getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{port}/"
    print(f"docbuild serve: {url} serves {os.path.relpath(preview.out)} ({args.target}); "
          f"ninja's output: {os.path.relpath(preview.log)}; Ctrl-C stops", flush=True)
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, done.set)
    tasks = [asyncio.create_task(preview.builder()), asyncio.create_task(preview.watcher()),
             asyncio.create_task(preview.output_watcher())]
    preview.wanted.set()  # bring the output up to date first
    if args.open:
        import webbrowser
        webbrowser.open(url)
    await done.wait()
    print("docbuild serve: stopping", flush=True)
    await preview.stop()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await runner.cleanup()
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m docbuild serve",
                                description="Build TARGET on every change and serve it with live reload.")
    p.add_argument("target", nargs="?", help="the format to preview (default: html, or dirhtml)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--open", action="store_true", help="open the preview in a web browser")
    p.add_argument("--build-dir", default="build", help="the build dir configure used (default: build)")
    args = p.parse_args(argv)
    top = os.getcwd()
    try:
        try:
            import aiohttp  # noqa: F401
            import watchfiles  # noqa: F401
        except ImportError as exc:
            raise UserError(f"docbuild serve needs {exc.name}", hint="pip install 'docbuild[serve]'")
        if not os.path.isfile(os.path.join(top, "build.ninja")):
            raise UserError("no build.ninja here", hint="run `python configure.py` first, in this folder")
        args.target = args.target or plan.default_target(os.path.join(top, args.build_dir))
        names = plan.page_targets(os.path.join(top, args.build_dir))
        if args.target not in names:
            raise UserError(f"{args.target!r} is not a target that writes HTML pages",
                            hint="serve one of: " + (", ".join(names) or "(none configured)"))
        from docbuild.ninja_tool import ninja_binary
        return asyncio.run(serve(args, top, ninja_binary()))
    except UserError as exc:
        report(exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
