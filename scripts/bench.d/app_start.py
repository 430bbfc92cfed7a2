#!/usr/bin/env python3
"""The desktop app's rows of scripts/bench: cold start to a painted dashboard, and memory.

Run by scripts/bench.d/app.sh (which installs what this needs, builds the app and starts Xvfb).
Each run starts a fresh tauri-driver (WebKitWebDriver underneath, which allows one session at a
time) with TOKENKEEPER_HOME set, so the app inherits it; then times from just before
POST /session (which launches the app) until the dashboard is filled and two animation frames
have passed, and sums the resident memory of the app and every process below it (the WebKit
web and network processes). The seeded store and an empty one alternate run by run.

Prints two JSON lines in the Row format of crates/bench/src/compare.rs on stdout, and where the
start time goes (medians) on stderr. Standard library only.
"""

import argparse
import http.client as http_client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

POLL_S = 0.02
TIMEOUT_S = 60

# True once refresh() has drawn the count and either a token row or the empty state.
READY = """
const count = document.querySelector('#result-count');
if (!count || !count.textContent.trim()) return false;
if (arguments[0]) return document.querySelector('#rows tr[data-id]') !== null;
const empty = document.querySelector('#empty');
return empty !== null && !empty.hidden;
"""

# Two animation frames: the frame with the filled table has been produced.
FRAMES = """
const done = arguments[arguments.length - 1];
requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now())));
"""

# Page milestones (ms since the page's time origin) and the page's time origin (epoch ms).
TIMING = """
const nav = performance.getEntriesByType('navigation')[0];
return {
  origin: performance.timeOrigin,
  dom: nav ? nav.domContentLoadedEventEnd : performance.timing.domContentLoadedEventEnd - performance.timeOrigin,
  load: nav ? nav.loadEventEnd : performance.timing.loadEventEnd - performance.timeOrigin,
};
"""

# One more `dashboard_page` IPC call from the page, warm, as the dashboard makes it (the first
# 50 rows and the counts); answers the time and how many tokens there are.
IPC = """
const done = arguments[arguments.length - 1];
const query = {state: null, service: null, scope: null, text: null, expiring_within_days: null,
               sort: 'name', descending: false};
const t = performance.now();
window.__TAURI__.core.invoke('dashboard_page', {query, offset: 0, limit: 50})
  .then((d) => done([performance.now() - t, d.total]), (e) => done([-1, String(e)]));
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=TIMEOUT_S, retries=3):
    """One WebDriver command. tauri-driver now and then drops a request it forwards to
    WebKitWebDriver ("client error (SendRequest)", the connection closes without an answer);
    the scripts sent here only read the page, so such a request is sent again. POST /session
    passes retries=0: it launches the app."""
    data = None if body is None else json.dumps(body).encode()
    for attempt in range(retries + 1):
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {url}: {e.code} {e.read().decode(errors='replace')[:500]}")
        except (http_client.RemoteDisconnected, ConnectionResetError):
            if attempt == retries:
                raise
            time.sleep(POLL_S)


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def descendants(pid, kids):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


def wait_listening(port, proc):
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tauri-driver exited ({proc.returncode}) before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError("tauri-driver did not listen")


def stop(proc, app_pid):
    """Stops tauri-driver's process group (WebKitWebDriver, the app) and waits until the app and
    its WebKit processes are gone, so the next run starts on a quiet machine."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 10
    while app_pid and os.path.exists(f"/proc/{app_pid}") and time.monotonic() < deadline:
        time.sleep(0.02)
    if app_pid and os.path.exists(f"/proc/{app_pid}"):
        os.kill(app_pid, signal.SIGKILL)


