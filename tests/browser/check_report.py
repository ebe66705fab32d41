#!/usr/bin/python3
"""Render an aftersales HTML report in headless Chromium and check the rendered page.

Usage: check_report.py REPORT.html [--expect EXPECT.json] [--screenshot OUT.png] [--pdf OUT.pdf] [--width 1366]

Chromium (Debian's chromium package) is started headless with a fresh temporary profile and driven over the
Chrome DevTools Protocol (python3-websocket). The page is loaded from its file:// URL and checked against the
report's DOM contract (docs in the report module): no console errors or warnings, no request for anything but
the file itself and data: URLs, the six sections in order, every chart's marks counted and inside the chart
(and its texts not cut off), no horizontal overflow at the given width. With --expect, a JSON object names the numbers the page must show:

  {"kpis":   {"lines": 54177, ...},           data-value of div.kpi[data-kpi=NAME], relative tolerance 1e-9
   "charts": {"roc": 101, "funnel": 315, ...}, number of .mark in figure#chart-NAME
   "flagged": {"funnel": 6, ...},              number of .mark.flagged in figure#chart-NAME
   "tables": {"alerts-table": 6, ...},         rows of table#ID > tbody
   "missing": ["orders"],                      exactly these sections hold a p.missing
   "text_absent": ["someone@example.com"],     in neither the rendered text nor the HTML source (personal data)
   "text_present": ["P000486"]}                in the rendered text

Prints one line per check ("ok ..." or "FAILED ..."), then "N passed, N failed". Exit status 0 when every
check passed, 1 when one failed, 2 on a usage problem or when the browser cannot be started. The browser and
its temporary folder are removed on every exit, also on failure, timeout or a signal.
"""
import argparse
import base64
import ctypes
import json
import math
import os
import pathlib
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium's own connections (updates, sync, QUIC probes) are
# refused by a closed network and show up as noise.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--remote-debugging-port=0"]
SECTIONS = ["glance", "trend", "model", "quality", "orders", "data"]
KPI_NAMES = {"lines", "orders", "customers", "products", "cases", "return_rate", "return_cost"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
WAIT = 30          # seconds for any one answer or event from the browser
TOTAL = 240        # seconds for the whole run: past it the run fails and the browser is killed


class UsageError(Exception):
    """Exit status 2: the command line, the file or the browser cannot be used."""


class BrowserError(Exception):
    """The browser answered with an error or did not answer in time (a failed check)."""


# --- the browser -------------------------------------------------------------------------------------------

class Browser:
    """Chromium in its own process group with a temporary profile; stop() always removes both."""

    def __init__(self, width):
        # Orphaned browser processes (Chromium's helpers, crashpad's handlers that leave the session) become this
        # script's children, so stop() can reap every one of them instead of leaving zombies to init.
        _prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
        self.tmp = tempfile.mkdtemp(prefix="check_report.")
        self.proc = None
        profile = os.path.join(self.tmp, "profile")
        # Crashpad keeps its database under $XDG_CONFIG_HOME/chromium: keep it in the temporary folder too.
        env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(self.tmp, "config"))
        self.log = open(os.path.join(self.tmp, "chromium.log"), "wb")
        argv = [CHROMIUM, *CHROMIUM_FLAGS, "--user-data-dir=" + profile, f"--window-size={width},900",
                "about:blank"]
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                         env=env, start_new_session=True, preexec_fn=_die_with_parent)
        except OSError as e:
            self.stop()
            raise UsageError(f"cannot start {CHROMIUM}: {e}")
        try:
            self._wait_ready(profile)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, profile):
        # --remote-debugging-port=0 lets Chromium choose a free port and write it to DevToolsActivePort,
        # so parallel runs never clash.
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + WAIT
        while True:
            if self.proc.poll() is not None:
                raise UsageError(f"{CHROMIUM} exited with status {self.proc.returncode} before it was ready:\n"
                                 + self.log_tail())
            lines = _read(port_file).split("\n")
            if len(lines) >= 2 and lines[0].isdigit() and lines[1].startswith("/devtools/"):
                self.ws_url = f"ws://127.0.0.1:{lines[0]}{lines[1]}"
                break
            if time.monotonic() > deadline:
                raise UsageError(f"{CHROMIUM} did not open its DevTools port within {WAIT} s:\n" + self.log_tail())
            time.sleep(0.05)

    def log_tail(self):
        self.log.flush()
        noise = ("dbus", "/usr/bin/chromium: ", "Fontconfig")
        lines = [l for l in _read(self.log.name).splitlines() if l.strip() and not any(n in l for n in noise)]
        return "\n".join("  " + l for l in lines[-15:]) or "  (nothing on stderr)"

    def stop(self):
        if self.proc is not None and self.proc.returncode is None:
            # The leader is not reaped yet, so its process group id still names only our processes.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        # Crashpad's handlers leave the process group (their own session); every process of this browser names
        # the temporary folder on its command line, so those left over are found by it and killed by pid.
        for _ in range(50):
            stray = _pids_mentioning(self.tmp)
            if not stray:
                break
            for pid in stray:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:   # reap the killed processes (children through the subreaper)
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                time.sleep(0.02)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _prctl(option, arg):
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(option, arg, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _die_with_parent():
    """In the child before exec: SIGKILL it when this script dies, even by SIGKILL (PR_SET_PDEATHSIG)."""
    _prctl(1, signal.SIGKILL)


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _pids_mentioning(token):
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me:
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if token.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


class CDP:
    """One DevTools websocket: send() waits for its answer, events that arrive meanwhile are kept."""

    def __init__(self, ws_url):
        import websocket
        self._ws_mod = websocket
        # Chromium refuses websocket clients that send an Origin header it does not know.
        self.ws = websocket.create_connection(ws_url, timeout=WAIT, suppress_origin=True)
        self.next_id = 0
        self.events = []      # every event, in order of arrival
        self._taken = 0       # events before this index were already returned by wait_event
        self.session = None   # the page's session (flat mode): commands without session go to the browser

    def _recv(self, deadline, what, timeout):
        left = deadline - time.monotonic()
        if left <= 0:
            raise BrowserError(f"no answer to {what} within {timeout:g} s")
        self.ws.settimeout(left)
        try:
            return json.loads(self.ws.recv())
        except self._ws_mod.WebSocketTimeoutException:
            raise BrowserError(f"no answer to {what} within {timeout:g} s")
        except self._ws_mod.WebSocketConnectionClosedException:
            raise BrowserError(f"the browser closed the connection while waiting for {what}")

    def send(self, method, params=None, browser=False, timeout=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session and not browser:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        timeout = timeout or WAIT
        deadline = time.monotonic() + timeout
        while True:
            m = self._recv(deadline, method, timeout)
            if m.get("id") == msg["id"]:
                if "error" in m:
                    raise BrowserError(f"{method}: {m['error'].get('message')}")
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method, timeout=None):
        timeout = timeout or WAIT
        deadline = time.monotonic() + timeout
        while True:
            for i in range(self._taken, len(self.events)):
                if self.events[i]["method"] == method:
                    self._taken = i + 1
                    return self.events[i]["params"]
            m = self._recv(deadline, "event " + method, timeout)
            if "method" in m:
                self.events.append(m)

    def of(self, method):
        return [e["params"] for e in self.events if e["method"] == method]

    def evaluate(self, expression):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise BrowserError("evaluating in the page: " + r["exceptionDetails"].get("text", "?"))
        return r["result"].get("value")

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass


# --- what the page shows -----------------------------------------------------------------------------------

# Collected in the page in one evaluation, judged in Python below.
FACTS_JS = r"""
(() => {
  const box = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const attr = (sel, name) => { const e = document.querySelector(sel); return e ? e.getAttribute(name) : null; };
  const external = [];
  const isLocal = v => v === null || v.trim() === '' || /^\s*(#|data:)/i.test(v);
  for (const e of document.querySelectorAll('*')) {
    const tag = e.tagName.toLowerCase();
    for (const a of ['src', 'srcset', 'poster', 'data', 'background'])
      if (e.hasAttribute(a) && !isLocal(e.getAttribute(a))) external.push(`<${tag} ${a}="${e.getAttribute(a)}">`);
    if (['link', 'use', 'image', 'feimage'].includes(tag))
      for (const a of ['href', 'xlink:href'])
        if (e.hasAttribute(a) && !isLocal(e.getAttribute(a))) external.push(`<${tag} ${a}="${e.getAttribute(a)}">`);
    const st = e.getAttribute('style');
    if (st && /url\(\s*['"]?(?!data:|#)/i.test(st)) external.push(`<${tag} style="${st}">`);
  }
  for (const s of document.querySelectorAll('style'))
    for (const m of s.textContent.matchAll(/url\(\s*['"]?([^'")]*)/gi))
      if (!isLocal(m[1])) external.push(`<style> url(${m[1]})`);
  return {
    charset: attr('head meta[charset]', 'charset'),
    csp: attr('head meta[http-equiv="Content-Security-Policy" i]', 'content'),
    version: document.body ? document.body.getAttribute('data-report-version') : null,
    scripts: document.scripts.length,
    external,
    sections: [...document.querySelectorAll('section[id]')].map(s => ({
      id: s.id, h2: s.querySelector('h2') ? s.querySelector('h2').textContent.trim() : null,
      height: s.getBoundingClientRect().height, missing: s.querySelectorAll('p.missing').length })),
    kpis: [...document.querySelectorAll('div.kpi')].map(k => ({
      name: k.getAttribute('data-kpi'), value: k.getAttribute('data-value'),
      section: k.closest('section[id]') ? k.closest('section[id]').id : null,
      dd: k.querySelector('dd') ? k.querySelector('dd').textContent.trim() : null })),
    figures: [...document.querySelectorAll('figure.chart')].map(f => ({
      id: f.id, svgs: f.querySelectorAll('svg[data-marks]').length })),
    svgs: [...document.querySelectorAll('svg[data-marks]')].map(svg => {
      const fig = svg.closest('figure.chart');
      const marks = [...svg.querySelectorAll('.mark')];
      return { chart: fig ? fig.id : null, spark: svg.classList.contains('spark'),
               declared: svg.getAttribute('data-marks'), box: box(svg),
               marks: fig ? marks.map(m => [m.tagName.toLowerCase(), ...box(m)]) : [],
               texts: fig ? [...svg.querySelectorAll('text')].map(t => [t.textContent.trim(), ...box(t)]) : [],
               count: marks.length, flagged: svg.querySelectorAll('.mark.flagged').length,
               tags: [...new Set(marks.map(m => m.tagName.toLowerCase()))] };
    }),
    tables: Object.fromEntries([...document.querySelectorAll('table[id]')].map(t =>
      [t.id, t.querySelectorAll(':scope > tbody > tr').length])),
    text: document.body ? document.body.innerText : '',
    allText: document.documentElement.textContent,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  };
})()
"""


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, ok, what, why=""):
        if ok:
            self.passed += 1
            print("ok " + what)
        else:
            self.failed += 1
            print("FAILED " + what + (": " + why if why else ""))
        sys.stdout.flush()
        return ok


