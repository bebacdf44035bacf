"""Report: the same report as ``topics report``, for download from the browser."""

from __future__ import annotations

import streamlit as st

from topics.core.output_log import record_output
from topics.explorer import common, profile
from topics.share.redact import redact_label
from topics.share.report import EXAMPLES, build_report, render_html, render_markdown


def render() -> None:
    """Draw the Report page: choose HTML or Markdown and redaction, optionally include the uploaded transcript's
    profiles, and download the report, built when the button is clicked."""
    opened = common.curator()
    topic_set = common.joint(opened)
    st.title("Report for supervision")
    st.caption(
        "One file with the curated topics, example remarks, group shares with intervals, the edit history "
        "and the methods. The HTML opens offline on any laptop and prints well."
    )
    fmt = st.radio("Format", ["HTML", "Markdown"], horizontal=True, key="report_format")
    redacted = st.checkbox(
        "Remove names, phone numbers, e-mail and street addresses and dates from example remarks",
        value=True,
        key="report_redact",
    )
    if not redacted:
        st.warning(
            "Without redaction, example remarks are verbatim and may identify people. Do not share such a report."
        )

    uploaded = profile.upload()
    with_profile = uploaded is not None and st.checkbox(
        f"Include the profiles of the uploaded transcript {uploaded[0]!r}", value=True, key="report_profile"
    )

    def contents() -> bytes:
        # Built only when the button is clicked: the bootstrap and the inlined plotly.js are not free.
        if not with_profile:
            report = build_report(opened, redacted=redacted)
        else:
            with profile.uploaded_file(*uploaded) as path:
                report = build_report(opened, redacted=redacted, profile=path)
        record_output(opened.path, f"downloaded from the explorer as {file_name}", f"{fmt} report", redacted)
        return (render_html(opened, report) if fmt == "HTML" else render_markdown(report)).encode("utf-8")

    name, mime = ("report.html", "text/html") if fmt == "HTML" else ("report.md", "text/markdown")
    file_name = f"{opened.path.name}-{name}"
    st.download_button(
        f"Download {fmt} report",
        data=contents,
        file_name=file_name,
        mime=mime,
        key="report_download",
    )
    label = redact_label if redacted or common.private() else (lambda text: text)
    st.caption(
        f"{len(topic_set.topics)} topics, up to {EXAMPLES} example remarks each{' (redacted)' if redacted else ''}."
    )
    st.markdown("**Topics in this report:** " + "; ".join(f"{t.id}. {label(t.label)}" for t in topic_set.topics))
