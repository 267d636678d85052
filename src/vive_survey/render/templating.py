"""Jinja2 rendering: templates hold only loops; every number arrives here already as text."""

from __future__ import annotations

import jinja2


def environment() -> jinja2.Environment:
    """Autoescaping on for every template, undefined names an error."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("vive_survey.render", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
