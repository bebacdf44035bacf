"""Benchmark: how fast the explorer answers in a real browser, page by page, on an AnnoMI-sized run.

Starts the explorer (the command ``topics explore`` runs) on 127.0.0.1 with a
free port, drives headless Chromium with Selenium and prints, per page:

* the first draw of the page after the server started (a new browser session),
  then a second visit in another new session, both also in privacy mode;
* warm interactions: a word look-up, a search, another session, a merge
  preview, the privacy toggle, a rename (an edit, saved to the log), and the
  first draw of every page after that edit, which must show it.

A page counts as drawn when Streamlit's script has finished (its app root says
``notRunning``, no element is stale) and the page's main elements are present
(plotly charts drawn, tables drawn, the last input or button there).

With ``--baseline REF`` the same measurements run on the code at git ``REF``
(unpacked with ``git archive`` into a temporary folder, served by the same
Python), alternated with the working tree's code, each on its own copy of the
run, so both columns come from the same machine state.

    .venv/bin/python benchmarks/explorer_speed.py [--run RUN] [--baseline REF] [--rounds 1]

Without ``--run`` it fits AnnoMI (joint and per-group models, ``configs/annomi.yaml``; the corpus is read from
``../shared``, never copied) into a temporary folder. Goals (issue 26): every first draw <= 2 s, every
interaction <= 1 s, on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chromium import chromium  # noqa: E402  (benchmarks/chromium.py)

from topics.explorer.launch import streamlit_command  # noqa: E402

#: Streamlit has run the page's script to its end and drawn every element it sent
SETTLED = """
const app = document.querySelector("[data-testid='stApp']");
return !!app && app.getAttribute("data-test-script-state") === "notRunning"
    && !document.querySelector("[data-stale='true']")
    && !document.querySelector("[data-testid='stSpinner']");
"""

#: per page: (CSS selector, how many must be present); plotly charts count once their SVG is drawn
MAIN = {
    "overview": [("[data-testid='stDataFrame'] canvas", 1), ("[data-testid='stPlotlyChart'] .main-svg", 2)],
    "topic": [("[data-testid='stPlotlyChart'] .main-svg", 1), ("[data-testid='stDataFrame'] canvas", 3)],
    "remarks": [("[data-testid='stDataFrame'] canvas", 1)],
    "words": [("input[aria-label='Word or phrase']", 1)],
    "groups": [("[data-testid='stPlotlyChart'] .main-svg", 1), ("[data-testid='stDataFrame'] canvas", 3)],
    "sessions": [("[data-testid='stPlotlyChart'] .main-svg", 1), ("[data-testid='stExpander']", 1)],
    "curate": [("input[aria-label='New label']", 1), ("[data-testid='stDataFrame'], [data-testid='stCaption']", 1)],
    "profile": [("[data-testid='stFileUploader']", 1)],
    "report": [("[data-testid='stDownloadButton']", 1)],
}
PRIVATE_PAGES = ["overview", "topic", "remarks", "words", "groups", "sessions", "curate", "report"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def annomi_run(folder: Path) -> Path:
    """A fresh fit of AnnoMI with the joint and per-group models."""
    from topics.core.config import load_config
    from topics.fit.pipeline import fit_run

    return fit_run(load_config(ROOT / "configs" / "annomi.yaml"), out=folder / "annomi").path


def baseline_tree(ref: str, folder: Path) -> Path:
    """The package at git ``ref``, unpacked (``git archive``: the repository itself is only read)."""
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


class Server:
    """The explorer's server on a copy of ``run``, with the package found in ``code``; stopped by its PID."""

    def __init__(self, code: Path, run: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(code)}
        command = streamlit_command(run, self.port)
        self.process = subprocess.Popen(
            command,
            cwd=code,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started = time.perf_counter()
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2)
                break
            except OSError:
                if self.process.poll() is not None or time.perf_counter() - started > 180:
                    self.stop()
                    raise RuntimeError("the explorer did not start") from None
                time.sleep(0.2)
        self.started_in = time.perf_counter() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(15)


def drawn(driver, page: str, text: str | None = None) -> bool:
    """Whether ``page`` is drawn: the script finished, its main elements present, and ``text`` on it if given."""
    if not driver.execute_script(SETTLED):
        return False
    for selector, count in MAIN[page]:
        if len(driver.execute_script("return document.querySelectorAll(arguments[0])", selector)) < count:
            return False
    return text is None or text in shown_text(driver)


def shown_text(driver) -> str:
    """The page's text and the values of its inputs (a select box shows its choice in one)."""
    return driver.execute_script(
        "return document.body.innerText + [...document.querySelectorAll('input')].map(e => e.value).join('\\n')"
    )


def until(driver, condition, timeout: float = 180.0, settle: float = 0.0) -> float:
    """Poll ``condition(driver)`` every 20 ms from now; the seconds until it first held (and held again
    ``settle`` seconds later, so a rerun that starts just after cannot pass for the end)."""
    start = time.perf_counter()
    while True:
        if condition(driver):
            at = time.perf_counter() - start
            if not settle:
                return at
            time.sleep(settle)
            if condition(driver):
                return at
        if time.perf_counter() - start > timeout:
            raise TimeoutError(driver.execute_script("return document.body.innerText")[:2000])
        time.sleep(0.02)


