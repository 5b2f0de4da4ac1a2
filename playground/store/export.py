"""Exports of an episode branch: Markdown, standalone HTML (Pygments for arguments) and JSON.

Markdown and HTML format one document built from the step fold (``export_doc``), so they carry
the same content. Untrusted text cannot break out: Markdown code fences are longer than any run of
backticks inside them, HTML is escaped, and nothing a terminal would act on survives (``visible``).
"""

from __future__ import annotations

import html
import json
from typing import Any

from ..episode import Episode, summary
from ..visible_text import json_visible, visible
from .export_doc import Block, document, steps_data
from .redact import clean, secrets
from .saves import episode_to_dict


def fence(text: str, lang: str = "") -> list[str]:
    """A Markdown code block that ``text`` cannot close: the fence is longer than any run of backticks in it."""
    longest, run = 0, 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    ticks = "`" * max(3, longest + 1)
    return [ticks + lang, text, ticks]


def inline(text: str) -> str:
    """Untrusted text inside a Markdown line: no raw HTML, no line breaks that start a new block."""
    return html.escape(" ".join(text.split()), quote=False)


def _cell(text: str) -> str:
    return inline(text).replace("|", "\\|")


def _md(block: Block) -> list[str]:
    k = block.kind
    if k in ("h1", "h2", "h3"):
        return ["#" * int(k[1]) + " " + inline(block.text), ""]
    if k == "p":
        return [inline(block.text), ""]
    if k == "em":
        return [f"*{inline(block.text)}*", ""]
    if k == "code":
        return [*fence(block.text, block.lang), ""]
    if k == "quote":
        return ["> " + html.escape(line, quote=False) for line in block.text.splitlines()] + [""]
    if k == "table":
        head, *rows = block.rows
        return (["| " + " | ".join(_cell(c) for c in head) + " |", "|" + " --- |" * len(head)]
                + ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows] + [""])
    raise ValueError(f"unknown block {k!r}")


def to_markdown(episode: Episode, branch: str | None = None) -> str:
    title, blocks = document(episode, branch)
    out = [f"# {inline(title)}", ""]
    for b in blocks:
        out += _md(b)
    return clean(visible("\n".join(out).rstrip("\n") + "\n"), secrets())


def _html(block: Block, highlight_json: Any) -> str:
    k, e = block.kind, html.escape
    if k in ("h1", "h2", "h3"):
        return f"<{k}>{e(block.text)}</{k}>"
    if k == "p":
        return f"<p>{e(block.text)}</p>"
    if k == "em":
        return f"<p class='em'>{e(block.text)}</p>"
    if k == "code":
        return highlight_json(block.text) if block.lang == "json" else f"<pre>{e(block.text)}</pre>"
    if k == "quote":
        return f"<blockquote class='reasoning'><pre>{e(block.text)}</pre></blockquote>"
    if k == "table":
        head, *rows = block.rows
        return ("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in head) + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows) + "</table>")
    raise ValueError(f"unknown block {k!r}")


def to_html(episode: Episode, branch: str | None = None) -> str:
    """A standalone page; tool arguments highlighted with Pygments."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import JsonLexer

    fmt = HtmlFormatter(nowrap=False, cssclass="hl")
    title, blocks = document(episode, branch)
    body = [f"<h1>{html.escape(title)}</h1>"]
    body += [_html(b, lambda text: highlight(text, JsonLexer(), fmt)) for b in blocks]
    css = fmt.get_style_defs(".hl") + (
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:auto;padding:0 1em}"
        "pre{white-space:pre-wrap}.reasoning{border-left:3px solid #c9a;margin:0;padding-left:.5em}"
        ".em{color:#555;font-style:italic}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
        "h2{border-top:1px solid #ddd;padding-top:.5em}")
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{css}</style></head><body>{''.join(body)}</body></html>")
    return clean(visible(page), secrets())


def to_json(episode: Episode, branch: str | None = None) -> str:
    state = episode.replay(branch)
    data = {"summary": summary(episode, state, branch),
            "prompt": {"system": state.messages[0]["content"], "task": state.messages[1]["content"]},
            "steps": steps_data(episode, branch),
            "episode": episode_to_dict(episode)}
    return json_visible(json.dumps(clean(data, secrets()), indent=2, ensure_ascii=False))


EXPORTERS: dict[str, Any] = {"md": to_markdown, "json": to_json, "html": to_html}