def _some(items, n=8):
    items = list(items)
    return "; ".join(map(str, items[:n])) + (f"; … {len(items) - n} more" if len(items) > n else "")


def check_page(cdp, check, url, facts, width):
    # Console and exceptions. A blocked inline script or resource (CSP) shows up as a console error.
    msgs = [f"[{e['entry']['level']}/{e['entry']['source']}] {e['entry']['text']}" for e in cdp.of("Log.entryAdded")
            if e["entry"]["level"] in ("error", "warning")]
    msgs += [f"[console.{e['type']}] " + " ".join(str(a.get("value", a.get("description", ""))) for a in e["args"])
             for e in cdp.of("Runtime.consoleAPICalled") if e["type"] in ("error", "warning", "assert")]
    msgs += ["[exception] " + (e["exceptionDetails"].get("exception", {}).get("description")
                               or e["exceptionDetails"].get("text", "?")) for e in cdp.of("Runtime.exceptionThrown")]
    check(not msgs, "no console errors, warnings or exceptions", _some(msgs, 5))

    # Requests: only the file itself and data: URLs.
    urls = [e["request"]["url"] for e in cdp.of("Network.requestWillBeSent")]
    own = lambda u: urllib.parse.unquote(u.split("#")[0]) == urllib.parse.unquote(url)
    other = [u for u in urls if not own(u) and not u.startswith("data:")]
    check(any(map(own, urls)) and not other, f"requests only the report itself and data: URLs ({len(urls)} requests)",
          ("requested " + _some(other)) if other else "the report's own request was not seen")
    check(not facts["external"], "no element refers to a resource outside the file", _some(facts["external"]))

    # The contract's head and body.
    check(facts["charset"] is not None and facts["charset"].lower() == "utf-8" and facts["csp"] == CSP
          and facts["version"] == "1" and facts["scripts"] == 0,
          'head: meta charset utf-8 and the Content-Security-Policy; body data-report-version="1"; no <script>',
          f"charset {facts['charset']!r}, CSP {facts['csp']!r}, data-report-version {facts['version']!r}, "
          f"{facts['scripts']} scripts")

    # Sections: all six, in order, each with a heading and some height.
    secs = {s["id"]: s for s in facts["sections"]}
    order = [s["id"] for s in facts["sections"] if s["id"] in SECTIONS]
    check(order == SECTIONS, "the six sections in order: " + ", ".join(SECTIONS), "found " + ", ".join(order))
    for name in SECTIONS:
        s = secs.get(name)
        if s is None:
            check(False, f"section {name}", "missing")
        else:
            check(bool(s["h2"]) and s["height"] > 0,
                  f"section {name}: h2 \"{s['h2']}\", {s['height']:.0f} px high" + (", data missing" if s["missing"] else ""),
                  "no h2" if not s["h2"] else "rendered 0 px high")

    # Key figures: each a number with its formatted value; those of the glance section have the contract's names.
    def kpi_problem(k):
        if _number(k["value"]) is None:
            return f"{k['name']}: data-value=\"{k['value']}\""
        if not k["dd"]:
            return f"{k['name']}: no <dd> with the value"
        if k["section"] == "glance" and k["name"] not in KPI_NAMES:
            return f"{k['name']}: not a key figure of glance"
        return None
    bad = [p for p in map(kpi_problem, facts["kpis"]) if p]
    in_glance = sum(k["section"] == "glance" for k in facts["kpis"])
    if facts["kpis"] or "glance" in secs and not secs["glance"]["missing"]:
        check(in_glance and not bad, f"{len(facts['kpis'])} key figures ({in_glance} in glance), each a number "
              "shown in a <dd>", _some(bad) if bad else "none in glance")

    # Charts: one svg[data-marks] each; the marks counted and drawn inside the chart (1 px tolerance).
    bad_figs = [f["id"] or "(no id)" for f in facts["figures"] if f["svgs"] != 1 or not f["id"].startswith("chart-")]
    check(not bad_figs, f"{len(facts['figures'])} charts, each an id chart-NAME and one svg[data-marks]", _some(bad_figs))
    charts = [s for s in facts["svgs"] if s["chart"]]
    sparks = [s for s in facts["svgs"] if not s["chart"]]
    for s in charts:
        outside = [f"{m[0]} at ({m[1]:.0f},{m[2]:.0f})-({m[3]:.0f},{m[4]:.0f})" for m in s["marks"]
                   if _overshoot(s["box"], m[1:]) > 1]
        problems = []
        if str(s["count"]) != s["declared"]:
            problems.append(f"data-marks=\"{s['declared']}\" but {s['count']} .mark elements")
        if s["count"] == 0:
            problems.append("no marks")
        if outside:
            problems.append(f"{len(outside)} of them outside the chart's box "
                            "({:.0f},{:.0f})-({:.0f},{:.0f}): ".format(*s["box"]) + _some(outside, 4))
        flagged = f", {s['flagged']} flagged" if s["flagged"] else ""
        check(not problems, f"{s['chart']}: {s['count']} marks ({'/'.join(s['tags']) or '-'}{flagged}), "
              "as many as data-marks, all inside the chart", "; ".join(problems))
    # Text (ticks, axis titles, legends) cut off at a chart's edge is as wrong as a mark outside it.
    cut = [f"{s['chart']} \"{t[0]}\" by {_overshoot(s['box'], t[1:]):.0f} px" for s in charts for t in s["texts"]
           if _overshoot(s["box"], t[1:]) > 1]
    check(not cut, f"all {sum(len(s['texts']) for s in charts)} chart texts (ticks, titles, legends) inside their "
          "charts", "cut off: " + _some(cut))
    if sparks:
        wrong = [f"sparkline {i + 1}: data-marks=\"{s['declared']}\", {s['count']} marks" for i, s in enumerate(sparks)
                 if str(s["count"]) != s["declared"] or not s["spark"]]
        check(not wrong, f"{len(sparks)} sparklines, marks as data-marks says", _some(wrong))

    check(facts["scrollWidth"] <= facts["innerWidth"],
          f"no horizontal overflow at {width} px (content {facts['scrollWidth']} px wide)",
          f"the page is {facts['scrollWidth']} px wide in a {facts['innerWidth']} px window")


