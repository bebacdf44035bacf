"""The Streamlit explorer: page functions over the library, and the session-state keys.

``app.py`` is a short router over :func:`topics.explorer.router.run_app`; every
page reads the curated run from one cached :class:`topics.curate.editlog.Curator` per
run folder, and every edit goes through ``Curator.record`` (logged, fsynced).
"""
