"""What one benchmark run boots and starts, and the rounds that interleave
it: every repetition runs each measurement once, so that a change in the
machine's load (other builds and tests share it) hits them all alike."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .common import progress
from .fresh import FreshRun
from .start import StartRuns
from .through import HarnessImage
from .timing import Image, time_boot, time_harness


@dataclass
class Plan:
    """Everything measured in the rounds, and the samples they took."""

    floor: Image                    # the SeaBIOS floor
    pvh_floors: list[Image]
    images: list[Image]             # every test image, QEMU alone
    cases: list[Image]              # trivial_1 and trivial_1000, alone and through the harness
    start: StartRuns | None = None
    through: list[HarnessImage] = field(default_factory=list)
    through_reps: int = 0           # repetitions of the runs through the harness
    fresh: list[FreshRun] = field(default_factory=list)
    load: list[float] = field(default_factory=list)     # 1-minute load at each round

    def floor_once(self) -> float:
        """Boot the SeaBIOS floor once more, unrecorded: its time."""
        return time_boot(self.floor.qemu_cmd, self.floor.cwd, self.floor.env).seconds

    def boots(self) -> None:
        """The floors and the images QEMU alone, then the bench images through the harness."""
        for image in [self.floor] + self.pvh_floors + self.images + self.cases:
            if not image.skipped:
                image.boots.append(time_boot(image.qemu_cmd, image.cwd, image.env))
        for image in self.cases:
            image.harness.append(time_harness(image.harness_cmd, image.cwd, image.env))

    def round(self, rep: int) -> None:
        """One repetition of every measurement."""
        self.load.append(os.getloadavg()[0])
        self.boots()
        if self.start is not None:
            self.start.once()
        for run in self.fresh:
            run.once()
        if rep < self.through_reps:
            for image in self.through:
                image.once_each_way(self.floor_once)


def run_rounds(plan: Plan, reps: int) -> None:
    """reps rounds of the plan."""
    for rep in range(reps):
        progress(f'round {rep + 1} of {reps} (load average {os.getloadavg()[0]:.1f})')
        plan.round(rep)