def _overshoot(outer, inner):
    """How far (px) the box inner = (left, top, right, bottom) reaches out of the box outer; <= 0: inside."""
    return max(outer[0] - inner[0], outer[1] - inner[1], inner[2] - outer[2], inner[3] - outer[3])


def _number(v):
    try:
        x = float(v)
        return x if math.isfinite(x) else None
    except (TypeError, ValueError):
        return None


def check_expect(check, facts, expect, source):
    kpis = {}
    for k in facts["kpis"]:
        kpis.setdefault(k["name"], []).append(k)
    for name, want in expect.get("kpis", {}).items():
        got = kpis.get(name, [])
        val = _number(got[0]["value"]) if len(got) == 1 else None
        check(val is not None and math.isclose(val, want, rel_tol=1e-9, abs_tol=0 if want else 1e-12),
              f"key figure {name} = {want}" + (f" (shown \"{got[0]['dd']}\")" if len(got) == 1 else ""),
              f"{len(got)} div.kpi[data-kpi={name}]" if len(got) != 1 else f"data-value=\"{got[0]['value']}\"")
    charts = {s["chart"]: s for s in facts["svgs"] if s["chart"]}
    for name, want in expect.get("charts", {}).items():
        s = charts.get("chart-" + name)
        check(s is not None and s["count"] == want, f"chart-{name} has {want} mark" + ("" if want == 1 else "s"),
              "no such chart" if s is None else f"it has {s['count']}")
    for name, want in expect.get("flagged", {}).items():
        s = charts.get("chart-" + name)
        check(s is not None and s["flagged"] == want, f"chart-{name} has {want} flagged mark" + ("" if want == 1 else "s"),
              "no such chart" if s is None else f"it has {s['flagged']}")
    for name, want in expect.get("tables", {}).items():
        got = facts["tables"].get(name)
        check(got == want, f"table {name} has {want} row" + ("" if want == 1 else "s"), "no such table" if got is None else f"it has {got}")
    if "missing" in expect:
        secs = {s["id"]: s["missing"] for s in facts["sections"]}
        for name in SECTIONS:
            want = name in expect["missing"]
            got = secs.get(name, 0) > 0
            check(got == want, f"section {name} " + ("says its data is missing (p.missing)" if want else "has its data"),
                  "no p.missing" if want else "it holds a p.missing")
    absent = expect.get("text_absent", [])
    if absent:
        everything = "\n".join((facts["text"], facts["allText"], source))
        found = [t for t in absent if t in everything]
        check(not found, f"none of {len(absent)} personal strings occurs in the page or its source", _some(found, 5))
    present = expect.get("text_present", [])
    if present:
        lost = [t for t in present if t not in facts["text"]]
        check(not lost, f"the page shows all of {len(present)} expected texts (" + _some(present, 3) + ")",
              "not shown: " + _some(lost))


