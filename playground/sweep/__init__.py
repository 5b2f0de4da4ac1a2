"""The population: resample at a step, sweeps over conditions, rates with Wilson intervals and the
study's contrasts. Textual-free; the CLI verbs are in ``playground.cli.population``."""

from .plan import Cell, Plan, PlanError, build_plan, parse_monitoring, parse_vary
from .report import report, results_of
from .resample import HORIZONS, Resample, ResampleError, resample
from .results import to_markdown, write_results
from .run import SweepRun, run_sweep
from .stats import newcombe, rate, wilson

__all__ = ["Cell", "HORIZONS", "Plan", "PlanError", "Resample", "ResampleError", "SweepRun", "build_plan",
           "newcombe", "parse_monitoring", "parse_vary", "rate", "report", "resample", "results_of", "run_sweep",
           "to_markdown", "wilson", "write_results"]
