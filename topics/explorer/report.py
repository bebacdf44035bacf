"""Report: the same report as ``topics report``, for download from the browser."""

from __future__ import annotations

import streamlit as st

from topics.explorer import common
from topics.report import build_report, render_html, render_markdown


def render() -> None:
    opened = common.curator()
    common.joint(opened)
    st.title("Report for supervision")
    st.caption("One file with the curated topics, example remarks, group shares with intervals, the edit history "
               "and the methods. The HTML opens offline on any laptop and prints well.")
    fmt = st.radio("Format", ["HTML", "Markdown"], horizontal=True, key="report_format")
    redacted = st.checkbox("Remove names, phone numbers, e-mail and street addresses and dates from example remarks",
                           value=True, key="report_redact")
    if not redacted:
        st.warning("Without redaction, example remarks are verbatim and may identify people. Do not share such a report.")
    report = build_report(opened, redacted=redacted)
    if fmt == "HTML":
        data, name, mime = render_html(opened, report), "report.html", "text/html"
    else:
        data, name, mime = render_markdown(report), "report.md", "text/markdown"
    st.download_button(f"Download {fmt} report", data=data.encode("utf-8"), file_name=f"{opened.path.name}-{name}",
                       mime=mime, key="report_download")
    st.caption(f"{len(report.topics)} topics, {sum(len(t.examples) for t in report.topics)} example remarks"
               f"{' (redacted)' if redacted else ''}.")
    st.markdown("**Topics in this report:** " + "; ".join(f"{t.id}. {t.label}" for t in report.topics))
