"""The page list and the entry point ``app.py`` calls."""

from __future__ import annotations

import streamlit as st

from topics.explorer import common, curate, groups, overview, profile, remarks, report, sessions, topic, words

_PAGES = {
    "overview": (overview.render, "Overview", ":material/dashboard:"),
    "topic": (topic.render, "Topic", ":material/topic:"),
    "remarks": (remarks.render, "Remarks", ":material/format_quote:"),
    "words": (words.render, "Words", ":material/search:"),
    "groups": (groups.render, "Groups", ":material/groups:"),
    "sessions": (sessions.render, "Sessions", ":material/timeline:"),
    "curate": (curate.render, "Curate", ":material/edit:"),
    "profile": (profile.render, "Profile a session", ":material/person_search:"),
    "report": (report.render, "Report", ":material/description:"),
}


def page(name: str) -> st.Page:
    """The explorer's page ``name`` ("overview", "topic", ...) as a Streamlit page; the overview is the default."""
    render, title, icon = _PAGES[name]
    return st.Page(render, title=title, icon=icon, url_path=name, default=name == "overview")


def run_app(args: list[str]) -> None:
    """Router: the run folder comes from ``streamlit run app.py -- RUN`` or the sidebar picker."""
    st.set_page_config(page_title="therapy-topics explorer", layout="wide")
    if args and common.RUN_KEY not in st.session_state:
        st.session_state[common.RUN_KEY] = args[0]
    common.sidebar()
    try:
        common.PAGES.update({name: page(name) for name in _PAGES})
        st.navigation(list(common.PAGES.values())).run()
    finally:
        common.prime_open_run()
