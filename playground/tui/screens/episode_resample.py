"""The episode screen's resample: a key on the selected step draws it again N times (the
engine's ``playground.sweep.resample``, in an async worker so the screen stays live and esc
cancels it), shows the distribution, and opens a chosen sample as a branch to step or compare."""

from __future__ import annotations

from typing import Any

from textual import work

from ...sweep import ResampleError, resample
from ...sweep.resample import Resample, graft
from ..dialogs.resample_dialog import ResampleChoice, ResampleDialog, ResampleTable


class ResampleOps:
    session: Any

    def resample_step(self) -> tuple[int, int]:
        """(the step to resample by default, the last one that can be): the selected step, else the coming one."""
        s = self.session.state
        last = s.step if (s.ended or s.pending) else s.step + 1
        step = self.selected if self.selected else last
        return max(1, min(step, last)), max(1, last)

    def action_resample(self) -> None:
        if self.busy:
            self.notify("Wait for the running call to finish (esc cancels it).", severity="warning")
            return
        step, last = self.resample_step()
        if last < 1 or (self.session.state.step == 0 and self.session.state.pending):
            return

        def chosen(choice: ResampleChoice | None) -> None:
            if choice is not None:
                self.set_busy(True, f"resampling step {choice.step}: 0/{choice.n}")
                self._resample_worker(choice)

        self.app.push_screen(ResampleDialog(step, last, self.session.agent_spec,
                                            tuple(self.session.episode.scenario.policies)), chosen)

    @work(exclusive=True, group="model", exit_on_error=False)
    async def _resample_worker(self, choice: ResampleChoice) -> None:
        done = [0]

        def tick(_sample: Any) -> None:
            done[0] += 1
            self.status.progress(f"{done[0]}/{choice.n}")

        ep = self.session.episode
        try:
            result = await resample(ep, choice.step, choice.n, branch=ep.current, agent=choice.agent,
                                    horizon=choice.horizon, make_agent=self.session.make_agent, on_sample=tick)
        except ResampleError as exc:
            self.notify(str(exc), severity="error")
            return
        finally:
            self.set_busy(False)
        self.show_resample(result)

    def show_resample(self, result: Resample) -> None:
        report = result.report()

        def opened(row: int | None) -> None:
            if row is None:
                return
            action = report["next_actions"][row]["action"]
            sample = next(s for s in result.samples if s.action == action)
            (bid,) = graft(self.session.episode, result.branch, result.cut, result.step, result.agent, [sample])
            self.selected = None
            self.history("switch", (bid,), lambda _r: self.notify(
                f"Now on branch {bid}: sample {sample.index + 1} of step {result.step}. space steps it on, "
                f"c compares it with {result.branch}.", title="Sample opened"))

        self.app.push_screen(ResampleTable(report), opened)
