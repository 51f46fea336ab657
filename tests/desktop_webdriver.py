#!/usr/bin/env python3
"""The real desktop window driven over WebDriver (tauri-driver + WebKitWebDriver).

Run by tests/desktop-webdriver.sh, which starts Xvfb and tauri-driver and loads the worked
example into a throw-away INFOONE_HOME. Speaks the W3C WebDriver protocol with the standard
library only (no Selenium to install):

    python3 tests/desktop_webdriver.py APP [WEBDRIVER_URL] [SCREENSHOT.png]

What a clerk does in the month-status window, checked in the rendered page:
- the month field has the keyboard focus when the window opens;
- ↑ moves the month forward one month, ↓ back;
- Enter on 2026-12 shows the worked example's group, state and change counts in Japanese;
- a month written 2026/12 gets a Japanese error naming the expected form;
- a month not loaded gets 見つかりません and says how to load it.
"""

import base64
import http.client
import json
import sys
import time
import urllib.error
import urllib.request

APP = sys.argv[1]
URL = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:4444"
SHOT = sys.argv[3] if len(sys.argv) > 3 else None

# WebDriver's key codes.
ENTER = "\ue007"
ARROW_UP = "\ue013"
ARROW_DOWN = "\ue015"
CTRL = "\ue009"
BACKSPACE = "\ue003"

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def call(method, path, body=None):
    """One WebDriver command. A connection dropped before the answer is retried (up to four times): tauri-driver
    forwards to WebKitWebDriver over pooled connections, and one that the native driver closed
    while idle fails the request before the native driver sees it (seen in CI, and often with both
    cores busy). A command run twice would show in the checks (a month typed twice), never hide."""
    data = None if body is None else json.dumps(body).encode()
    for attempt in range(5):
        req = urllib.request.Request(URL + path, data=data, method=method)
        req.add_header("Content-Type", "application/json; charset=utf-8")
        req.add_header("Connection", "close")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read().decode() or "{}").get("value")
        except urllib.error.HTTPError as e:
            raise SystemExit(f"WebDriver {method} {path} → {e.code}: {e.read().decode(errors='replace')}")
        except (http.client.RemoteDisconnected, ConnectionResetError, urllib.error.URLError) as e:
            if attempt == 4:
                raise SystemExit(f"WebDriver {method} {path}: {e}")
            print(f"note: WebDriver {method} {path}: {e}; retrying")
            time.sleep(0.5)


def wait_for(what, probe, timeout=30.0):
    """probe() until it returns something truthy; fail naming `what`."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = probe()
            if last:
                return last
        except SystemExit as e:  # an element not there yet
            last = e
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what} (last: {last})")


class Session:
    def __init__(self):
        caps = {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": APP}}}}
        value = call("POST", "/session", caps)
        self.id = value["sessionId"]

    def url(self, path):
        return f"/session/{self.id}{path}"

    def find(self, css):
        return call("POST", self.url("/element"), {"using": "css selector", "value": css})[ELEMENT]

    def find_all(self, css):
        return [e[ELEMENT] for e in call("POST", self.url("/elements"), {"using": "css selector", "value": css})]

    def text(self, element):
        return call("GET", self.url(f"/element/{element}/text"))

    def value(self, element):
        return call("GET", self.url(f"/element/{element}/property/value"))

    def type(self, element, keys):
        call("POST", self.url(f"/element/{element}/value"), {"text": keys})

    def clear(self, element):
        call("POST", self.url(f"/element/{element}/clear"), {})

    def active(self):
        return call("GET", self.url("/element/active"))[ELEMENT]

    def run(self, script, *args):
        return call("POST", self.url("/execute/sync"), {"script": script, "args": list(args)})

    def screenshot(self, path):
        png = call("GET", self.url("/screenshot"))
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))

    def close(self):
        call("DELETE", self.url(""))


def check(cond, message):
    if not cond:
        raise SystemExit("FAILED: " + message)
    print("ok  " + message)


def result_text(s):
    """The text of the result area once it shows a status or an error."""
    return wait_for("the month's status or an error", lambda: s.text(s.find(".result")) if s.find_all(".status, .error") else None)


def main():
    s = Session()
    try:
        month = wait_for("the month field", lambda: s.find("#month"))
        check(wait_for("focus on the month field", lambda: s.run("return document.activeElement && document.activeElement.id") == "month"),
              "the month field has the keyboard focus when the window opens")
        title = s.text(s.find("h1"))
        check("団体月次事務" in title, f"the window's heading is Japanese ({title})")

        s.clear(month)
        s.type(month, "2026-12")
        s.type(month, ARROW_UP)
        check(s.value(month) == "2027-01", f"↑ moves to the next month ({s.value(month)})")
        s.type(month, ARROW_DOWN + ARROW_DOWN)
        check(s.value(month) == "2026-11", f"↓ moves back ({s.value(month)})")

        s.clear(month)
        s.type(month, "2026-12" + ENTER)
        text = result_text(s)
        for want in ["G0001", "2026-12", "調整中", "未確定", "提案中", "承認済み", "却下"]:
            check(want in text, f"the status of 2026-12 shows {want}" + ("" if want in text else f" — it shows: {text!r}"))
        # The worked example's package carries one Web application (W0001), proposed.
        counts = [s.text(e) for e in s.find_all(".counts td")]
        check(counts[0].startswith("1"), f"one proposed change (W0001) is counted ({counts})")
        if SHOT:
            s.screenshot(SHOT)
            print(f"ok  screenshot {SHOT}")

        s.clear(month)
        s.type(month, "2026/12" + ENTER)
        err = wait_for("the error", lambda: s.text(s.find(".error")) if s.find_all(".error") else None)
        check("入力に誤りがあります" in err and "bad_input" in err, f"2026/12 is refused as bad input ({err!r})")

        s.clear(month)
        s.type(month, "2030-01" + ENTER)
        err = wait_for("the not-found error", lambda: (t := s.text(s.find(".error"))) and "見つかりません" in t and t)
        check("infoone month load" in err, f"a month not loaded says how to load it ({err!r})")
    finally:
        s.close()
    print("desktop WebDriver checks passed")


if __name__ == "__main__":
    main()
