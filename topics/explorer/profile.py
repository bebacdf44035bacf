"""Profile: upload a new session's transcript and see it against the run's reference groups.

The upload is kept in memory (session state) and written to a private
temporary folder only while it is read, then removed: transcripts are
clinical data and do not belong in a shared /tmp.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import streamlit as st

from topics.analysis.profile import Profile, profile_file
from topics.core.errors import TopicsInputError
from topics.curate.classifier import assignment_fingerprint
from topics.curate.editlog import Curator
from topics.explorer import common

UPLOAD_KEY = "profile_upload"


@contextlib.contextmanager
def uploaded_file(name: str, data: bytes) -> Iterator[Path]:
    """The upload as a file (same name, so its format is recognised) in a private folder removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="therapy-topics-upload-"))
    try:
        path = folder / Path(name).name
        path.write_bytes(data)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def upload() -> tuple[str, bytes] | None:
    """The transcript uploaded on the Profile page, if any: (file name, bytes)."""
    return st.session_state.get(UPLOAD_KEY)


def _profiles(opened: Curator, name: str, data: bytes) -> list[Profile]:
    """Profiles of the upload, computed once per file and state of the curation; the library's warnings about
    it (an encoder that does not speak its language) are kept with them and shown on every rerun."""
    private = common.private()
    key = ("profiles", str(opened.path), hashlib.sha256(data).hexdigest(), assignment_fingerprint(opened.run), private)
    if key not in st.session_state:
        with (
            common.collected_warnings() as said,
            uploaded_file(name, data) as path,
            st.spinner("Assigning the session's remarks to the curated topics ..."),
        ):
            profiles = profile_file(opened, path, label=common.shown)
            if private:  # session names may be names
                profiles = [dataclasses.replace(p, session=common.shown(p.session)) for p in profiles]
        st.session_state[key] = profiles, said
    profiles, said = st.session_state[key]
    for message in said:
        st.warning(message)
    return profiles


def _shown(profile: Profile) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "topic": profile.table["topic"],
            "label": profile.table["label"],
            "this session (%)": (100 * profile.table["share"]).round(1),
            "95% interval": [
                f"{100 * lo:.1f}-{100 * hi:.1f}" for lo, hi in zip(profile.table["low"], profile.table["high"])
            ],
        }
    )
    for g in profile.groups:
        against = profile.against(g)
        frame[f"{g} (%)"] = (100 * against["share"]).round(1)
        frame[f"{g} sessions range (%)"] = [
            f"{100 * lo:.1f}-{100 * hi:.1f}" for lo, hi in zip(against["sessions_from"], against["sessions_to"])
        ]
        frame[f"vs {g}"] = against["verdict"]
    return frame


def render() -> None:
    """Draw the Profile page: upload a transcript and set each of its sessions' topic shares beside the run's
    reference groups."""
    opened = common.curator()
    common.joint(opened)
    st.title("Profile a session")
    st.caption(
        "Upload a transcript with the run's columns (text and role; a session column to hold several "
        "sessions). Its therapist remarks get the curated topics, and each session is set beside the "
        "run's groups: their shares with 95% intervals and the range of their sessions' own shares. "
        "A session that is also in the run's corpus is left out of the groups it is compared with."
    )
    file = st.file_uploader("Transcript (CSV, TSV, JSONL or Parquet, like the run's corpus)", key="profile_file")
    if file is not None:
        st.session_state[UPLOAD_KEY] = (file.name, file.getvalue())
    uploaded = upload()
    if uploaded is None:
        st.info("No transcript uploaded yet.")
        return
    name, data = uploaded
    try:
        profiles = _profiles(opened, name, data)
    except TopicsInputError as error:
        st.error(str(error))
        return
    by_session = {p.session: p for p in profiles}
    chosen = st.selectbox("Session", list(by_session), key="profile_session")
    profile = by_session[chosen]
    st.subheader(f"Session {profile.session}")
    st.caption(
        f"{profile.remarks:,} remarks, {profile.placed:,} with a topic or outlier. "
        "A session lies above or below a group's range only when its whole 95% interval does."
    )
    for finding in profile.findings:
        st.markdown(f"- {finding}")
    st.dataframe(_shown(profile), hide_index=True, width="stretch")
    st.caption("The Report page includes these profiles in the report while this upload is kept.")
