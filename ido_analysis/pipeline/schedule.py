"""Scheduling: a priority queue of jobs over a pool of worker processes."""

from __future__ import annotations

import concurrent.futures as cf
import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TextIO

from ido_analysis.pipeline.execute import (
    Outcome,
    Task,
    commit_task,
    discard_task,
    execute_task,
    init_worker,
    pdf_task,
    pdf_weight,
    warm_up,
)
from ido_analysis.pipeline.progress import say


class _InlineExecutor:
    """Runs tasks in this process, one at a time (``--jobs 1``)."""

    def submit(self, fn: Callable[[Any], Outcome], arg: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        future.set_result(fn(arg))
        return future

    def shutdown(self) -> None:
        pass


def executor_for(jobs: int) -> Any:
    if jobs <= 1:
        return _InlineExecutor()
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # no fork of a process that may hold threads/zmq sockets
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=init_worker,
                                  initargs=(ctx.Lock(),))



@dataclass
class RunResult:
    """What a pipeline run did. ``exit_code`` is 1 when anything failed or was blocked."""

    ran: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)
    combined: bool = False
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.blocked else 0



# Job kinds in priority order: notebooks first (they gate their dependents), chapter PDFs fill
# idle slots, background jobs (publishing work that needs no chapter) take what is left. The
# combined report is assembled after the run from the chapter PDFs (publish).
_EXECUTE, _PDF, _BACKGROUND = 0, 1, 2



_JOB_FUNCTIONS: dict[int, Callable[[Any], Outcome]] = {_EXECUTE: execute_task, _PDF: pdf_task}



class Scheduler:
    """Runs notebook tasks as soon as their dependencies succeeded, each as two jobs (execute
    + HTML, then the chapter PDF). At most ``jobs`` jobs run at once; a ready job of a lower
    kind number goes first. A chapter counts as done (dependents may start) when all its
    outputs are in place."""

    def __init__(self, order: list[str], deps: dict[str, tuple[str, ...]],
                 prepare: Callable[[str], Task | None], finish: Callable[[Outcome], None],
                 result: RunResult, stream: TextIO,
                 background: Sequence[tuple[Callable[[Any], Outcome], Any]] = (),
                 on_tail: Callable[[], None] | None = None) -> None:
        self.order, self.deps, self.prepare, self.finish = order, deps, prepare, finish
        self.background = list(background)
        self.on_tail = on_tail  # called once when nothing is left to start and a slot is free
        self.result, self.stream = result, stream
        self.pending, self.ok = list(order), set[str]()
        self.executing: set[str] = set()     # queued or running execute jobs
        self.tasks: dict[str, Task] = {}
        self.seconds: dict[str, float] = {}
        self.queue: list[tuple[int, float, int, Any]] = []  # heap (kind, -size, seq, arg)
        self.sequence = itertools.count()

    def run(self, jobs: int) -> None:
        """Run everything."""
        executor, running = executor_for(jobs), {}
        inline, warmed = _InlineExecutor(), False
        try:
            while True:
                self._release()
                while self.queue and len(running) < jobs:
                    kind, _, _, arg = heapq.heappop(self.queue)
                    # A narrative edit is a second of rendering: no worker process for it.
                    runner = inline if getattr(arg, "reuse", False) else executor
                    function, arg = arg if kind == _BACKGROUND else (_JOB_FUNCTIONS[kind], arg)
                    running[runner.submit(function, arg)] = (kind, arg)
                    if runner is executor and not warmed:
                        # The first notebook (cleaning) runs alone: the other workers start
                        # and import meanwhile instead of when their first job arrives, and
                        # background jobs are queued (only in a run that executes something).
                        for _ in range(jobs - 1):
                            executor.submit(warm_up)
                        for job in self.background:
                            self._push(_BACKGROUND, job)
                        warmed = True
                if not running:
                    return
                if (self.on_tail and not self.queue and not self.pending
                        and len(running) < jobs):
                    self.on_tail()
                    self.on_tail = None
                done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    kind, arg = running.pop(future)
                    self._handle(kind, arg, future.result())
        finally:
            executor.shutdown()

    def _push(self, kind: int, arg: Any, size: float = 0.0) -> None:
        """Queue a job; within a kind, larger ``size`` first, then first come first."""
        heapq.heappush(self.queue, (kind, -size, next(self.sequence), arg))

    def _release(self) -> None:
        """Queue every pending task whose dependencies are done; block those of a failure."""
        progressed = True
        while progressed:
            progressed = False
            for name in list(self.pending):
                if not all(d in self.ok or d not in self.order for d in self.deps[name]):
                    if any(d in self.result.failed or d in self.result.blocked
                           for d in self.deps[name]):
                        self.pending.remove(name)
                        self.result.blocked.append(name)
                        say(self.stream, f"  skip  {name}: a dependency failed")
                        progressed = True
                    continue
                self.pending.remove(name)
                progressed = True
                task = self.prepare(name)
                if task is None:
                    self.ok.add(name)
                    self.result.up_to_date.append(name)
                    continue
                say(self.stream, f"  run   {name}")
                self.tasks[name] = task
                self.executing.add(name)
                self._push(_EXECUTE, task)

    def _handle(self, kind: int, arg: Any, outcome: Outcome) -> None:
        if kind == _BACKGROUND:  # publishing redoes what a failed background job left out
            if not outcome.ok:
                say(self.stream, f"  note  {outcome.name}: {outcome.message}")
            return
        task = self.tasks[outcome.name]
        self.seconds[task.name] = self.seconds.get(task.name, 0.0) + outcome.seconds
        if kind == _EXECUTE:
            self.executing.discard(task.name)
        if not outcome.ok:
            if kind == _PDF:
                discard_task(task)
            self.result.failed[task.name] = outcome.message
            say(self.stream, f"  FAIL  {outcome.message} ({self.seconds[task.name]:.1f} s)")
        elif kind == _EXECUTE and task.html:
            # Longest first, so that no long PDF is left to finish alone: its HTML's size.
            self._push(_PDF, task, pdf_weight(task))
        else:
            commit_task(task)
            self.ok.add(task.name)
            self.result.ran.append(task.name)
            self.finish(replace(outcome, seconds=self.seconds[task.name]))
            say(self.stream, f"  done  {task.name} ({self.seconds[task.name]:.1f} s)")
