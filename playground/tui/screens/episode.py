"""The episode screen: Reasoning beside Actions, the World, the Detectors, and a
header whose monitoring toggle cannot be missed.

The truth lives in ``session`` (the engine's Session and its BranchState); this
screen subscribes to its events and redraws only the step that changed. Model
calls run in an async worker; a failing call becomes an error line with retry.
Dialog-driven actions live in ``episode_ops``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.containers import Container, Horizontal, HorizontalGroup
from textual.widgets import Input

from ...episode import EpisodeError, Session
from ...episode.events import AgentError, CallApproved, CallEdited, Ended, Event, ModelTurn, MonitoringChanged
from ...episode.summary import condition, start_belief, total_usage
from ...store import SaveLock, SaveWriter
from ..actions import actions_for, bindings
from ..ui_state import write_ui_state
from ..render_steps import usage_text
from ..safe import esc
from ...episode.find import Finder
from ...episode.steps import Step, StepFold
from ..widgets.actions_pane import ActionsPane
from ..widgets.detector_strip import DetectorStrip
from ..widgets.episode_header import EpisodeHeader, MonitorToggle
from ..widgets.key_footer import KeyFooter
from ..widgets.reasoning_pane import ReasoningPane
from ..widgets.status_bar import StatusBar
from ..widgets.step_log import StepLog
from ..widgets.world_pane import WorldPane
from .base import AppScreen
from .episode_find import EpisodeFind
from .episode_ops import EpisodeOps
from .episode_resample import ResampleOps

WORLD_EVENTS = (CallApproved, CallEdited, MonitoringChanged, Ended)


def branch_name(episode: Any, bid: str) -> str:
    label = episode.branches[bid].label
    return f"{bid} “{label}”" if label and label != bid else bid


class EpisodeScreen(EpisodeFind, EpisodeOps, ResampleOps, AppScreen):
    SCREEN_NAME = "episode"
    CSS_PATH = "episode.tcss"
    BINDINGS = bindings("episode")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]

    def __init__(self, session: Session, save_path: Path | None = None, *, autosave: bool = True,
                 selected: int | None = None) -> None:
        super().__init__()
        self.session = session
        self.save_path = Path(save_path) if save_path else None
        self.autosave = autosave
        self.writer: SaveWriter | None = None  # appends to the save; subscribed to the session when autosaving
        self.lock: SaveLock | None = None
        self.read_only: str | None = None  # why nothing here is written to the save
        self.steps_fold = StepFold()
        self.selected = selected
        self.breakpoint = "mutating"
        self.typeahead = 0  # step presses made while a scripted turn was being fetched
        self._busy = False
        self._live: Step | None = None
        self._live_timer: Any = None
        self._live_dirty = False
        self._binding_sig: tuple | None = None
        self._save_warned: str | None = None
        self._fsync_timer: Any = None
        self._dirty_steps: set[int] = set()
        self._world_dirty = False
        self._flush_pending = False
        self._saved_events = 0  # events on disk when autosave is off (the last ctrl+s, or the save opened)
        self.finder: Finder | None = None  # the search n and N go on with
        self.find_mode = "search"  # what the find bar is asking for: "search" or "goto"

    # -- layout ----------------------------------------------------------------------------
    def compose(self):
        yield EpisodeHeader(id="header")
        with Container(id="main"):
            with Horizontal(id="panes"):
                yield ReasoningPane(id="reasoning")
                yield ActionsPane(id="actions")
            yield WorldPane(id="world")
        with HorizontalGroup(id="bottom"):
            scenario = self.session.episode.scenario
            yield DetectorStrip(self.session.state.verdicts, {d.id: d.description for d in scenario.detectors},
                                scenario.good_labels, id="detectors")
        yield Input(id="find", compact=True, select_on_focus=False)
        yield StatusBar(id="status")
        yield KeyFooter("episode")

    @property
    def panes(self) -> tuple[ReasoningPane, ActionsPane]:
        return self.query_one(ReasoningPane), self.query_one(ActionsPane)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    def on_mount(self) -> None:
        scenario = self.session.episode.scenario
        labels = {d.id: d.label for d in scenario.detectors}
        reasoning, actions = self.panes
        reasoning.partner, actions.partner = actions, reasoning
        for pane in self.panes:
            pane.labels, pane.good = labels, frozenset(scenario.good_labels)
        self.session.subscribe(self._on_event)
        self.session.on_delta = self._on_delta
        self.claim_save()
        self.rebuild()
        self.panes[0].focus()
        self.remember_screen()
        self._saved_events = self.event_total() if (self.save_path and self.save_path.exists()) else 0

    def event_total(self) -> int:
        return sum(len(b.events) for b in self.session.episode.branches.values())

    def unsaved_work(self) -> str | None:
        """What quitting now would lose: events not on disk (autosave off, a read-only save, or a save
        that cannot be written), counted from the last save."""
        writing = self.autosave and self.writer is not None and not self.read_only
        if writing and not self.writer.error:
            return None  # every event is appended as it happens
        new = self.event_total() - self._saved_events
        if new <= 0:
            return None
        why = (f"the save is read-only: {self.read_only}" if self.read_only
               else f"the save cannot be written: {self.writer.error}" if writing and self.writer is not None
               else "autosave is off")
        return f"{new} event(s) of this episode are not saved ({why}); ctrl+s saves them."

    def on_unmount(self) -> None:
        if self._on_event in self.session.listeners:
            self.session.listeners.remove(self._on_event)
        self.session.on_delta = None
        self.release_save()

    # -- the save: one writer per file, appending -----------------------------------------------
    def claim_save(self) -> None:
        """Lock the save and start appending to it; if another window holds it, open read-only and say so."""
        if self.save_path is None:
            return
        lock = SaveLock(self.save_path)
        try:
            mine = lock.acquire()
            self.read_only = None if mine else "this save is open in another playground window"
        except OSError as exc:
            self.read_only = f"its folder cannot be written ({exc.strerror or exc})"
        if self.read_only:
            self.notify(f"Opened read-only: {self.read_only}. Nothing you do here is saved to it; "
                        "ctrl+s saves a copy.", title="Read-only", severity="warning", timeout=12)
            return
        self.use_save(self.save_path, lock, SaveWriter(self.save_path))

    def use_save(self, path: Path, lock: SaveLock, writer: SaveWriter) -> None:
        self.release_save()
        self.save_path, self.lock, self.writer, self.read_only, self._save_warned = path, lock, writer, None, None
        if self.autosave:
            self.session.subscribe(writer)
            writer.sync(self.session.episode)  # a new episode's file exists from its first screen

    def release_save(self) -> None:
        if self.writer is not None:
            if self.writer in self.session.listeners:
                self.session.listeners.remove(self.writer)
            self.writer.close(self.session.episode if self.autosave else None)
            self.writer = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def save_now(self) -> None:
        """After changes that are not events (rewind, fork, switch, a label): append them too."""
        if self.writer is not None and self.autosave:
            self.writer.sync(self.session.episode)
            self._schedule_fsync()

    def _schedule_fsync(self) -> None:
        """Appends are on disk at once; make them durable shortly after a burst of steps ends."""
        if self.writer is not None and self.writer.dirty and self._fsync_timer is None:
            self._fsync_timer = self.set_timer(0.3, self._fsync)

    def _fsync(self) -> None:
        self._fsync_timer = None
        if self.writer is not None:
            self.writer.flush()
            self.refresh_chrome()

    def on_resize(self) -> None:
        self.refresh_chrome()

    def remember_screen(self, screen: str = "episode", **extra: Any) -> None:
        if self.save_path is not None and not self.read_only:
            write_ui_state(self.save_path, {"screen": screen, "branch": self.session.episode.current,
                                            "selected": self.selected, **extra})

    # -- drawing from the session ------------------------------------------------------------
    def rebuild(self) -> None:
        """Redraw everything from the session (after a rewind, fork or switch)."""
        state = self.session.state
        self.steps_fold = StepFold.of(state, start_belief(self.session.episode))
        self._live = None
        if self.selected is not None and self.selected > state.step:
            self.selected = None
        for pane in self.panes:
            pane.selected = self.selected
            pane.set_views(self.steps_fold.steps)
        if self.finder is not None:
            self.update_highlight()
        self.query_one(WorldPane).show(self.session, self.selected)
        self.status.show_error(None)
        self._pane_titles()
        self.refresh_chrome()

    def _on_event(self, session: Session, event: Event) -> None:
        """Fold the event into the transcript now; draw once per burst of events (``_flush``)."""
        state = session.state
        step = state.event_steps[-1] if state.event_steps else 0
        self.steps_fold.apply(event, step)
        if state.tripped_at.get(step):
            self.steps_fold.trip(step, state.tripped_at[step])
        self._dirty_steps.add(step)
        if isinstance(event, ModelTurn):
            self._live = None
            self.status.show_error(None)
        if isinstance(event, AgentError):
            self.status.show_error("Model call failed: " + event.message +
                                   ("" if event.retryable else " (retrying will not help until this is fixed)"))
        if isinstance(event, WORLD_EVENTS):
            self._world_dirty = True
        if not self._flush_pending:
            self._flush_pending = True
            self.call_next(self._flush)

    def _flush(self) -> None:
        self._flush_pending = False
        steps, self._dirty_steps = sorted(self._dirty_steps), set()
        for step in steps:
            view = self.steps_fold.view(step)
            for pane in self.panes:
                pane.upsert(view)
        if self.finder is not None:
            self.update_highlight(steps)
        if self._world_dirty:
            self._world_dirty = False
            self.query_one(WorldPane).show(self.session, self.selected)
        self._schedule_fsync()
        self.refresh_chrome()

    def refresh_chrome(self) -> None:
        s, ep = self.session.state, self.session.episode
        self.query_one(EpisodeHeader).show(
            title=ep.scenario.title.split(" — ")[0], agent=self.session.agent_spec, scripted=self.session.agent_spec.startswith("scripted/"),
            step=s.step, max_steps=ep.max_steps, branch=branch_name(ep, ep.current), branches=len(ep.branches),
            monitored=s.monitored, ended=s.ended, usage=usage_text(total_usage(s)), condition=condition(ep, s))
        self.set_class(not s.monitored, "-unmonitored")
        descriptions = {d.id: d.description for d in ep.scenario.detectors}
        self.query_one(DetectorStrip).show(s.verdicts, descriptions)
        self.status.hint(self._hint())
        sig = tuple(self.check_action(a.name, ()) for a in actions_for("episode"))
        if sig != self._binding_sig:
            self._binding_sig = sig
            self.refresh_bindings()
        error = self.writer.error if self.writer is not None else None
        if error and error != self._save_warned:
            self._save_warned = error
            self.notify(f"Autosave stopped: {error}. The episode is kept here; ctrl+s saves it elsewhere.",
                        title="Not saved", severity="error", timeout=15)

    def _hint(self) -> str:
        error = self.writer.error if self.writer is not None else None
        if error:
            return f"[b]Not saved[/] ({esc(error)}) — [b]ctrl+s[/] saves elsewhere · " + self._step_hint()
        if self.read_only:
            return f"[b]Read-only[/] ({esc(self.read_only)}) — [b]ctrl+s[/] saves a copy · " + self._step_hint()
        return self._step_hint()

    def _step_hint(self) -> str:
        s = self.session.state
        if s.ended:
            return (f"Episode ended ({esc(s.ended.replace('_', ' '))}). [b]f[/] fork at a step · [b]c[/] compare branches"
                    " · [b]w[/] rewind · [b]ctrl+s[/] save")
        if s.pending:
            return (f"Step {s.step}: [b]{esc(s.pending[0].name)}[/] waits for you — [b]space[/]/[b]a[/] run it · "
                    "[b]e[/] edit · [b]x[/] reject · [b]m[/] flip monitoring")
        if s.step == 0:
            return ("[b]space[/] asks the agent for its first turn · [b]g[/] runs to the end · "
                    "[b]m[/] flips what the agent believes · [b]?[/] help")
        return ("[b]space[/] next model turn · [b]o[/] edit the last result first · [b]g[/] run to end · "
                "[b]f[/] fork · [b]↑↓[/] select a step")

    def _pane_titles(self) -> None:
        sub = (f"step {self.selected} selected · end: follow" if self.selected is not None
               else "↑↓ select a step · enter details")
        for pane in self.panes:
            pane.border_subtitle = sub

    # -- selection: either pane, both highlight --------------------------------------------------
    @on(StepLog.StepSelected)
    def _selected(self, event: StepLog.StepSelected) -> None:
        self.selected = event.step
        for pane in self.panes:
            if pane is not event.log:
                pane.select(event.step, scroll=event.scroll)
        self._pane_titles()
        self.query_one(WorldPane).show(self.session, self.selected)  # the world after that step (None: now)

    def select_step(self, step: int | None) -> None:
        """Select ``step`` in both panes (and the World), scrolled into view."""
        self.selected = step
        for pane in self.panes:
            pane.select(step)
        self._pane_titles()
        self.query_one(WorldPane).show(self.session, self.selected)
        self.remember_screen()

    def target_step(self) -> int:
        return self.selected if self.selected is not None else self.session.state.step

    @on(MonitorToggle.Pressed)
    def _toggle_clicked(self) -> None:
        self.action_toggle_monitoring()

    # -- streaming -------------------------------------------------------------------------
    def _on_delta(self, delta: Any) -> None:
        if delta.channel == "status":
            self.status.progress(delta.text)
            return
        live = self._ensure_live()
        if delta.channel == "reasoning":
            live.live_reasoning += delta.text
        else:
            live.live_text += delta.text
        if not self._live_dirty:
            self._live_dirty = True
            self.set_timer(0.05, self._flush_live)

    def _ensure_live(self) -> Step:
        if self._live is None:
            self._live = Step(self.session.state.step + 1, live=True)
        return self._live

    def _flush_live(self) -> None:
        self._live_dirty = False
        if self._live is not None and self._busy:
            for pane in self.panes:
                pane.upsert(self._live)

    def _drop_live(self) -> None:
        step = self.session.state.step + 1
        self._live = None
        if step >= len(self.steps_fold.steps):
            for pane in self.panes:
                pane.remove(step)

    # -- busy state and workers --------------------------------------------------------------
    def set_busy(self, busy: bool, label: str = "") -> None:
        """Busy at once (keys that change the episode wait); shown only after a quarter second,
        so a scripted agent's instant answer does not flash the screen."""
        self._busy = busy
        if busy:
            self.status.busy(label)
            self._live_timer = self.set_timer(0.25, self._show_busy)
        else:
            if self._live_timer is not None:
                self._live_timer.stop()
                self._live_timer = None
            self._drop_live()
            self.status.idle()
            self.refresh_chrome()

    def _show_busy(self) -> None:
        self._live_timer = None
        self._ensure_live()
        self._flush_live()
        self.refresh_chrome()

    @property
    def busy(self) -> bool:
        return self._busy

    def run_model(self, mode: str = "turn", policy: Any = None, question: str = "", interviewer: str = "") -> None:
        """Start a model call; busy at once, so keys pressed before the worker runs cannot start another.
        ``interviewer``: who answers an interview question ("" the branch's agent)."""
        if self._busy:
            return
        agent = interviewer or self.session.agent_spec
        self.set_busy(True, f"asking {agent}…" if mode != "run" else f"running with {agent}…")
        self._model_worker(mode, policy, question, interviewer)

    @work(exclusive=True, group="model", exit_on_error=False)
    async def _model_worker(self, mode: str, policy: Any, question: str, interviewer: str = "") -> None:
        try:
            if mode == "turn":
                await self.session.request_turn()
            elif mode == "run":
                await self._run(policy)
            elif mode == "interview":
                await self.session.interview(question, interviewer or None)
        except EpisodeError as exc:
            self.notify(str(exc), severity="error")
        finally:
            self.set_busy(False)
        if mode == "turn":
            self.drain_typeahead()

    async def _run(self, policy: Any) -> None:
        """The engine's one run loop, with the human as the one who answers ``ask``: the run stops at
        the call and the usual keys (approve, edit, reject) answer it; ``g`` goes on from there."""
        result = await self.session.run(policy)
        if result.outcome == "breakpoint" and result.call is not None:
            why = f" ({result.message})" if result.message else ""
            self.notify(f"Stopped before {result.call.name}{why}: approve, edit or reject it.", title="Breakpoint")
        elif result.outcome in ("error", "limit"):
            self.status.show_error(result.message)  # with r to retry

    def recover_from(self, group: str, message: str) -> bool:
        """A failed model call or replay: the error line, with r to retry; the episode is as it was."""
        self.set_busy(False)
        self.status.show_error(message)
        self.refresh_chrome()
        return True
