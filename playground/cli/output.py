"""Everything the headless verbs print goes through here: untrusted text (model output, scenario and
save contents, error messages quoting them) is shown as text, never as terminal control sequences."""

from __future__ import annotations

import json
from typing import Any

import click

from ..redaction import redact, redact_data
from ..visible_text import json_visible, visible


def echo(message: Any = "", **kwargs: Any) -> None:
    click.echo(redact(visible(message)), **kwargs)


def secho(message: Any = "", **kwargs: Any) -> None:
    click.secho(redact(visible(message)), **kwargs)


def print_json(data: Any) -> None:
    click.echo(json_visible(json.dumps(redact_data(data), ensure_ascii=False)))
