"""MkDocs hook: the config reference page is generated from the pydantic model, so it never drifts from it.

``docs/reference/config.md`` holds the marker ``<!-- config-reference -->``; at build time it becomes a table
of every key, section by section (key, type, default, what it does), read from :class:`topics.core.config.Config`: the
field descriptions are the docstrings under each field.
"""

from __future__ import annotations

import typing

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

MARKER = "<!-- config-reference -->"


def _type(annotation: object) -> str:
    text = getattr(annotation, "__name__", None) if not typing.get_args(annotation) else None
    text = text or str(annotation).replace("typing.", "").replace("pathlib.", "")
    return text.replace("|", "or")


def _default(field) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
        return "" if isinstance(value, BaseModel) else f"`{value}`"
    if field.default is PydanticUndefined:
        return "required"
    return f"`{field.default}`" if field.default is not None else "`null`"


def _rows(model: type[BaseModel], prefix: str = "") -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            rows += _rows(field.annotation, f"{prefix}{name}.")
            continue
        what = " ".join((field.description or "").split()).replace("|", "\\|")
        rows.append(f"| `{prefix}{name}` | {_type(field.annotation)} | {_default(field)} | {what} |")
    return rows


def reference() -> str:
    """The config reference as one Markdown table: a row per key of :class:`topics.core.config.Config` (keys of
    nested sections dotted, ``cluster.min_cluster_size``) with its type, default and description."""
    from topics.core.config import Config

    header = ["| key | type | default | what it does |", "| --- | --- | --- | --- |"]
    return "\n".join(header + _rows(Config))


def on_page_markdown(markdown: str, page, config, files) -> str:
    """MkDocs's page hook: a page's Markdown with the marker replaced by :func:`reference`; pages without the
    marker pass unchanged."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, reference())
