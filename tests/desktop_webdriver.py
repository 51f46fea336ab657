#!/usr/bin/env python3
"""The clerk's whole month in the real desktop window, driven over WebDriver (tauri-driver +
WebKitWebDriver) with mouse and keyboard, against the local insurer over real TLS.

Run by tests/desktop-webdriver.sh, which starts Xvfb and tauri-driver and gives the app a
throw-away INFOONE_HOME. Speaks the W3C WebDriver protocol with the standard library only. The
native file dialogs (GTK, opened by the app from Rust) are real: the test types the file's path
into them with xdotool, as a clerk would type it.

    python3 tests/desktop_webdriver.py APP WEBDRIVER_URL SHOTS_DIR CLI DB SAMPLE_DIR

The walk: load the month from the insurer; an HR file that is refused (nothing changes), then
the good one; review and accept every change; a manual withdrawal; confirm, with the amounts on
screen equal to `infoone bill show --json`; every output with its progress bar; the payroll's
deduction results and the reconciliation; one click to submit, and the receipt number shown. A
screenshot of each step goes to SHOTS_DIR; the user's actions are counted (clicks, Enter, file
picks, typed fields) and printed.
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

APP, URL, SHOTS, CLI, DB, SAMPLE = sys.argv[1:7]

ENTER = "\ue007"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
ACTIONS = {"click": 0, "enter": 0, "typed field": 0, "file pick": 0}
GAPS = {}


def call(method, path, body=None):
    """One WebDriver command. A connection dropped before the answer is retried (up to four
    times): tauri-driver forwards over pooled connections, and one the native driver closed while
    idle fails before the native driver sees it (seen in CI under load)."""
    data = None if body is None else json.dumps(body).encode()
    for attempt in range(5):
        req = urllib.request.Request(URL + path, data=data, method=method)
        req.add_header("Content-Type", "application/json; charset=utf-8")
        req.add_header("Connection", "close")
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.loads(r.read().decode() or "{}").get("value")
        except urllib.error.HTTPError as e:
            raise SystemExit(f"WebDriver {method} {path} → {e.code}: {e.read().decode(errors='replace')}")
        except (http.client.RemoteDisconnected, ConnectionResetError, urllib.error.URLError) as e:
            if attempt == 4:
                raise SystemExit(f"WebDriver {method} {path}: {e}")
            print(f"note: WebDriver {method} {path}: {e}; retrying")
            time.sleep(0.5)


def wait_for(what, probe, timeout=60.0):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = probe()
            if last:
                return last
        except SystemExit as e:
            last = e
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what} (last: {last})")


def check(cond, message):
    if not cond:
        raise SystemExit("FAILED: " + message)
    print("ok  " + message)


class Window:
    def __init__(self):
        opts = {"application": APP, "args": ["--demo", os.path.join(SAMPLE, "bill-package.json")]}
        caps = {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": opts}}}
        self.id = call("POST", "/session", caps)["sessionId"]
        self.shot = 0

    def url(self, path):
        return f"/session/{self.id}{path}"

    def find_all(self, css):
        return [e[ELEMENT] for e in call("POST", self.url("/elements"), {"using": "css selector", "value": css})]

    def find(self, css):
        return wait_for(css, lambda: (self.find_all(css) or [None])[0])

    def text(self, css):
        return call("GET", self.url(f"/element/{self.find(css)}/text"))

    def js(self, script, *args):
        return call("POST", self.url("/execute/sync"), {"script": script, "args": list(args)})

    def click(self, css):
        ACTIONS["click"] += 1
        el = self.find(css)
        wait_for(f"{css} enabled", lambda: call("GET", self.url(f"/element/{el}/enabled")))
        call("POST", self.url(f"/element/{el}/click"), {})

    def type(self, css, text, enter=False):
        ACTIONS["typed field"] += 1
        el = self.find(css)
        call("POST", self.url(f"/element/{el}/clear"), {})
        call("POST", self.url(f"/element/{el}/value"), {"text": text})
        if enter:
            ACTIONS["enter"] += 1
            call("POST", self.url(f"/element/{el}/value"), {"text": ENTER})

    def select(self, css, value):
        """Choose an option of a <select> with the keyboard's equivalent: one action."""
        ACTIONS["click"] += 1
        el = self.find(css)
        self.js(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}));"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            {ELEMENT: el},
            value,
        )

    def watch(self):
        """Start measuring the webview's main thread: a 10 ms timer that records the longest gap
        between its ticks (a gap is time the page could not run, i.e. the window froze)."""
        self.js(
            "window.__gap = {max: 0, last: performance.now()};"
            "clearInterval(window.__tick);"
            "window.__tick = setInterval(() => { const n = performance.now();"
            " window.__gap.max = Math.max(window.__gap.max, n - window.__gap.last); window.__gap.last = n; }, 10);"
        )

    def longest_gap(self, what):
        """The longest gap since `watch`, in ms, printed (a benchmark figure, not asserted)."""
        ms = self.js("const n = performance.now(); return Math.round(Math.max(window.__gap.max, n - window.__gap.last));")
        GAPS[what] = ms
        print(f"    webview main thread: longest gap during {what}: {ms} ms")
        self.watch()
        return ms

    def nav(self, screen):
        self.click(f'[data-nav="{screen}"]')
        self.find(f'[data-screen="{screen}"]')

    def no_error(self):
        return not self.find_all("#error")

    def error(self):
        return wait_for("the error banner", lambda: self.find_all("#error") and self.text("#error"))

    def snap(self, name):
        """The whole X screen (ImageMagick's import): WebKitWebDriver's own screenshot waits for a
        paint that a window under Xvfb sometimes never gets, and hangs."""
        self.shot += 1
        path = os.path.join(SHOTS, f"{self.shot:02d}-{name}.png")
        time.sleep(0.3)
        subprocess.run(["import", "-window", "root", path], check=True, timeout=30)
        print(f"    screenshot {path}")

    def close(self):
        call("DELETE", self.url(""))


