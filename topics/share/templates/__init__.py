"""Jinja2 templates of the report (data files; a package so that wheels and editable installs carry them)."""