def _png_size(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def write_pdf(cdp, check, path):
    r = cdp.send("Page.printToPDF", {"printBackground": True}, timeout=60)
    data = base64.b64decode(r.get("data", ""))
    with open(path, "wb") as f:
        f.write(data)
    check(data.startswith(b"%PDF-") and len(data) > 1000,
          f"printed to PDF: {path} ({len(data)} bytes)", f"{len(data)} bytes, not a PDF")


def write_screenshot(cdp, check, path, width):
    m = cdp.send("Page.getLayoutMetrics")
    size = m.get("cssContentSize") or m["contentSize"]
    height = max(1, math.ceil(size["height"]))
    cdp.send("Emulation.setDeviceMetricsOverride",
             {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    r = cdp.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, timeout=60)
    data = base64.b64decode(r.get("data", ""))
    with open(path, "wb") as f:
        f.write(data)
    got = _png_size(data)
    check(got == (width, height), f"full-page screenshot: {path} ({width} x {height} px)",
          f"the PNG is {got[0]} x {got[1]} px" if got else "not a PNG")


def run(args):
    report = pathlib.Path(args.report).resolve()
    if not report.is_file():
        raise UsageError(f"{args.report}: no such file")
    expect = None
    if args.expect:
        try:
            with open(args.expect, encoding="utf-8") as f:
                expect = json.load(f)
        except (OSError, ValueError) as e:
            raise UsageError(f"{args.expect}: {e}")
        if not isinstance(expect, dict):
            raise UsageError(f"{args.expect}: not a JSON object")
    if not os.access(CHROMIUM, os.X_OK):
        raise UsageError(f"{CHROMIUM} not found: install Debian's chromium package (apt-get install chromium)")
    try:
        import websocket  # noqa: F401
    except ImportError:
        raise UsageError("python3-websocket not found: install it (apt-get install python3-websocket) and run "
                         "this with /usr/bin/python3")
    source = report.read_bytes().decode("utf-8", errors="replace")
    url = report.as_uri()
    check = Checks()
    browser = cdp = None
    try:
        browser = Browser(args.width)
        cdp = CDP(browser.ws_url)
        target = cdp.send("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        cdp.session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                               browser=True)["sessionId"]
        for domain in ("Network", "Log", "Runtime", "Page"):
            cdp.send(domain + ".enable")
        cdp.send("Emulation.setDeviceMetricsOverride",
                 {"width": args.width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        print(f"checking {url} at {args.width} px")
        nav = cdp.send("Page.navigate", {"url": url})
        if nav.get("errorText"):
            raise BrowserError(f"loading {url}: {nav['errorText']}")
        cdp.wait_event("Page.loadEventFired")
        # Let layout, fonts and late console messages settle: two frames and a short pause.
        cdp.evaluate("document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => "
                     "requestAnimationFrame(() => setTimeout(r, 200)))))")
        facts = cdp.evaluate(FACTS_JS)
        check_page(cdp, check, url, facts, args.width)
        if expect is not None:
            check_expect(check, facts, expect, source)
        if args.pdf:
            write_pdf(cdp, check, args.pdf)
        if args.screenshot:
            write_screenshot(cdp, check, args.screenshot, args.width)
    except BrowserError as e:
        check(False, "browser", str(e))
    finally:
        signal.alarm(0)
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)   # let the cleanup finish
        if cdp is not None:
            cdp.close()
        if browser is not None:
            browser.stop()
    print(f"{check.passed} passed, {check.failed} failed")
    return 1 if check.failed else 0


def main():
    p = argparse.ArgumentParser(description="Check an aftersales HTML report in headless Chromium.")
    p.add_argument("report", metavar="REPORT.html")
    p.add_argument("--expect", metavar="EXPECT.json", help="numbers and texts the page must show (see the top of this file)")
    p.add_argument("--screenshot", metavar="OUT.png", help="write a full-page PNG")
    p.add_argument("--pdf", metavar="OUT.pdf", help="print the page to a PDF")
    p.add_argument("--width", type=int, default=1366, help="window width in CSS pixels (default 1366)")
    args = p.parse_args()
    if not 200 <= args.width <= 8000:
        p.error("--width must be between 200 and 8000")

    def stop(signum, frame):
        raise BrowserError(f"stopped by signal {signum}" if signum != signal.SIGALRM
                           else f"the whole check took longer than {TOTAL} s")
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGALRM):
        signal.signal(s, stop)
    signal.alarm(TOTAL)
    try:
        sys.exit(run(args))
    except UsageError as e:
        print(f"check_report.py: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