def pick_file(title, path):
    """The native GTK dialog the app opened: focus it, open its location bar (Ctrl+L), type the
    path, Enter. On a loaded machine the first keys can arrive before the dialog has drawn its
    location bar and be lost (seen in CI: the dialog stayed open); then the clerk's own remedy is
    taken, up to three times: Ctrl+L again, select what is there, type the path again."""
    ACTIONS["file pick"] += 1

    def visible():
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title], capture_output=True, text=True)
        return out.stdout.split()

    wid = wait_for(f"the dialog 「{title}」", visible)[0]
    time.sleep(0.5)
    for attempt in range(3):
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=False)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+l"], check=True)
        time.sleep(0.6 + attempt)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+a"], check=True)
        subprocess.run(["xdotool", "type", "--delay", str(30 + 30 * attempt), path], check=True)
        time.sleep(0.5 + attempt)
        subprocess.run(["xdotool", "key", "Return"], check=True)
        try:
            wait_for("the dialog to close", lambda: not visible(), timeout=20.0)
            return
        except SystemExit as e:
            print(f"note: the dialog 「{title}」 is still open after attempt {attempt + 1} ({e}); typing the path again")
            if not visible():
                return
            wid = visible()[0]
    raise SystemExit(f"FAILED: the dialog 「{title}」 did not take the path {path} in three attempts")


def yen(text):
    return int(text.replace(",", "").replace("円", "").replace("¥", "").replace("￥", "").strip())


