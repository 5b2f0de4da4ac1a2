"""Finding packs on disk and resolving ``pack_id/scenario_id`` references."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..defaults import bundled_pack_dir, default_pack_dirs, user_pack_dir  # noqa: F401  (re-exported)
from .loader import LoadedScenario, Problem, ScenarioError, load_pack_meta, load_scenario
from .models import PackMeta

MY_PACK = "mine"  # the pack that "save a copy to my packs" writes into
MY_PACK_TITLE = "My scenarios"


def shipped_pack_dirs() -> list[Path]:
    """Folders whose scenarios open read-only: the shipped packs, unless the current directory is
    inside the checkout they ship from (a developer editing the packs themselves)."""
    bundled = bundled_pack_dir().resolve()
    if Path.cwd().resolve().is_relative_to(bundled.parent):
        return []
    return [bundled]


def is_shipped(path: Path, shipped: list[Path] | None = None) -> bool:
    """Whether ``path`` lies in a shipped pack folder (``shipped``: those folders; default
    ``shipped_pack_dirs()``)."""
    try:
        resolved = Path(path).resolve()
    except OSError:
        return False
    return any(resolved.is_relative_to(Path(d).resolve()) for d in (shipped_pack_dirs() if shipped is None else shipped))


def my_pack_dir(root: Path | None = None) -> Path:
    """The folder of the user's own pack, created with its ``pack.yaml`` when missing."""
    folder = (root or user_pack_dir()) / MY_PACK
    folder.mkdir(parents=True, exist_ok=True)
    meta = folder / "pack.yaml"
    if not meta.exists():
        meta.write_text(f"id: {MY_PACK}\ntitle: {MY_PACK_TITLE}\ndescription: Your own scenarios and copies of "
                        "shipped ones (saved from the editor).\n", encoding="utf-8")
    return folder


@dataclass
class Pack:
    meta: PackMeta
    path: Path
    scenario_files: list[Path] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.meta.id

    def load(self, scenario_id: str) -> LoadedScenario:
        for f in self.scenario_files:
            if f.stem == scenario_id:
                return load_scenario(f, self.id)
        raise KeyError(scenario_id)

    def load_all(self) -> tuple[list[LoadedScenario], list[Problem]]:
        loaded, problems = [], []
        for f in self.scenario_files:
            try:
                loaded.append(load_scenario(f, self.id))
            except ScenarioError as exc:
                problems.extend(exc.problems)
        return loaded, problems


def read_pack(path: Path) -> Pack:
    meta = load_pack_meta(path / "pack.yaml")
    files = sorted(p for p in path.glob("*.yaml") if p.name != "pack.yaml")
    return Pack(meta, path, files)


def discover_packs(dirs: list[Path] | None = None) -> tuple[list[Pack], list[Problem]]:
    packs, problems = [], []
    seen: set[str] = set()
    for d in dirs if dirs is not None else default_pack_dirs():
        if (d / "pack.yaml").is_file():
            candidates = [d]
        else:
            candidates = sorted(p for p in d.iterdir() if (p / "pack.yaml").is_file()) if d.is_dir() else []
        for c in candidates:
            try:
                pack = read_pack(c)
            except ScenarioError as exc:
                problems.extend(exc.problems)
                continue
            if pack.id not in seen:
                seen.add(pack.id)
                packs.append(pack)
    return packs, problems


def resolve_scenario(ref: str, dirs: list[Path] | None = None) -> LoadedScenario:
    """A scenario file path, or ``pack_id/scenario_id`` under the pack dirs."""
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") and p.is_file():
        pack_yaml = p.parent / "pack.yaml"
        pack_id = load_pack_meta(pack_yaml).id if pack_yaml.is_file() else None
        return load_scenario(p, pack_id)
    if "/" in ref and not p.exists():
        pack_id, _, scenario_id = ref.partition("/")
        packs, _ = discover_packs(dirs)
        for pack in packs:
            if pack.id == pack_id:
                try:
                    return pack.load(scenario_id)
                except KeyError:
                    known = ", ".join(f.stem for f in pack.scenario_files)
                    raise ScenarioError([Problem(ref, 1, 1, f"pack {pack_id!r} has no scenario {scenario_id!r} (has: {known})")]) from None
        known = ", ".join(pk.id for pk in packs) or "none found"
        raise ScenarioError([Problem(ref, 1, 1, f"no pack {pack_id!r} (packs: {known})")])
    raise ScenarioError([Problem(ref, 1, 1, "not a scenario file or pack_id/scenario_id")])


def find_scenario_file(ref: str, dirs: list[Path] | None = None) -> Path | None:
    """The file of a scenario given as a path or ``pack_id/scenario_id``, without loading it (an
    editor must open a scenario that does not validate); None when there is no such file."""
    p = Path(ref)
    if p.suffix in (".yaml", ".yml"):
        return p if p.is_file() else None
    if "/" in ref and not p.exists():
        pack_id, _, scenario_id = ref.partition("/")
        packs, _ = discover_packs(dirs)
        for pack in packs:
            if pack.id == pack_id:
                return next((f for f in pack.scenario_files if f.stem == scenario_id), None)
    return None
