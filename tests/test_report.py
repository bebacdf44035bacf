"""Reports: self-contained HTML rendered offline in Chromium, Markdown and CSV checked against the run, privacy."""

import html as entities
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from conftest import FakeEncoder

from topics.core.config import load_config, validate_config
from topics.curate.editlog import Curator
from topics.fit.pipeline import fit_run
from topics.share.redact import redact_text
from topics.share.report import build_report, render_markdown, write_report

PLANTED = [
    "Catherine",
    "Jennifer",
    "0161 496 0000",
    "tom.smith@example.org",
    "14 Elm Street",
    "04/03/1985",
    "Johnson",
    "Margaret",
    "Okonkwo",
    "867-5309",
    "dmitri",
    "springfield",
    "42 elm street",
]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The demo corpus (fake encoder) with two expert edits and some planted identifiers in remarks."""
    folder = tmp_path_factory.mktemp("report")
    demo = pd.read_csv("corpora/demo/demo_sessions.csv")
    therapist = demo.index[demo["speaker"] == "therapist"]
    planted = [
        "Hi Catherine, how did the thought record go this week?",
        "So Jennifer, what would you like to put on the agenda today?",
        "If you need me, call 0161 496 0000 or write to tom.smith@example.org about the homework.",
        "You said you moved to 14 Elm Street after the divorce, and your sister Anna Johnson helped.",
        "Your date of birth on the form is 04/03/1985, is that right, before we talk about sleep?",
        "Call Margaret Okonkwo on 555-867-5309 about the homework before the next session.",
        "so you said dmitri lives at 42 elm street in springfield and the thought record helped with sleep",
    ]
    for row, text in zip(therapist[::40], planted):
        demo.loc[row, "text"] = text
    demo.to_csv(folder / "demo.csv", index=False)
    config = load_config(
        "configs/tiny.yaml",
        [f"corpus.path={folder / 'demo.csv'}", "fit.modes=[joint]", "cluster.cluster_selection_method=leaf"],
    )
    run = fit_run(config, out=folder / "run", encoder=FakeEncoder())
    curator = Curator(run.path)
    first, second = [t.id for t in curator.run.joint.topics[:2]]
    curator.record("rename", "Dr Ana", topics=(first,), label="Agenda and homework", description="Session structure")
    curator.record("merge", "Dr Ben", topics=(second, curator.run.joint.topics[2].id), label="Feelings in the room")
    return run.path


def test_markdown_and_tables_match_the_curated_run(demo_run, tmp_path):
    curator = Curator(demo_run)
    markdown = write_report(curator, "md", tmp_path / "report.md").read_text()
    for topic in curator.run.joint.topics:
        assert f"### {topic.id}. {topic.label}" in markdown
    assert "Agenda and homework" in markdown and "Dr Ben" in markdown and "## Methods" in markdown
    # short remarks are said to be attached, not set aside, and the share without a topic is the curated run's
    from topics.core.facts import short_remarks_said
    from topics.fit.metrics import coverage

    figures = coverage(curator.run.remarks)
    assert short_remarks_said(curator.run) in markdown and "attached afterwards" in short_remarks_said(curator.run)
    assert (
        f"{100 * figures['no_topic_share']:.1f}% of the {figures['remarks_with_content']:,} remarks that say "
        "something belong to none"
    ) in markdown
    tables = write_report(curator, "csv", tmp_path / "tables")
    topics = pd.read_csv(tables / "topics.csv")
    assert topics["label"].tolist() == [t.label for t in curator.run.joint.topics]
    shares = pd.read_csv(tables / "group_shares.csv")
    kept = curator.run.kept
    for group, part in shares.groupby("group"):
        outliers = (kept.loc[kept["group"] == group, "topic"] == -1).mean()
        assert part["share"].sum() + outliers == pytest.approx(1.0)  # every remark of the group is somewhere
    report = json.loads((tables / "report.json").read_text())
    for topic in report["topics"]:
        texts = set(kept.loc[kept["topic"] == topic["id"], "text"])
        plain = {re.sub(r"\[([A-Z]+) \d+\]", r"[\1]", e) for e in topic["examples"]}  # pseudonyms numbered per session
        assert topic["examples"] and plain <= {redact_text(t) for t in texts}  # examples belong to their topic


def test_no_planted_identifier_survives_in_any_format(demo_run, tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(demo_run, folder)
    curator = Curator(folder)  # an expert label with identifiers reaches labels, charts, tables and the history
    curator.record("rename", "Dr Ana", topics=(curator.run.joint.topics[-1].id,), label="Jennifer at 14 Elm Street")
    outputs = [
        write_report(curator, "html", tmp_path / "r.html").read_text(),
        write_report(curator, "md", tmp_path / "r.md").read_text(),
        (write_report(curator, "csv", tmp_path / "t") / "remarks.csv").read_text(),
        (tmp_path / "t" / "report.json").read_text(),
    ]
    for output in outputs:
        for secret in PLANTED:
            assert secret not in output, secret
    assert all(re.search(rf"\[{kind} \d+\]", outputs[2]) for kind in ("NAME", "PHONE", "EMAIL"))  # numbered per session
    assert "Example remarks are redacted" in outputs[0]
    verbatim = write_report(curator, "md", tmp_path / "v.md", redacted=False).read_text()
    assert "NOT redacted" in verbatim


def test_a_run_without_groups_metadata_or_edits_is_still_complete(tmp_path):
    corpus = tmp_path / "plain.csv"
    demo = pd.read_csv("corpora/demo/demo_sessions.csv")
    demo.loc[demo["speaker"] == "therapist", ["text"]].to_csv(corpus, index=False)
    config = validate_config(
        {
            "seed": 3,
            "corpus": {"path": str(corpus), "columns": {"text": "text"}},
            "reduce": {"method": "pca"},
            "cluster": {"min_cluster_size": 6, "min_samples": 3},
            "consensus": {"members": 1},
            "fit": {"modes": ["joint"]},
        }
    )
    run = fit_run(config, out=tmp_path / "run", encoder=FakeEncoder())
    curator = Curator(run.path)
    report = build_report(curator)
    text = render_markdown(report)
    assert len(report.topics) == len(run.joint.topics) >= 2
    # each absence says what is missing in a reader's words, why, and what to do about it
    for absent in (
        "Shares per group and shared or group-specific topics: the corpus has no group column",
        "name the column that holds them in corpus.columns.group and fit the run again",
        (
            "Tables of topics by code (such as MI behaviour codes): the corpus has no metadata column with 2 "
            "to 12 distinct values; name one in corpus.metadata"
        ),
        "Expert edits: none, the topics are as fitted",
        "Stability across seeds: not measured",
        "run 'topics stability' with its config",
    ):
        assert absent in text
    html = write_report(curator, "html", tmp_path / "r.html").read_text()
    assert "Not in this report" in html and "</html>" in html


@pytest.mark.slow  # renders with Chromium
def test_html_renders_offline_in_chromium_and_prints(demo_run, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    html = write_report(Curator(demo_run), "html", tmp_path / "report.html")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1300,1000",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*"]})
        driver.get(html.as_uri())
        graphs = WebDriverWait(driver, 60).until(
            lambda d: d.execute_script("return document.querySelectorAll('svg[role=img]').length")
        )
        # sizes, intertopic map, group shares, the sessions' strips and what follows what: inline SVG, no script
        text = html.read_text(encoding="utf-8")
        assert graphs == 3 + text.count('<figure class="strip">') + text.count('<figure class="grid">')
        assert text.count('<figure class="strip">') >= 4
        assert driver.execute_script("return document.scripts.length") == 0
        requests = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
        urls = [m["params"]["request"]["url"] for m in requests if m["method"] == "Network.requestWillBeSent"]
        assert html.as_uri() in urls
        assert not [
            u for u in urls if u.startswith(("http:", "https:", "ws:", "wss:", "ftp:"))
        ]  # nothing left the page
        driver.save_screenshot(str(tmp_path / "report.png"))
    finally:
        driver.quit()
    assert (tmp_path / "report.png").stat().st_size > 20_000

    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [
            shutil.which("chromium"),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile-pdf'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    report = build_report(Curator(demo_run))
    major = (
        1 + 1 + (1 if report.kinds else 0) + len(report.code_tables) + 1 + 1
    )  # summary, topics, shared, codes, edits, methods
    assert major <= pages <= major + len(report.topics) + 2, pages


def test_group_and_session_profiles(demo_run):
    curator = Curator(demo_run)
    report = build_report(curator, group="CBT")
    assert (
        report.profile["column"] == "group" and report.profile["remarks"] == (curator.run.kept["group"] == "CBT").sum()
    )
    assert sum(r["share"] for r in report.profile["rows"]) <= 1.0 + 1e-9  # all remarks of the group in topics: 1
    session = curator.run.kept["session"].iloc[0]
    assert build_report(curator, session=session).profile["value"] == session
    from topics.core.errors import TopicsInputError

    with pytest.raises(TopicsInputError, match="no kept remarks with group 'Gestalt'"):
        build_report(curator, group="Gestalt")


def test_a_session_report_draws_the_session_as_a_strip_and_a_group_report_a_stated_sample(demo_run):
    from topics.share.report import STRIPS_PER_GROUP, render_html, render_markdown

    curator = Curator(demo_run)
    run = curator.run
    session = sorted(run.remarks["session"].astype(str).unique())[3]
    report = build_report(curator, session=session)
    (strip,) = report.unfolding["strips"]
    turns = (run.remarks["session"].astype(str) == session).sum() + (
        run.client_turns["session"].astype(str) == session
    ).sum()
    assert strip["svg"].count("<title>turn ") == turns and strip["svg"].count("client") >= 1
    html = render_html(curator, report)
    assert "<h2>How sessions unfold</h2>" in html and strip["svg"] in html
    assert "## How sessions unfold" in render_markdown(report)

    group = build_report(curator, group="CBT").unfolding
    cbt = sorted(run.remarks.loc[run.remarks["group"] == "CBT", "session"].astype(str).unique())
    shown = [s["session"] for s in group["strips"]]
    assert len(shown) == min(len(cbt), STRIPS_PER_GROUP) and shown[0] == cbt[0] and shown[-1] == cbt[-1]
    assert "evenly spaced" in group["rule"] and "all" not in group["findings"]


@pytest.mark.slow  # the report command in subprocesses
def test_report_command_writes_each_format(demo_run, tmp_path):
    from conftest import TOPICS_BIN

    for fmt, out in (("html", tmp_path / "r.html"), ("md", tmp_path / "r.md"), ("csv", tmp_path / "tables")):
        result = subprocess.run(
            [TOPICS_BIN, "report", str(demo_run), "--format", fmt, "--out", str(out), "--group", "CBT"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == str(out) and out.exists()
    assert "Profile of group CBT" in (tmp_path / "r.md").read_text()
    bad = subprocess.run([TOPICS_BIN, "report", str(demo_run), "--session", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "no kept remarks with session 'nope'" in bad.stderr


def test_compare_tables_and_the_bertopic_export_are_redacted_unless_asked(demo_run, tmp_path):
    from topics.analysis.compare import compare
    from topics.share.comparison_files import write_comparison
    from topics.share.export import export_bertopic

    folder = tmp_path / "run"
    shutil.copytree(demo_run, folder)
    curator = Curator(folder)
    curator.record("rename", "Dr Ana", topics=(curator.run.joint.topics[0].id,), label="Jennifer at 14 Elm Street")
    comparison = compare(curator.run, curator.words, draws=200, permutations=99)
    shared = write_comparison(comparison, folder, {}, redacted=True)
    text = " ".join(p.read_text() for p in shared.iterdir())
    assert "Jennifer" not in text and "Elm Street" not in text and "[NAME]" in text
    verbatim = write_comparison(comparison, folder, {}, redacted=False)
    assert "Jennifer at 14 Elm Street" in (verbatim / "shares.csv").read_text()
    exported = export_bertopic(curator, tmp_path / "bertopic")
    labels = json.loads((exported / "topics.json").read_text())["custom_labels"]
    assert "[NAME] at [ADDRESS]" in labels and not any("Jennifer" in label for label in labels)
    raw = export_bertopic(curator, tmp_path / "bertopic-raw", redacted=False)
    assert "Jennifer at 14 Elm Street" in json.loads((raw / "topics.json").read_text())["custom_labels"]


def printed(html: Path, pdf: Path, profile: Path) -> list[dict]:
    """Print ``html`` with headless Chromium as a reader would; per page: size in points, the share of its
    height that text reaches down to, its first line and its text."""
    import subprocess

    from pypdf import PdfReader

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is installed by ./run test (Debian package chromium)"
    subprocess.run(
        [
            chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--virtual-time-budget=15000",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )

    def readable(text: str) -> str:  # entities and ligatures (the "ﬁ" of "conﬁdent") as the HTML wrote them
        return unicodedata.normalize("NFKC", entities.unescape(text))

    pages = []
    for page in PdfReader(pdf).pages:
        heights = []
        page.extract_text(
            visitor_text=lambda text, cm, tm, font, size, heights=heights: (
                heights.append(tm[5] * cm[3] + cm[5]) if text.strip() else None
            )
        )
        height = float(page.mediabox.height)
        lines = page.extract_text().strip().splitlines()
        pages.append(
            {
                "width": float(page.mediabox.width),
                "height": height,
                "used": (height - min(heights)) / height if heights else 0.0,
                "first": readable(lines[0]).strip() if lines else "",
                "text": readable("\n".join(lines)),
            }
        )
    return pages


@pytest.mark.slow  # prints with Chromium
def test_the_printed_report_is_a4_without_half_empty_pages_except_a_section_s_last(demo_run, tmp_path):
    html = write_report(Curator(demo_run), "html", tmp_path / "report.html")
    titles = {re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<h2>(.*?)</h2>", html.read_text(), flags=re.S)}
    pages = printed(html, tmp_path / "report.pdf", tmp_path / "chromium")
    assert all(abs(p["width"] - 595) < 2 and abs(p["height"] - 842) < 2 for p in pages)  # A4 in points
    for number, page in enumerate(pages[:-1]):
        if page["used"] < 0.5:
            following = pages[number + 1]["first"]
            assert any(following.startswith(title) for title in titles), (number + 1, page, following)
    # the summary is short: the first page goes on with the next section instead of ending two-thirds empty
    first = pages[0]
    assert "Summary" in first["text"] and "Topics at a glance" in first["text"] and first["used"] >= 0.5, first
    # a page inside the topics starts with a topic's heading (or a section's title): a topic is never cut by a
    # page, but for a long one, which may break between two of its example remarks rather than leave a page half empty
    starts = list(titles)
    for block in html.read_text().split('<div class="topic')[1:]:
        starts += [entities.unescape(h).strip() for h in re.findall(r"<h3>([^<\n]*)", block)[:1]]
        if not block.startswith(' whole"'):
            starts += [entities.unescape(e).strip() for e in re.findall(r"<blockquote>(.*?)</blockquote>", block)]
    start = next(n for n, page in enumerate(pages) if "For each topic: its label" in page["text"])
    for page in pages[start + 1 :]:
        assert any(page["first"].startswith(s[:40]) for s in starts), page["first"]
        if any(title in page["text"] for title in titles - {"Topics", "Topics at a glance", "Summary"}):
            break  # the next section has begun
    letter = write_report(Curator(demo_run), "html", tmp_path / "letter.html", paper="Letter")
    first = printed(letter, tmp_path / "letter.pdf", tmp_path / "chromium-letter")[0]
    assert abs(first["width"] - 612) < 2 and abs(first["height"] - 792) < 2


def test_a_45_topic_report_stays_small(demo_run, tmp_path):
    """The charts are inline SVG: the report's size is its text, not a 4.8 MB plotting library."""
    html = write_report(Curator(demo_run), "html", tmp_path / "report.html")
    assert html.stat().st_size < 400_000 and "<script" not in html.read_text()


def test_a_discard_counts_in_every_figure_of_remarks_without_a_topic(demo_run, tmp_path):
    from topics.core.facts import short_remarks_said
    from topics.fit.metrics import coverage

    folder = tmp_path / "run"
    shutil.copytree(demo_run, folder)
    curator = Curator(folder)
    fitted_share = curator.run.joint.metrics["no_topic_share"]
    curator.record("discard", "Dr Ana", topics=(curator.run.joint.topics[0].id,))
    report = build_report(curator)
    now = coverage(curator.run.remarks)["no_topic_share"]
    assert now > fitted_share and report.summary["no_topic_share"] == now
    shown = {m["measure"]: m["value"] for m in report.methods["measures"]}
    assert shown["Remarks left without a topic"] == now  # the methods table says what the summary says
    # short remarks are said to be left out, not attached, when the config does not attach them
    off = type(
        "Run",
        (),
        {
            "provenance": {"cleaning": {"too_short": 9, "short_attached": 0}},
            "config": {"assign": {"short_remarks": False}},
        },
    )()
    assert "left out (assign.short_remarks is off)" in short_remarks_said(off)
