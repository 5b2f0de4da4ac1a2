"""The episode screen's actions: each asks the engine's Session to do one thing.

A mixin for ``EpisodeScreen`` (which provides ``session``, ``status``,
``run_model`` and the redraw methods). Rewind, fork and switch replay the event
log, which takes seconds at thousands of steps, so they run on a thread while
the screen stays live.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from textual import work
from textual.message import Message

from ...episode import EpisodeError, ask_at
from ...episode.events import MonitoringChanged
from ...episode.steps import count_steps
from ...store import EXPORTERS, SaveLock, SaveWriter, atomic_write
from ..dialogs.branch_tree import BranchTree
from ..dialogs.call_editor import CallEditor
from ..dialogs.export_dialog import ExportDialog
from ..dialogs.fork_dialog import ForkChoice, ForkDialog
from ..dialogs.result_editor import ResultEditor
from ..dialogs.step_detail import StepDetail
from ...episode.summary import condition
from ..dialogs.text_prompt import TextPrompt
from ..palette import palette_of
from ..render_detail import received_detail, step_detail

MUTATING_ACTIONS = {"step", "approve", "edit_call", "reject", "edit_result", "toggle_monitoring", "run_to_end",
                    "run_to_breakpoint", "rewind", "fork", "switch_branch", "note", "interview", "retry", "resample"}


def branch_rows(episode: Any) -> list[tuple[str, str]]:
    """One line per branch: where it forked, how many steps, what the agent believes at its end."""
    rows = []
    for bid, b in episode.branches.items():
        events = episode.events(bid)
        steps = count_steps(events)
        monitored = episode.monitoring
        for e in events:
            if isinstance(e, MonitoringChanged):
                monitored = e.on
        origin = ""
        if b.parent is not None:
            at = count_steps(episode.events(b.parent)[: b.fork_at])
            origin = f" · from {b.parent} at step {at}"
        label = f" “{b.label}”" if b.label and b.label != bid else ""
        rows.append((bid, f"{bid}{label}{origin} · {steps} steps · {'monitored' if monitored else 'UNMONITORED'}"))
    return rows


class HistoryDone(Message):
    """A rewind, fork or switch finished on its thread (which touches no widget)."""

    def __init__(self, result: Any, then: Callable[[Any], None] | None, error: str | None) -> None:
        super().__init__()
        self.result, self.then, self.error = result, then, error


class EpisodeOps:
    session: Any

    # -- guards -----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """True: enabled. None: shown greyed (so the footer keeps its shape). False: hidden."""
        s = self.session.state
        if action in ("approve", "edit_call", "reject"):
            return True if (s.pending and not self.busy) else None
        if action == "edit_result":
            return True if (self.result_choices() and not self.busy) else None
        if action == "retry":
            return self.status.error is not None and not self.busy
        if action == "step":  # stays live while busy: presses queue up for a scripted agent (type-ahead)
            return None if s.ended else True
        if action in ("run_to_end", "run_to_breakpoint"):
            return None if (self.busy or s.ended) else True
        if action == "switch_branch":
            return len(self.session.episode.branches) > 1 and (None if self.busy else True)
        if action in MUTATING_ACTIONS and self.busy:
            return None
        return True

    def why_not(self, action: str) -> str | None:
        """Why a key does nothing right now (shown in the status line when it is pressed)."""
        s = self.session.state
        if self.check_action(action, ()) is True:
            return None
        if self.busy and action in MUTATING_ACTIONS | {"approve", "edit_call", "reject", "edit_result", "run_to_end",
                                                      "run_to_breakpoint", "switch_branch"}:
            return "A model call is running: wait for it, or press esc to cancel it."
        if action in ("approve", "edit_call", "reject"):
            if s.ended:
                return "The episode has ended, so no call waits: f forks at a step, w rewinds."
            return "No call waits for you: space asks the model for its next turn, and its calls wait here."
        if action == "edit_result":
            if s.step == 0:
                return "No tool has returned anything yet: o edits a result before the model's next turn."
            if s.pending:
                return "Run or reject the waiting call first: o edits a result once it has one."
            return "Only the latest turn's results can be edited, before the model's next turn."
        if action == "switch_branch":
            return "There is only one branch: f forks one (e.g. at step 0 with the belief flipped)."
        if action in ("step", "run_to_end", "run_to_breakpoint") and s.ended:
            return f"The episode has ended ({s.ended.replace('_', ' ')}): f forks at a step, w rewinds, c compares."
        if action == "retry":
            return "Nothing to retry: r retries a failed model call."
        return None

    def on_key(self, event: Any) -> None:
        """A key whose action does not apply now says why, instead of doing nothing in silence."""
        if self.bar_typeahead(event):
            return
        action = self._own_action(event.key)
        if action is None:
            return
        why = self.why_not(action)
        if why:
            self.status.flash(why)

    def _own_action(self, key: str) -> str | None:
        for namespace, bindings in self._binding_chain:
            if namespace is self:
                for binding in bindings.key_to_bindings.get(key, ()):
                    return binding.action
        return None

    def _do(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self.busy:
            self.notify("Wait for the running call to finish (esc cancels it).", severity="warning")
            return None
        try:
            return fn(*args)
        except EpisodeError as exc:
            self.notify(str(exc), severity="error")
            return None

    # -- stepping and the pending call ------------------------------------------------------------
    def action_step(self) -> None:
        s = self.session.state
        if self.busy:
            if self._instant_agent():  # type-ahead: a scripted agent answers within a frame
                self.typeahead = min(self.typeahead + 1, 100)
            return
        if s.ended:
            self.typeahead = 0
            self.notify("The episode has ended: fork (f) or rewind (w) to try something else.")
        elif s.pending:
            self._do(self.session.approve)
            self.drain_typeahead()
        else:
            self.run_model("turn")

    def drain_typeahead(self) -> None:
        if self.typeahead > 0 and not self.busy and self.status.error is None:
            self.typeahead -= 1
            self.call_next(self.action_step)
        elif self.status.error is not None:
            self.typeahead = 0

    def _instant_agent(self) -> bool:
        try:
            return bool(getattr(self.session.agent(), "scripted", False))
        except Exception:
            return False

    def action_approve(self) -> None:
        self._do(self.session.approve)

    def action_edit_call(self) -> None:
        if not self.session.state.pending:
            return
        call = self.session.state.pending[0]
        schema = next((t for t in self.session.episode.context.tool_schemas
                       if t.get("function", {}).get("name") == call.name), None)

        def done(arguments: str | None) -> None:
            if arguments is not None:
                self._do(self.session.edit_call, call.id, arguments)

        self.app.push_screen(CallEditor(call.name, call.arguments, schema), done)

    def action_reject(self) -> None:
        if not self.session.state.pending:
            return
        call = self.session.state.pending[0]

        def done(reason: str | None) -> None:
            if reason is not None:
                self._do(self.session.reject, call.id, reason)

        self.app.push_screen(TextPrompt(f"Reject {call.name}", "The call will not run. The model is told it was "
                                        "rejected, with your reason.", placeholder="reason",
                                        ok="Reject", allow_empty=True), done)

    def result_choices(self) -> list[tuple[str, str, str]]:
        s = self.session.state
        if not s.turns:
            return []
        out = []
        for c in s.turns[-1].tool_calls:
            if c.id in s.results:
                shown = s.edited_results.get(c.id, s.results[c.id].output)
                out.append((c.id, f"{c.name} ({c.id})", shown))
        return out

    def action_edit_result(self) -> None:
        choices = self.result_choices()
        if not choices:
            self.notify("Only a result of the latest turn can be edited, before the model's next turn.")
            return

        def done(result: tuple[str, str] | None) -> None:
            if result is not None:
                self._do(self.session.edit_result, *result)

        self.app.push_screen(ResultEditor(choices), done)

    def action_toggle_monitoring(self) -> None:
        self._do(self.session.toggle_monitoring)

    # -- running ----------------------------------------------------------------------------------
    def action_run_to_end(self) -> None:
        if not self.busy and not self.session.state.ended:
            self.run_model("run")

    def action_run_to_breakpoint(self, kind: str | None = None) -> None:
        if not self.busy and not self.session.state.ended:
            self.breakpoint = kind or self.breakpoint
            self.run_model("run", ask_at(self.breakpoint, self.session.policy))

    def action_retry(self) -> None:
        self.status.show_error(None)
        self.action_step()

    def action_interview(self) -> None:
        from ..dialogs.interview_dialog import InterviewDialog, Question

        def done(q: Question | None) -> None:
            if q is not None:
                self.run_model("interview", question=q.text, interviewer=q.agent)

        recording = (self.session.episode.source or {}).get("recording") or {}
        self.app.push_screen(InterviewDialog(self.session.agent_spec, tuple(self.session.episode.scenario.policies),
                                             len(recording.get("followups") or [])), done)

    def action_back(self) -> None:
        if self.close_bar():
            return
        if self.busy:
            self.workers.cancel_group(self, "model")
            self.notify("Cancelled.")
        elif self.status.error is not None:
            self.status.show_error(None)
            self.refresh_chrome()
        else:
            self.app.leave_episode(self)

    # -- history: rewind, fork, switch ---------------------------------------------------------------
    def history(self, op: str, args: tuple, then: Callable[[Any], None] | None = None) -> None:
        self.set_busy(True, f"{op}: replaying the event log…")
        self._history_worker(op, args, then)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def _history_worker(self, op: str, args: tuple, then: Callable[[Any], None] | None) -> None:
        try:
            result, error = getattr(self.session, op)(*args), None
        except EpisodeError as exc:
            result, error = None, str(exc)
        self.post_message(HistoryDone(result, then, error))

    def on_history_done(self, msg: HistoryDone) -> None:
        self.set_busy(False)
        if msg.error is not None:
            self.notify(msg.error, severity="error")
            return
        self._after_history(msg.result, msg.then)

    def _after_history(self, result: Any, then: Callable[[Any], None] | None) -> None:
        self.rebuild()
        if then is not None:
            then(result)
        self.save_now()  # a rewind, fork or switch is no event: append what changed
        self.remember_screen()

    def action_rewind(self) -> None:
        step = self.target_step()
        if step >= self.session.state.step and not self.session.state.pending:
            self.notify(f"Already at step {step}: select an earlier step (↑) first.")
            return

        def done(kept: str | None) -> None:
            where = f" The later steps are kept as branch {kept} (t switches)." if kept else ""
            self.notify(f"Rewound to the end of step {step}.{where}", title="Rewind")

        self.selected = None
        self.history("rewind", (step,), done)

    def action_fork(self) -> None:
        s = self.session.state

        def chosen(choice: ForkChoice | None) -> None:
            if choice is None:
                return
            if s.ended and choice.step >= s.step:
                self.notify(f"Step {s.step} ended the episode; fork at an earlier step to let the agent go on.",
                            severity="warning")
                return

            def done(bid: str) -> None:
                if choice.label:
                    self.session.episode.branches[bid].label = choice.label
                if choice.agent:
                    self.session.set_agent(choice.agent)
                if choice.monitored is not None:
                    self.session.set_monitoring(choice.monitored)
                belief = "monitored" if self.session.state.monitored else "UNMONITORED"
                self.notify(f"Now on branch {bid}, forked at step {choice.step}; the agent believes it is {belief}. "
                            "space steps, g runs to the end, c compares.", title="Forked")

            self.selected = None
            self.history("fork", (choice.step,), done)

        default = self.selected if self.selected is not None else (0 if s.ended else s.step)
        self.app.push_screen(ForkDialog(default, s.step, s.monitored, self.session.agent_spec,
                                        tuple(self.session.episode.scenario.policies),
                                        condition(self.session.episode, s)), chosen)

    def action_switch_branch(self) -> None:
        ep = self.session.episode

        def chosen(bid: str | None) -> None:
            if bid and bid != ep.current:
                self.selected = None
                self.history("switch", (bid,), lambda _r: self.notify(f"Now on branch {bid}."))

        def renamed(bid: str, label: str) -> None:
            self.save_now()  # a label is no event: the save appends the branch's new shape
            self.refresh_chrome()
            self.status.flash(f"Branch {bid} is now “{label}”." if label else f"Branch {bid} has no label now.")

        self.app.push_screen(BranchTree(ep, ep.current, {ep.current: self.session.state}, renamed), chosen)

    def action_compare(self) -> None:
        ep = self.session.episode
        if len(ep.branches) < 2:
            self.notify("There is only one branch. Fork one first (f) — for example at step 0 with the monitoring "
                        "belief flipped — run both, then compare.", title="Compare", timeout=8)
            return
        self.app.open_compare(self, *self.compare_pair())

    def compare_pair(self) -> tuple[str, str]:
        ep = self.session.episode
        cur = ep.branches[ep.current]
        if cur.parent is not None:
            return cur.parent, cur.id
        kids = ep.children(cur.id)
        if kids:
            return cur.id, kids[-1].id
        return cur.id, next(b for b in ep.branches if b != cur.id)

    # -- notes, saving, exporting, looking closer -------------------------------------------------------
    def action_note(self) -> None:
        def done(text: str | None) -> None:
            if text:
                self._do(self.session.note, text)

        self.app.push_screen(TextPrompt(f"Note at step {self.session.state.step}",
                                        "For you and your readers; the model never sees it.", ok="Add note"), done)

    def action_save(self) -> None:
        """Make sure everything is on disk (appended and fsynced); when the save cannot be written or is
        another window's, save the episode elsewhere."""
        if self.save_path is None or self.read_only:
            self.save_elsewhere(self.read_only or "this episode has no save file yet")
            return
        writer = self.writer
        if writer is not None and writer.error:
            writer.retry()  # the user asked: try the same file once more (whole), then offer another
        if writer is None or not writer.flush(self.session.episode):
            self.save_elsewhere(writer.error if writer is not None else "nothing to write with")
            self.refresh_chrome()
            return
        self.remember_screen()
        self.refresh_chrome()
        self._saved_events = self.event_total()
        self.notify(f"Saved to {self.save_path}", title="Saved")

    def save_elsewhere(self, why: str) -> None:
        """Ask for a path, write the whole episode there, and go on saving to it."""
        base = self.save_path or Path(self.app.config.save_dir) / f"{self.session.episode.scenario.id}.toml"
        suggestion = base.with_name(f"{base.stem}-copy.toml")
        n = 2
        while suggestion.exists():
            suggestion, n = base.with_name(f"{base.stem}-copy-{n}.toml"), n + 1

        def chosen(text: str | None) -> None:
            if not text:
                return
            path = Path(text).expanduser()
            if path.suffix != ".toml":
                path = path.with_name(path.name + ".toml")
            lock = SaveLock(path)
            try:
                if not lock.acquire():
                    self.notify(f"{path} is open in another playground window; choose another file.",
                                severity="error")
                    return
            except OSError as exc:
                self.notify(f"Cannot write {path}: {exc.strerror or exc}", title="Not saved", severity="error")
                return
            writer = SaveWriter(path)
            if not writer.flush(self.session.episode):
                lock.release()
                self.notify(f"Not saved: {writer.error}", title="Not saved", severity="error", timeout=12)
                return
            self.use_save(path, lock, writer)
            self._saved_events = self.event_total()
            self.remember_screen()
            self.refresh_chrome()
            self.notify(f"Saved to {path}; this episode is saved there from now on.", title="Saved")

        self.app.push_screen(TextPrompt("Save elsewhere", f"Not saved: {why}. The episode is kept in memory; "
                                        "type a file to save it to.", value=str(suggestion), ok="Save"), chosen)

    def action_export(self) -> None:
        folder = (self.save_path.parent if self.save_path else self.app.config.save_dir) / "exports"

        def chosen(fmt: str | None) -> None:
            if not fmt:
                return
            ep = self.session.episode
            stem = self.save_path.stem if self.save_path else ep.scenario.id
            path = folder / f"{stem}-{ep.current}.{fmt}"
            try:
                atomic_write(path, EXPORTERS[fmt](ep, ep.current))
            except OSError as exc:
                self.notify(f"Could not export: {exc}", severity="error")
                return
            self.notify(f"Wrote {path}", title="Exported")

        self.app.push_screen(ExportDialog(str(folder)), chosen)

    def action_details(self) -> None:
        step = self.target_step()
        if step == 0:
            self.action_prompt()
            return
        view = self.steps_fold.view(step)
        scenario = self.session.episode.scenario
        body = step_detail(view, palette_of(self.app), {d.id: d.label for d in scenario.detectors}, scenario.good_labels)
        self.app.push_screen(StepDetail(f"Step {step} in full", body))

    def action_prompt(self) -> None:
        """What the model received for the selected turn (no turn selected: what it gets next)."""
        from ...episode.received import request_for

        request = request_for(self.session.state, 1 if self.selected == 0 else self.selected)
        title = (f"What the model received for step {request.step}" if request.happened
                 else f"What the model gets next (step {request.step})")
        self.app.push_screen(StepDetail(title, received_detail(request, palette_of(self.app))))