def visit(driver, url: str, page: str, query: str = "", text: str | None = None) -> float:
    """Seconds from navigating to ``page`` (a new Streamlit session) until it is drawn."""
    driver.get("about:blank")
    start = time.perf_counter()
    driver.get(f"{url}/{page}{query}")
    until(driver, lambda d: drawn(d, page, text), settle=0.3)
    return time.perf_counter() - start


#: notes in the page when Streamlit starts running its script again (a rerun), so an answer drawn before the rerun
#: that an action causes cannot pass for the rerun's end
WATCH = """
window.__reran = false;
const app = document.querySelector("[data-testid='stApp']");
new MutationObserver(() => {
    if (app.getAttribute("data-test-script-state") !== "notRunning") window.__reran = true;
}).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
"""


def act(driver, page: str, action, text: str, gone: str | None = None) -> float:
    """Seconds from ``action(driver)`` until the page has run again and is drawn with ``text`` on it (and
    ``gone`` not)."""
    driver.execute_script(WATCH)
    start = time.perf_counter()
    action(driver)

    def done(d) -> bool:
        if not d.execute_script("return window.__reran") or not drawn(d, page, text):
            return False
        return gone is None or gone not in shown_text(d)

    until(driver, done, settle=0.3)
    return time.perf_counter() - start


def typed(label: str, words: str, enter: bool = True):
    """An action: replace the text input ``label``'s value with ``words`` and press Enter (or not)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    def action(driver) -> None:
        box = driver.find_element(By.CSS_SELECTOR, f'input[aria-label="{label}"]')
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(words, *([Keys.ENTER] if enter else []))

    return action


def chosen(label: str, option: str):
    """An action: open the select box ``label`` and click the option ``option`` (or the first that starts with it,
    when it ends in ": ")."""
    from selenium.webdriver.common.by import By

    def action(driver) -> None:
        box = driver.find_element(By.XPATH, f"//div[@data-testid='stSelectbox'][.//input[@aria-label='{label}']]")
        box.find_element(By.CSS_SELECTOR, "button[aria-label='Open']").click()
        deadline = time.time() + 30
        while time.time() < deadline:
            for candidate in driver.find_elements(By.CSS_SELECTOR, "[role='option']"):
                found = candidate.text.strip()
                if found == option or (option.endswith(": ") and found.startswith(option)):
                    candidate.click()
                    return
            time.sleep(0.02)
        raise TimeoutError(f"no option {option!r} in {label!r}")

    return action


def clicked(xpath: str):
    from selenium.webdriver.common.by import By

    return lambda driver: driver.find_element(By.XPATH, xpath).click()


TITLES = {"profile": "Profile a session"}


def sidebar_link(page: str):
    """An action: click the sidebar's link to ``page`` (Streamlit switches pages in the same session)."""
    from selenium.webdriver.common.by import By

    title = TITLES.get(page, page.capitalize())
    return lambda driver: driver.find_element(
        By.XPATH, f"//a[@data-testid='stSidebarNavLink'][.//*[normalize-space(text())='{title}']]"
    ).click()


def privacy_switch(driver) -> None:
    from selenium.webdriver.common.by import By

    switch = driver.find_element(By.CSS_SELECTOR, "input[aria-label='Privacy mode']")
    driver.execute_script("arguments[0].click()", switch)  # a click in the page: nothing drawn over it matters


