#!/usr/bin/env python3
"""What the clerk waits for in the real window on a big group (issue 10's performance figures):
a benchmark, not a test; it prints figures and asserts only that each step happened.

    E2E_SCRIPT=tests/desktop_perf.py PERF_MEMBERS=300000 bash tests/desktop-webdriver.sh

(desktop-webdriver.sh starts Xvfb and tauri-driver and passes APP URL SHOTS CLI DB SAMPLE;
E2E_PROFILE=release makes it use the release binaries, as a clerk's installer would.)

Prepares a generated group of PERF_MEMBERS members (`infoone sample`, offices = members / 150)
and loads its package into the window's database with the CLI (not timed), then measures, in the
window, from WebDriver's clock:
- start to interactive: the app launched until the dashboard shows the month's stepper;
- the members table's first rows on opening the screen, and a search (typed kana) until the
  table shows the filtered total;
- the HR file: import until the proposals are listed, then 「提案中をすべて承認」 until every
  change is decided;
- confirm, all outputs, the deduction results;
and, during each long step, the longest gap of a 10 ms timer in the page (the webview's main
thread: how long the window could not react).
"""

import os
import subprocess
import sys
import time

sys.argv = sys.argv[:7]
import desktop_webdriver as e2e  # noqa: E402  (same directory; reads APP… from sys.argv)
from desktop_webdriver import check, pick_file, wait_for  # noqa: E402

MEMBERS = int(os.environ.get("PERF_MEMBERS", "300000"))
FIGURES = []


def figure(label, seconds):
    FIGURES.append((label, seconds))
    print(f"    {label}: {seconds * 1000:.0f} ms")


def timed(label, start_action, done, timeout=600):
    t = time.time()
    start_action()
    wait_for(label, done, timeout=timeout)
    figure(label, time.time() - t)


def prepare():
    work = os.path.join(os.path.dirname(e2e.SHOTS), f"perf-{MEMBERS}")
    if not os.path.exists(os.path.join(work, "bill-package.json")):
        subprocess.run(
            [e2e.CLI, "sample", "--members", str(MEMBERS), "--offices", str(max(1, MEMBERS // 150)), "--out", work],
            check=True,
        )
    subprocess.run([e2e.CLI, "--db", e2e.DB, "month", "load", os.path.join(work, "bill-package.json")], check=True, capture_output=True)
    return work


def main():
    os.makedirs(e2e.SHOTS, exist_ok=True)
    t = time.time()
    work = prepare()
    print(f"prepared {MEMBERS} members in {time.time() - t:.0f} s (not timed): {work}")

    def open_window(label):
        # The window as a clerk opens it: no --demo (the month is already in its database).
        t = time.time()
        w = e2e.Window.__new__(e2e.Window)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": e2e.APP}}}}
        w.id = e2e.call("POST", "/session", caps)["sessionId"]
        w.shot = 0
        wait_for("the dashboard's stepper", lambda: w.find_all("#stepper [data-step]"), timeout=600)
        figure(label, time.time() - t)
        return w

    # The first start after `infoone month load` computes the month's figures (then kept); the
    # clerk's every later start reads them. The first window stays open a minute, as the clerk's
    # first session would (warm keeps the members table's rows for the next start meanwhile).
    first = open_window("window start to interactive, first start after a load by the CLI")
    time.sleep(60)
    first.close()
    w = open_window("window start to interactive (dashboard with the month), started again")
    try:
        w.snap("perf-dashboard")
        w.watch()
        timed(
            "members: first rows on opening the screen",
            lambda: w.click('[data-nav="members"]'),
            lambda: w.find_all("#members-table [data-employee-no]:not([data-employee-no=''])"),
        )
        all_total = int(w.js("return document.querySelector('#members-total').dataset.total"))
        check(all_total >= MEMBERS, f"the table holds every member ({all_total})")
        el = w.find("#member-search")
        timed(
            "members: a search typed (ｱｲ) until the filtered total shows",
            lambda: e2e.call("POST", w.url(f"/element/{el}/value"), {"text": "ｱｲ"}),
            lambda: int(w.js("return document.querySelector('#members-total').dataset.total")) < all_total,
        )
        w.longest_gap("the members screen")
        w.snap("perf-members")

        w.nav("changes")

        def proposed_count():
            # The number on 「提案中をすべて承認（N）」: every proposal, listed or not.
            el = w.js("const b = document.querySelector('#accept-all'); return b ? b.textContent : ''")
            digits = "".join(ch for ch in str(el) if ch.isdigit())
            return int(digits) if digits else 0

        # The web applications' proposals are listed once the screen has loaded.
        wait_for("the changes screen", lambda: proposed_count() > 0, timeout=600)
        before = proposed_count()
        w.click("#hr-import")
        t = time.time()
        pick_file("人事データを開く", os.path.join(work, "hr.xlsx"))
        w.watch()
        wait_for("the proposals", lambda: proposed_count() > before, timeout=600)
        figure("HR import (xlsx) until the proposals are listed, from the file pick", time.time() - t)
        w.longest_gap("the HR import")
        proposed = w.js("return document.querySelector('#accept-all').textContent")
        timed(
            f"accept all ({proposed.strip()}) until every change is decided",
            lambda: w.click("#accept-all"),
            lambda: not w.find_all('[data-change-id] input[type="checkbox"]:not([disabled])'),
        )
        w.longest_gap("accepting every change")
        check(w.no_error(), "every change accepted")

        w.nav("bill")
        w.click("#confirm")
        if w.find_all("#confirm-yes"):
            w.click("#confirm-yes")
        w.watch()
        t = time.time()
        wait_for("the confirmed bill", lambda: w.find_all("#reopen"), timeout=600)
        figure("confirm until the frozen bill shows", time.time() - t)
        w.longest_gap("the confirmation")

        w.nav("outputs")
        timed(
            "all outputs (invoices, media, Zengin, extract, roster)",
            lambda: (w.click("#export-all"), w.watch()),
            lambda: w.js("const p = document.querySelector('#export-progress'); return p && p.value >= p.max && document.querySelectorAll('[data-export]').length >= 5"),
            timeout=1200,
        )
        w.longest_gap("the outputs")
        check(w.no_error(), "every output written")
        w.snap("perf-outputs")

        w.nav("deductions")
        w.click("#deductions-import")
        t = time.time()
        pick_file("控除結果を開く", os.path.join(work, "deductions.csv"))
        w.watch()
        wait_for("the reconciliation", lambda: w.find_all("#recon"), timeout=600)
        figure("deduction results until the reconciliation shows, from the file pick", time.time() - t)
        w.longest_gap("the deduction import")
        check(w.no_error(), "the deduction results reconciled")
        w.snap("perf-reconciliation")
    except SystemExit:
        try:
            w.snap("perf-failure")
            print("--- the window's text at the failure:\n" + str(w.js("return document.body.innerText"))[:3000])
        except SystemExit as e:
            print(f"(no screenshot of the failure: {e})")
        raise
    finally:
        w.close()
    print(f"\n{MEMBERS} members, in the window:")
    for label, s in FIGURES:
        print(f"  {label:<80} {s * 1000:>8.0f} ms")
    print("  webview main thread, longest gap (ms): " + ", ".join(f"{k} {v}" for k, v in e2e.GAPS.items()))


if __name__ == "__main__":
    main()
