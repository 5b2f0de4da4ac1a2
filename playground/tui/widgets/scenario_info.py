"""The home screen's side panel: a scenario's title, description, variables,
detectors, scripted demo agents and monitoring — or a broken file's problems."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from ..safe import SafeText as Text
from textual.widgets import Static

from ..palette import label_colour, palette_of


def _human(label: str) -> str:
    return label.replace("_", " ")


def _how_monitoring(m: Any) -> str:
    ways = [name for name, part in (("the system prompt", m.prompt), ("the task", m.task), ("a file in the world", m.file),
                                    ("a notice", m.notice)) if part is not None]
    return ", ".join(ways) if ways else "a notice from IT operations when you flip it"


class ScenarioInfo(Static):
    def show(self, entry: Any) -> None:
        pal = palette_of(self.app)
        if entry is None:
            self.update("")
            return
        if entry.kind == "mypacks":
            self.update(Group(Text("My packs", style=f"bold {pal.accent}"), Text(str(entry.path), style=pal.muted),
                              Text(""),
                              Text("Your own scenarios live here, and copies of the ones that ship with playground: "
                                   "a shipped scenario opens read-only in the editor (e), and ctrl+s there saves a "
                                   "copy into this folder. n starts a new scenario here. Every playground command "
                                   "finds these packs too (playground run mine/<id>).")))
            return
        if entry.kind == "pack":
            meta = entry.pack.meta
            self.update(Group(Text(meta.title, style=f"bold {pal.accent}"), Text(f"pack {meta.id} · v{meta.version}",
                                                                                 style=pal.muted),
                              Text(""), Text(meta.description.strip() or "(no description)"),
                              Text(""), Text(f"{len(entry.pack.scenario_files)} scenario(s) · enter opens or closes",
                                             style=pal.muted)))
            return
        if entry.kind == "pending":
            self.update(Group(Text(entry.title or entry.path.stem, style=f"bold {pal.accent}"),
                              Text(f"{entry.path.name} · checking the scenario…", style=pal.muted)))
            return
        if entry.kind == "invalid":
            lines = [Text(f"{entry.path.name} has problems", style=f"bold {pal.error}"),
                     Text("e opens it in the editor at the first one.", style=pal.muted), Text("")]
            lines += [Text(f"{p.line}:{p.col}  {p.message}") for p in entry.problems or []]
            self.update(Group(*lines))
            return
        s = entry.loaded.scenario
        out: list[Any] = [Text(s.title, style=f"bold {pal.accent}"),
                          Text(f"{entry.loaded.ref}" + (f" · {s.family}" if s.family else "") +
                               (f" · {', '.join(s.tags)}" if s.tags else ""), style=pal.muted), Text("")]
        if s.description:
            out += [Text(" ".join(s.description.split())), Text("")]
        if self.app.config.read_only(entry.path):  # type: ignore[attr-defined]
            out += [Text("Ships with playground: e opens it read-only; ctrl+s there saves a copy to your packs.",
                         style=f"italic {pal.muted}"), Text("")]
        if s.policies:
            out.append(Text("Scripted demo agents (offline — not model output)", style=f"bold {pal.primary}"))
            for name, p in s.policies.items():
                line = Text.assemble(("  scripted/" + name, "bold"), (f"  {p.description}" if p.description else "", ""))
                if p.behaviours:
                    line.append(f"  shows: {', '.join(_human(b) for b in p.behaviours)}", style=pal.muted)
                out.append(line)
            out.append(Text(""))
        if s.variables:
            out.append(Text("Variables", style=f"bold {pal.primary}"))
            for name, v in s.variables.items():
                values = " | ".join(f"[{x}]" if x == v.default_value else x for x in v.values)
                out.append(Text.assemble((f"  {name}: ", "bold"), (values, ""),
                                         (f"  {v.description}" if v.description else "", pal.muted)))
            out.append(Text(""))
        if s.detectors:
            out.append(Text("Detectors", style=f"bold {pal.primary}"))
            for d in s.detectors:
                colour = label_colour(pal, d.label, s.good_labels)
                out.append(Text.assemble(("  ⚑ " + _human(d.label), f"bold {colour}"), (f"  {d.id}", pal.muted),
                                         (f" — {d.description}" if d.description else "", "")))
            out.append(Text(""))
        start = "on" if s.monitoring.default else "off"
        out.append(Text.assemble(("Monitoring ", f"bold {pal.primary}"),
                                 (f"starts {start}; the agent learns it through {_how_monitoring(s.monitoring)}.", "")))
        out.append(Text.assemble(("Tools ", f"bold {pal.primary}"), (", ".join(s.tool_names), "")))
        out.append(Text.assemble(("Max steps ", f"bold {pal.primary}"), (str(s.max_steps), "")))
        self.update(Group(*out))