def one_run(app, home, seeded, log):
    port, native = free_port(), free_port()
    env = dict(os.environ, TOKENKEEPER_HOME=home)
    drv = subprocess.Popen(["tauri-driver", "--port", str(port), "--native-port", str(native)],
                           env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                           start_new_session=True)
    app_pid = None
    try:
        # tauri-driver listens at once but answers POST /session with an error until the
        # WebKitWebDriver it starts listens too; the clock starts when both are ready.
        wait_listening(port, drv)
        wait_listening(native, drv)
        base = f"http://127.0.0.1:{port}"
        caps = {"capabilities": {"alwaysMatch": {"browserName": "wry",
                                                 "tauri:options": {"application": app}}}}
        epoch0 = time.time()
        t0 = time.monotonic()
        sid = http("POST", f"{base}/session", caps, retries=0)["sessionId"]
        t_session = time.monotonic()
        s = f"{base}/session/{sid}"
        while not http("POST", f"{s}/execute/sync", {"script": READY, "args": [seeded]}):
            if time.monotonic() - t0 > TIMEOUT_S:
                raise RuntimeError("the dashboard was not drawn within a minute")
            time.sleep(POLL_S)
        painted_at = http("POST", f"{s}/execute/async", {"script": FRAMES, "args": []})
        start_ms = (time.monotonic() - t0) * 1e3

        timing = http("POST", f"{s}/execute/sync", {"script": TIMING, "args": []})
        origin = timing["origin"] - epoch0 * 1e3  # page time origin, ms after the POST
        ipc_ms, ipc_n = http("POST", f"{s}/execute/async", {"script": IPC, "args": []})
        parts = {
            "session": (t_session - t0) * 1e3,
            "page origin": origin,
            "DOMContentLoaded": origin + timing["dom"],
            "load": origin + timing["load"],
            "painted (page clock)": origin + painted_at,
            "dashboard IPC, warm": ipc_ms,
        }
        if seeded and ipc_n == 0:
            raise RuntimeError(f"the seeded store answered with no tokens ({ipc_n})")

        kids = children_map()
        target = os.path.realpath(app)
        apps = [p for p in descendants(drv.pid, kids) if exe(p).startswith(target)]
        if len(apps) != 1:
            raise RuntimeError(f"expected one app process under tauri-driver, found {apps}")
        app_pid = apps[0]
        tree = [app_pid] + descendants(app_pid, kids)
        rss = sum(status_kb(p, "VmRSS") for p in tree) / 1024
        pss = sum(pss_kb(p) for p in tree) / 1024
        http("DELETE", s)
        return start_ms, rss, pss, len(tree), parts
    finally:
        stop(drv, app_pid)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--app", required=True, help="the release app binary")
    ap.add_argument("--home", required=True, help="the seeded TOKENKEEPER_HOME")
    ap.add_argument("--empty-home", required=True, help="a directory for the empty store")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--tokens", type=int, default=10000)
    ap.add_argument("--log", default=os.devnull, help="tauri-driver's output goes here")
    a = ap.parse_args()
    app = os.path.abspath(a.app)
    os.makedirs(a.empty_home, exist_ok=True)
    res = {True: [], False: []}
    with open(a.log, "ab") as log:
        # One untimed run of each, as `tk-bench compare` does: it warms the page cache and
        # creates the empty store, so every timed run opens an existing database.
        one_run(app, a.home, True, log)
        one_run(app, a.empty_home, False, log)
        for i in range(a.runs):
            # Alternate which goes first, so drift on a shared machine hits both alike.
            for seeded in ((True, False) if i % 2 == 0 else (False, True)):
                r = one_run(app, a.home if seeded else a.empty_home, seeded, log)
                res[seeded].append(r)
                print(f"app: {'seeded' if seeded else 'empty '} start {r[0]:.0f} ms, "
                      f"RSS {r[1]:.0f} MiB, PSS {r[2]:.0f} MiB, {r[3]} processes",
                      file=sys.stderr)

    n = f"{a.tokens:,}"
    for seeded in (True, False):
        med = {k: statistics.median(r[4][k] for r in res[seeded]) for k in res[seeded][0][4]}
        print(f"app: {'seeded' if seeded else 'empty'} store, medians in ms after the POST: "
              + ", ".join(f"{k} {v:.0f}" for k, v in med.items())
              + f"; PSS {statistics.median(r[2] for r in res[seeded]):.0f} MiB",
              file=sys.stderr)
    rows = [
        {"row": "app start", "workload": f"window start to dashboard painted, {n} tokens",
         "floor": "same app, 0 tokens", "unit": "ms",
         "ours": [r[0] for r in res[True]], "floor_runs": [r[0] for r in res[False]],
         "goal": "ours_max_ms", "goal_value": 1500.0},
        {"row": "app memory", "workload": f"RSS of the app + WebKit processes, {n} tokens",
         "floor": "same app, 0 tokens", "unit": "MiB",
         "ours": [r[1] for r in res[True]], "floor_runs": [r[1] for r in res[False]],
         "goal": "report", "goal_value": 0.0},
    ]
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