def bill_show():
    out = subprocess.run([CLI, "--db", DB, "bill", "show", "--month", "2026-12", "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"infoone bill show failed: {out.stderr}")
    return json.loads(out.stdout)


def main():
    os.makedirs(SHOTS, exist_ok=True)
    work = tempfile.mkdtemp()
    bad_hr = os.path.join(work, "bad-hr.csv")
    with open(bad_hr, "w", encoding="utf-8") as f:
        f.write("社員番号,氏名,事業所コード,生年月日\n000001,山田,O001,1990-13-45\n")
    w = Window()
    try:
        w.find('[data-screen="dashboard"]')
        # The webview keeps the language chosen in an earlier run (localStorage): start in
        # Japanese, the default a new clerk sees (not one of the month's actions).
        if "日本語" in w.text("#lang"):
            w.js("document.querySelector('#lang').click()")
        wait_for("the Japanese window", lambda: "English" in w.text("#lang"))
        w.snap("empty")

        # 1. Load the month from the insurer (HTTPS, the demo insurer).
        w.nav("load")
        w.type("#month-to-load", "2026-12")
        w.click("#load-server")
        wait_for("the loaded month", lambda: "G0002" in (w.js("const s = document.querySelector('#month-select'); return s && s.selectedOptions.length ? s.selectedOptions[0].textContent : ''") or ""))
        check(w.no_error(), "the month is fetched from the insurer and loaded")
        w.snap("loaded")

        # 2. An HR file that is refused: a positioned error, nothing changes.
        w.nav("changes")
        before = len(w.find_all("[data-change-id]"))
        w.click("#hr-import")
        pick_file("人事データを開く", bad_hr)
        err = w.error()
        check("bad-hr.csv" in err, f"the refused HR file is named with its problem ({err[:80]!r})")
        check(w.js("return document.querySelector('#error').dataset.code") == "bad_input", "the error's code is bad_input")
        check(len(w.find_all("[data-change-id]")) == before, "a refused file proposes nothing")
        w.snap("hr-refused")

        # 3. The good file, reviewed, accepted.
        w.click("#hr-import")
        pick_file("人事データを開く", os.path.join(SAMPLE, "hr.xlsx"))
        w.watch()
        wait_for("the proposed changes", lambda: len(w.find_all("[data-change-id]")) > before)
        w.longest_gap("the HR import")
        check(w.no_error(), "the HR file is imported")
        w.snap("hr-review")
        w.click("#accept-all")
        wait_for("every change decided", lambda: not w.find_all('[data-change-id] input[type="checkbox"]:not([disabled])'))
        w.longest_gap("accepting every change")
        check(w.no_error(), "every proposed change is accepted")

        # 4. A manual withdrawal (a paper form), accepted at once.
        doc = bill_show()
        enrollment = next(l["enrollment"] for o in doc["offices"] for l in o["lines"] if l["kind"] == "regular")
        w.select("#manual-kind", "withdrawal")
        w.type("#wd-enrollment", enrollment)
        w.type("#wd-date", "2026-12-10")
        w.select("#wd-option", "end")
        w.click("#manual-submit")
        wait_for("the withdrawal in the list", lambda: enrollment in w.text('[data-screen="changes"]'))
        check(w.no_error(), f"the withdrawal of {enrollment} is accepted")
        w.snap("withdrawal")

        # 5. Confirm; the amounts on screen are the bill's.
        w.nav("bill")
        w.click("#confirm")
        if w.find_all("#confirm-yes"):
            w.click("#confirm-yes")
        w.watch()
        wait_for("the confirmed bill", lambda: w.find_all("#reopen"))
        w.longest_gap("the confirmation")
        doc = bill_show()
        check(doc["state"] == "confirmed" and doc["revision"] == 1, "the month is confirmed (第1版)")
        for o in doc["offices"]:
            for field in ["premium_total", "fee", "fee_tax", "invoice_amount"]:
                shown = yen(w.text(f'[data-office="{o["code"]}"] [data-field="{field}"]'))
                if shown != o[field]:
                    raise SystemExit(f"FAILED: {o['code']} {field}: the window shows {shown}, bill show says {o[field]}")
        print(f"ok  every office's premium, fee, tax and invoice amount on screen = infoone bill show --json ({len(doc['offices'])} offices)")
        w.snap("bill-confirmed")

        # 6. Every output, with its progress bar.
        w.nav("outputs")
        w.click("#export-all")
        w.watch()
        wait_for("the outputs", lambda: w.js("const p = document.querySelector('#export-progress'); return p && p.value >= p.max && document.querySelectorAll('[data-export]').length >= 5"), timeout=180)
        w.longest_gap("the outputs")
        check(w.no_error(), "invoices, payroll media, Zengin, extract and roster are written")
        previews = w.find_all('[data-export] [data-open$=".pdf"]')
        check(len(previews) > 0, f"each invoice PDF has its preview button ({len(previews)} shown)")
        w.snap("outputs")

        # 7. The payroll's deduction results; the reconciliation.
        w.nav("deductions")
        w.click("#deductions-import")
        pick_file("控除結果を開く", os.path.join(SAMPLE, "deductions.csv"))
        w.watch()
        recon = wait_for("the reconciliation", lambda: w.find_all("#recon") and w.text("#recon"))
        w.longest_gap("the deduction import")
        check(w.no_error() and "000147" in recon, "the deduction results are reconciled member by member")
        w.snap("reconciliation")
        w.click("#recon-export")
        note = wait_for("the reconciliation workbook", lambda: w.find_all("#notice") and "xlsx" in w.text("#notice") and w.text("#notice"))
        check(w.no_error(), f"the reconciliation is exported to Excel ({note.strip()[-60:]})")

        # 8. One click: submitted, the receipt number shown.
        w.nav("report")
        w.click("#submit-report")
        receipt = wait_for("the receipt number", lambda: w.find_all("#receipt-no") and w.text("#receipt-no").strip())
        check(any(c.isdigit() for c in receipt), f"the insurer's receipt number is shown ({receipt})")
        check(bill_show()["state"] == "reported", "the month is reported")
        w.snap("submitted")
        w.nav("dashboard")
        w.snap("dashboard-reported")
        month_actions = dict(ACTIONS)

        # The other main screens, for the pictures (not counted in the month's actions).
        w.nav("members")
        w.find("#members-table [data-employee-no], #members-table tbody tr")
        w.type("#member-search", "ヤマ")
        time.sleep(1)
        w.snap("members")
        w.nav("settings")
        card = wait_for("the data protection card", lambda: w.find_all("#protection-encryption") and w.text("#protection"))
        check("暗号化されています" in card, "the settings screen says the database is encrypted")
        if os.environ.get("INFOONE_E2E_SESSION") == "keyring":
            check("キーリング" in card and not w.find_all("#protection-key-warning"), "its key is in the OS keyring (a real Secret Service)")
        else:
            check(w.find_all("#protection-key-warning"), "without a keyring its key is in a file beside the database, and the card warns")
        check(w.find_all('[data-backup*="before-confirm"]'), "the backup made before the confirmation is listed")
        w.js("document.querySelector('#protection').scrollIntoView()")
        w.snap("settings")
        # Back to the moment before the confirmation, in two clicks: the month is adjusting
        # again and the database as it was is kept as a backup.
        w.click('[data-backup*="before-confirm"] [data-restore]')
        w.click("[data-restore-yes]")
        wait_for("the restored month", lambda: bill_show()["state"] == "adjusting")
        check(w.no_error() and w.find_all('[data-backup*="before-restore"]'), "a backup is restored in the window and the replaced database kept")
        w.snap("settings-restored")
        w.click("#lang")
        w.nav("bill")
        w.snap("bill-english")
        w.click("#lang")
    except SystemExit:
        try:
            w.snap("failure")
            print("--- the window's text at the failure:\n" + str(w.js("return document.body.innerText"))[:3000])
        except SystemExit as e:
            print(f"(no screenshot of the failure: {e})")
        raise
    finally:
        w.close()
    print("webview main thread, longest gap per step (ms): " + ", ".join(f"{k} {v}" for k, v in GAPS.items()))
    total = sum(month_actions.values())
    print("user actions for the month: " + ", ".join(f"{k} {v}" for k, v in month_actions.items()) + f" — {total} in all")
    check(total <= 30, f"the whole month takes at most 30 user actions ({total})")
    print("desktop WebDriver month walk passed")


if __name__ == "__main__":
    main()
