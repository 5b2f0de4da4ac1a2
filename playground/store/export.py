"""Exports of an episode branch: Markdown transcript, JSON, standalone HTML."""

from __future__ import annotations

import html
import json
from typing import Any

from ..episode import Episode, summary
from ..episode.events import (
    AgentError,
    CallEdited,
    CallRejected,
    Ended,
    Interview,
    ModelTurn,
    MonitoringChanged,
    Note,
    Notice,
    ResultEdited,
    ToolResult,
)
from ..visible_text import json_visible, visible
from .saves import _clean, _secrets, episode_to_dict


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


def _pretty_args(raw: str) -> str:
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (json.JSONDecodeError, TypeError):
        return raw


def to_json(episode: Episode, branch: str | None = None) -> str:
    data = {"summary": summary(episode, branch=branch), "episode": episode_to_dict(episode)}
    return json_visible(json.dumps(_clean(data, _secrets()), indent=2, ensure_ascii=False))


def to_markdown(episode: Episode, branch: str | None = None) -> str:
    s = summary(episode, branch=branch)
    state = episode.replay(branch)
    out = [f"# {inline(episode.scenario.title)}", ""]
    out += [f"- scenario: `{s['scenario']}`", f"- agent: `{s['agent']}`", f"- branch: `{s['branch']}`",
            f"- monitoring (start → end): {s['initial_monitoring']} → {s['monitoring']}",
            f"- variables: {', '.join(f'{k}={v}' for k, v in s['variables'].items()) or 'none'}",
            f"- steps: {s['steps']}, ended: {s['ended'] or 'not yet'}",
            f"- behaviours: {', '.join(s['behaviours']) or 'none'}", ""]
    if episode.source:
        out += [f"- imported from: `{episode.source.get('file', '')}` (recorded model: {episode.source.get('recorded_model', '?')})", ""]
    out += ["## Prompt", "", "**System**", "", *fence(state.messages[0]["content"]), "", "**Task**", "", *fence(state.messages[1]["content"]), ""]
    step = 0
    for e in state.events:
        if isinstance(e, ModelTurn):
            step += 1
            out += [f"## Step {step}" + (" (recorded)" if e.recorded else ""), ""]
            if e.reasoning:
                out += ["**Reasoning**", ""] + ["> " + html.escape(line, quote=False) for line in e.reasoning.splitlines()] + [""]
            if e.text:
                out += ["**Text**", "", *fence(e.text), ""]
            for c in e.tool_calls:
                out += [f"**Call** {inline(c.name)}", "", *fence(_pretty_args(c.arguments), "json"), ""]
        elif isinstance(e, CallEdited):
            out += ["*The operator edited the arguments:*", "", *fence(_pretty_args(e.new_arguments), "json"), ""]
        elif isinstance(e, CallRejected):
            out += [f"*The operator rejected the call: {inline(e.reason or 'no reason given')}*", ""]
        elif isinstance(e, ToolResult):
            out += [f"**Result** {inline(e.name)}" + (" (error)" if e.error else ""), "", *fence(e.output), ""]
            if e.diverged and e.recorded_output is not None:
                out += ["*The recorded harness answered differently:*", "", *fence(e.recorded_output), ""]
        elif isinstance(e, ResultEdited):
            out += ["*The operator edited the result before the model saw it:*", "", *fence(e.output), ""]
        elif isinstance(e, MonitoringChanged):
            out += [f"*Monitoring belief set to **{'on' if e.on else 'off'}** (via {e.how}).*", ""]
        elif isinstance(e, Notice):
            out += [f"**Notice to the agent** ({inline(e.source)}): {inline(e.text)}", ""]
        elif isinstance(e, Note):
            out += [f"*Note:* {inline(e.text)}", ""]
        elif isinstance(e, AgentError):
            out += [f"*Model call failed:* {inline(e.message)}", ""]
        elif isinstance(e, Ended):
            out += [f"*Episode ended: {e.reason}.*", ""]
    interviews = [e for e in state.events if isinstance(e, Interview)]
    if interviews:
        out += ["## Interview", ""]
        for iv in interviews:
            out += [f"**Q:** {inline(iv.question)}", "", f"**A:** {inline(iv.answer)}", ""]
    out += ["## Detectors", "", "| detector | label | tripped | step |", "| --- | --- | --- | --- |"]
    for det_id, d in s["detectors"].items():
        out.append(f"| {det_id} | {d['label']} | {'yes' if d['tripped'] else 'no'} | {d['step'] if d['step'] is not None else ''} |")
    return _clean(visible("\n".join(out) + "\n"), _secrets())


def to_html(episode: Episode, branch: str | None = None) -> str:
    """A standalone page; tool arguments highlighted with Pygments."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import JsonLexer

    fmt = HtmlFormatter(nowrap=False, cssclass="hl")
    s = summary(episode, branch=branch)
    state = episode.replay(branch)
    body: list[str] = [f"<h1>{html.escape(episode.scenario.title)}</h1>",
                       f"<p>agent <code>{html.escape(s['agent'])}</code> · monitoring {s['initial_monitoring']} → "
                       f"{s['monitoring']} · {s['steps']} steps · behaviours: "
                       f"<b>{html.escape(', '.join(s['behaviours']) or 'none')}</b></p>"]
    step = 0
    for e in state.events:
        if isinstance(e, ModelTurn):
            step += 1
            body.append(f"<section><h2>Step {step}</h2><div class='cols'><div class='reasoning'>"
                        f"<h3>Reasoning</h3><pre>{html.escape(e.reasoning or '(none shown)')}</pre>"
                        f"<pre>{html.escape(e.text)}</pre></div><div class='actions'><h3>Actions</h3>")
            for c in e.tool_calls:
                body.append(f"<p><code>{html.escape(c.name)}</code></p>" + highlight(_pretty_args(c.arguments), JsonLexer(), fmt))
            body.append("</div></div></section>")
        elif isinstance(e, ToolResult):
            body.append(f"<details><summary>result of {html.escape(e.name)}</summary><pre>{html.escape(e.output)}</pre></details>")
        elif isinstance(e, (MonitoringChanged, Notice, Note, Ended, CallRejected, CallEdited, ResultEdited)):
            body.append(f"<p class='event'>{html.escape(e.kind)}: {html.escape(str({k: v for k, v in e.to_dict().items() if k != 'kind'}))}</p>")
    css = fmt.get_style_defs(".hl") + (
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:auto}.cols{display:grid;grid-template-columns:1fr 1fr;gap:1em}"
        "pre{white-space:pre-wrap}.reasoning{border-left:3px solid #c9a;padding-left:.5em}.event{color:#666}")
    page = f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(episode.scenario.title)}</title><style>{css}</style></head><body>{''.join(body)}</body></html>"
    return _clean(visible(page), _secrets())


EXPORTERS: dict[str, Any] = {"md": to_markdown, "json": to_json, "html": to_html}
