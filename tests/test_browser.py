"""End to end in a real browser: Streamlit as a subprocess, headless Chromium driven by Selenium."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from topics.explorer.launch import streamlit_command

pytestmark = pytest.mark.slow  # headless Chromium against a real server: the full suite, not the fast tier

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def explorer(tmp_path):
    from conftest import FakeEncoder

    from topics.core.config import load_config
    from topics.fit.pipeline import fit_run

    run = fit_run(load_config("configs/tiny.yaml", ["fit.modes=[joint]"]), out=tmp_path / "run", encoder=FakeEncoder())
    port = free_port()
    server = subprocess.Popen(
        streamlit_command(run.path, port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                time.sleep(0.5)
        else:
            pytest.fail("the explorer did not start within 90 s")
        yield run.path, f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # stopped by PID, whatever happens
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


@pytest.fixture
def browser(tmp_path):
    assert CHROMIUM and CHROMEDRIVER, "chromium and chromium-driver are installed by ./run test"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def text_input(driver, label):
    return WebDriverWait(driver, 60).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, f"input[aria-label='{label}']"))
    )


def test_rename_a_topic_in_the_browser(explorer, browser, tmp_path):
    folder, url = explorer
    wait = WebDriverWait(browser, 60)
    browser.get(f"{url}/curate")
    author = text_input(browser, "Your name")
    author.send_keys("Dr Browser", Keys.TAB)
    label = text_input(browser, "New label")
    label.send_keys("Setting the agenda together")
    button = wait.until(EC.element_to_be_clickable((By.XPATH, "//button[.//p[text()='Rename']]")))
    button.click()
    wait.until(lambda d: "Saved. Renamed topic" in d.page_source)
    browser.save_screenshot(str(tmp_path / "explorer-curate.png"))
    wait.until(lambda d: (folder / "edits.jsonl").exists() and "Saved. Renamed topic" in d.page_source)
    # the topic selector stays on the topic just renamed (now shown with its new label); the form is cleared
    wait.until(lambda d: "0: Setting the agenda together" in d.page_source)  # the select's shown value
    assert text_input(browser, "New label").get_attribute("value") == ""
    entry = json.loads((folder / "edits.jsonl").read_text().splitlines()[-1])
    assert (
        entry["op"] == "rename" and entry["label"] == "Setting the agenda together" and entry["author"] == "Dr Browser"
    )

    browser.get(url)  # a reload, as another person would open it: the overview is the main page
    wait.until(lambda d: "Setting the agenda together" in d.find_element(By.TAG_NAME, "body").text)
    assert "Page not found" not in browser.find_element(By.TAG_NAME, "body").text
    browser.save_screenshot(str(tmp_path / "explorer-overview.png"))
    assert (tmp_path / "explorer-overview.png").stat().st_size > 10_000


def test_the_words_page_and_the_merge_list_in_the_browser(explorer, browser, tmp_path):
    from topics import load_run

    folder, url = explorer
    wait = WebDriverWait(browser, 60)
    topic = load_run(folder).joint.topics[1]
    word = topic.top_words(1)[0]
    browser.get(f"{url}/words")
    text_input(browser, "Word or phrase").send_keys(word, Keys.ENTER)
    wait.until(lambda d: f"say {word!r}" in d.find_element(By.TAG_NAME, "body").text)
    # the topic whose top word it is, with example remarks: drawn after the caption, so wait for it too
    wait.until(lambda d: f"{topic.id}. {topic.label}" in d.find_element(By.TAG_NAME, "body").text)

    browser.get(f"{url}/curate")
    text_input(browser, "Your name").send_keys("Dr Browser", Keys.TAB)
    wait.until(lambda d: "author=Dr" in d.current_url)  # the name's rerun has run: it cannot swallow what we type

    def offered_after_typing(prefix: str) -> list[str]:
        """Type ``prefix`` into the merge list and read the options it offers (typed again if a rerun ate it)."""
        for _ in range(3):
            chooser = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "input[aria-label*='Topics to merge']")))
            chooser.click()
            chooser.send_keys(prefix)
            try:
                return WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
                    lambda d, chooser=chooser: (
                        chooser.get_attribute("value") == prefix
                        and [o.text for o in d.find_elements(By.CSS_SELECTOR, "[role='option']")]
                    )
                )
            except TimeoutException:
                chooser.send_keys(Keys.ESCAPE)
        pytest.fail(
            f"the merge list offered nothing after typing {prefix!r}; the page read:\n"
            + browser.find_element(By.TAG_NAME, "body").text[:3000]
        )

    # only topics whose id starts with what was typed are offered: no "select all matches"
    options = offered_after_typing("3")
    assert all(o.startswith("3") for o in options), options
    browser.find_element(By.CSS_SELECTOR, "input[aria-label*='Topics to merge']").send_keys(Keys.ENTER)
    wait.until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid='stMultiSelectTagsContainer'] [data-tag]")) == 1
    )
    assert "Choose two or more topics to see the merge" in browser.find_element(By.TAG_NAME, "body").text
    assert not (folder / "edits.jsonl").exists()  # choosing saves nothing
    browser.save_screenshot(str(tmp_path / "explorer-merge.png"))


def test_topics_explore_serves_on_loopback_and_stops_by_pid(tmp_path):
    from conftest import TOPICS_BIN, FakeEncoder

    from topics.core.config import load_config
    from topics.fit.pipeline import fit_run

    run = fit_run(load_config("configs/tiny.yaml", ["fit.modes=[joint]"]), out=tmp_path / "run", encoder=FakeEncoder())
    port = free_port()
    server = subprocess.Popen(
        [TOPICS_BIN, "explore", str(run.path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert server.stdout.readline().strip().startswith(f"Explorer at http://127.0.0.1:{port}")
        deadline = time.time() + 90
        while True:
            try:
                assert urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status == 200
                break
            except OSError:
                assert time.time() < deadline and server.poll() is None
                time.sleep(0.5)
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
        assert listening and all("127.0.0.1:" in line for line in listening.splitlines())
        os.kill(server.pid, signal.SIGTERM)  # the command's own PID only: it must stop its Streamlit child
        assert server.wait(30) == 0
        assert not port_open(port), "the Streamlit server still serves after topics explore was stopped"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(15)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_stopping_topics_explore_in_any_way_stops_its_server(tmp_path, how):
    from conftest import TOPICS_BIN, FakeEncoder

    from topics.core.config import load_config
    from topics.fit.pipeline import fit_run

    run = fit_run(load_config("configs/tiny.yaml", ["fit.modes=[joint]"]), out=tmp_path / "run", encoder=FakeEncoder())
    port = free_port()
    server = subprocess.Popen(
        [TOPICS_BIN, "explore", str(run.path), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 90
        while not port_open(port):
            assert time.time() < deadline and server.poll() is None, "the explorer did not start"
            time.sleep(0.5)
        os.kill(server.pid, how)  # SIGKILL: no handler runs; the kernel's parent-death signal stops the child
        server.wait(30)
        deadline = time.time() + 30
        while port_open(port):
            assert time.time() < deadline, f"the server still serves 30 s after {how.name}"
            time.sleep(0.5)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(15)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_topics_explore_refuses_a_folder_that_is_not_a_run(tmp_path):
    from conftest import TOPICS_BIN

    result = subprocess.run([TOPICS_BIN, "explore", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "provenance.json" in result.stderr


def test_topic_map_labels_do_not_overlap_as_chromium_draws_them(browser, tmp_path):
    """The labels' boxes as rendered (fonts and all), for the explorer's plotly map at its narrowest and a wide
    width and for the report's SVG map: no two intersect."""
    import plotly.io as pio
    from test_charts import crowded

    from topics.share import plots, svgcharts

    topic_set = crowded()
    figure = plots.intertopic_map(topic_set)
    pages = {}
    for width in (plots.MAP_WIDTH, 1000):
        page = tmp_path / f"map-{width}.html"
        pio.write_html(
            figure.to_dict() | {"layout": figure.to_dict()["layout"] | {"width": width}},
            page,
            include_plotlyjs=True,
            full_html=True,
        )  # plotly.js inline: nothing asked of the network
        pages[page] = "g.annotation"
    svg = svgcharts.labelled_map(
        plots.topic_map_coordinates(topic_set),
        [t.size for t in topic_set.topics],
        [f"{t.id}: {plots.short_label(t.label)}" for t in topic_set.topics],
        "map",
    )
    (tmp_path / "map.svg.html").write_text(f"<!DOCTYPE html><html><body>{svg}</body></html>", encoding="utf-8")
    pages[tmp_path / "map.svg.html"] = "svg text"
    for page, selector in pages.items():
        browser.get(page.as_uri())
        boxes = WebDriverWait(browser, 60).until(
            lambda d, selector=selector: d.execute_script(
                "return [...document.querySelectorAll(arguments[0])].map(e => {const r = e.getBoundingClientRect();"
                " return [r.left, r.top, r.right, r.bottom, e.textContent]})",
                selector,
            )
        )
        assert len(boxes) >= 10, page.name
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (page.name, a, b)