def measure(driver, url: str, run: Path) -> dict[str, float]:
    """Every figure of one server, by row name."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from topics import load_run

    opened = load_run(run)
    topics = opened.joint.topics
    word = topics[0].top_words(1)[0]
    sessions = sorted(opened.remarks["session"].astype(str).unique())
    figures: dict[str, float] = {}
    figures["warm-up: profile page (browser loads Streamlit)"] = visit(driver, url, "profile")
    for page in MAIN:
        figures[f"{page}: first draw"] = visit(driver, url, page)
        figures[f"{page}: again (new session)"] = visit(driver, url, page)
    for page in PRIVATE_PAGES:
        figures[f"{page}: first draw, privacy mode"] = visit(driver, url, page, "?privacy=on")
        figures[f"{page}: again, privacy mode"] = visit(driver, url, page, "?privacy=on")
    # as a reader moves through the explorer: one session, a click on each page's link in the sidebar
    for query, mode in (("", ""), ("?privacy=on", ", privacy mode")):
        visit(driver, url, "profile", query)
        for page in MAIN:
            if page != "profile":
                figures[f"{page}: from the sidebar{mode}"] = act(driver, page, sidebar_link(page), "")

    # warm interactions, each in a session that has drawn its page once
    visit(driver, url, "words")
    figures["words: look up a word"] = act(driver, "words", typed("Word or phrase", word), f"say {word!r}")
    figures["words: look up another"] = act(driver, "words", typed("Word or phrase", "drink"), "say 'drink'")
    visit(driver, url, "topic")
    figures["topic: search its remarks"] = act(
        driver, "topic", typed("Search this topic's remarks", "you"), "remark(s) shown of", gone="(of 1)"
    )
    figures["topic: open another topic"] = act(
        driver, "topic", chosen("Topic", f"{topics[1].id}: "), topics[1].label, gone=topics[0].label
    )
    visit(driver, url, "remarks")
    figures["remarks: search"] = act(driver, "remarks", typed("Search text", "drink"), "remark(s) found")
    visit(driver, url, "sessions")
    figures["sessions: another session"] = act(driver, "sessions", chosen("Session", sessions[1]), f"\n{sessions[1]}\n")
    figures["sessions: another client label"] = act(
        driver, "sessions", chosen("Client label", "(none)"), "Across sessions", gone="client responds"
    )
    visit(driver, url, "groups")
    figures["groups: privacy mode on"] = act(driver, "groups", privacy_switch, "Findings")
    figures["groups: privacy mode off"] = act(driver, "groups", privacy_switch, "Findings")
    visit(driver, url, "overview")
    figures["overview: privacy mode on"] = act(driver, "overview", privacy_switch, "Intertopic map")
    visit(driver, url, "report")
    figures["report: Markdown"] = act(
        driver, "report", clicked("//label[.//p[text()='Markdown']]"), "Download Markdown"
    )

    visit(driver, url, "curate", "?author=Benchmark")

    def pick_two(d) -> None:
        for prefix in ("1", "2"):
            chooser = d.find_element(By.CSS_SELECTOR, "input[aria-label*='Topics to merge']")
            chooser.click()
            chooser.send_keys(prefix)
            time.sleep(0.3)
            chooser.send_keys(Keys.ENTER)
            time.sleep(0.3)

    figures["curate: preview a merge (two topics chosen)"] = act(driver, "curate", pick_two, "Preview:")
    figures["curate: rename (saved to the log)"] = act(
        driver,
        "curate",
        lambda d: (
            typed("New label", "Benchmark label", enter=False)(d),
            d.find_element(By.XPATH, "//button[.//p[text()='Rename']]").click(),
        ),
        "Saved. Renamed topic",
    )
    # where the new label is in the page's text (tables are drawn on a canvas: their text is not)
    shows = {page: "Benchmark label" for page in ("overview", "topic", "curate", "report")}
    for page in MAIN:
        figures[f"{page}: first draw after the rename"] = visit(driver, url, page, text=shows.get(page))
    visit(driver, url, "curate", "?author=Benchmark")
    pick_two(driver)
    until(driver, lambda d: drawn(d, "curate", "Preview:"), settle=0.3)
    figures["curate: merge two topics (saved to the log)"] = act(
        driver, "curate", clicked("//button[.//p[text()='Merge 2 topics']]"), "Saved. Merged topic"
    )
    for page in ("overview", "groups", "sessions"):
        figures[f"{page}: first draw after the merge"] = visit(driver, url, page)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", help="a fitted run folder (copied; never changed); default: fit AnnoMI")
    parser.add_argument("--baseline", help="git ref of the code to compare against (e.g. the branch point)")
    parser.add_argument("--rounds", type=int, default=1, help="servers started per code version, alternated")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="explorer-speed-"))
    try:
        started = time.perf_counter()
        run = Path(args.run) if args.run else annomi_run(scratch)
        if not args.run:
            print(f"fitted AnnoMI in {time.perf_counter() - started:.0f} s", flush=True)
        versions = {"now": ROOT}
        if args.baseline:
            versions = {f"baseline {args.baseline}": baseline_tree(args.baseline, scratch / "baseline")} | versions
        results: dict[str, dict[str, list[float]]] = {v: defaultdict(list) for v in versions}
        driver = chromium(scratch / "chromium")
        try:
            for round_ in range(args.rounds):
                for index, (version, code) in enumerate(versions.items()):
                    copy = scratch / f"run-{round_}-{index}" / run.name
                    shutil.copytree(run, copy)
                    server = Server(code, copy)
                    try:
                        results[version]["server start (run opened)"].append(server.started_in)
                        for name, seconds in measure(driver, server.url, copy).items():
                            results[version][name].append(seconds)
                    finally:
                        server.stop()
                    print(f"round {round_ + 1}: {version} measured", flush=True)
        finally:
            driver.quit()
        report(results, run)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def report(results: dict[str, dict[str, list[float]]], run: Path) -> None:
    import pandas as pd

    remarks = len(pd.read_parquet(run / "remarks.parquet"))
    load = os.getloadavg()
    print(
        f"\nExplorer speed on {run.name} ({remarks:,} remarks), {os.cpu_count()} cores, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; seconds, median of rounds"
    )
    names = list(next(iter(results.values())))
    width = max(map(len, names)) + 2
    print("".ljust(width) + "".join(v.rjust(18) for v in results))
    for name in names:
        cells = [statistics.median(results[v][name]) if results[v].get(name) else None for v in results]
        print(name.ljust(width) + "".join(("-" if c is None else f"{c:.2f}").rjust(18) for c in cells))


if __name__ == "__main__":
    main()
