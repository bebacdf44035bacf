"""Benchmark: false alarms on random session splits and power on a planted difference, before and after.

Fits AnnoMI once with the default config (or opens ``--run``), then:

* **null**: ``--splits`` random splits of the 133 sessions into two halves
  (no real difference): how many splits get any flagged topic, with the
  former test (session bootstrap, BH) and with today's (weighted studentised
  session permutation test, size-weighted BH, interval agreement);
* **planted**: ``--planted`` splits with every alcohol session (labelled
  "reducing alcohol consumption", alone or among other labels) in group A
  plus a random half of the others: in how many is the drinking topic flagged.

    .venv/bin/python benchmarks/calibration.py [--run RUN] [--splits 40] [--planted 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from annomi_run import open_or_fit


def former_flags(run, draws: int = 2000, seed: int = 0) -> np.ndarray:
    """The test this toolkit used before: session bootstrap per group, p from the bootstrap, plain BH."""
    from topics.analysis import significance

    kept = run.kept
    ids = [t.id for t in run.joint.topics]
    table = significance.SessionTable.from_assignments(kept, kept["topic"].to_numpy(dtype=int), ids)
    rng = np.random.default_rng(seed)

    def bootstrap(part):
        picks = rng.integers(0, len(part.totals), size=(draws, len(part.totals)))
        return part.counts[picks].sum(axis=1) / np.maximum(part.totals[picks].sum(axis=1), 1)[:, None]

    a, b = table.subset(table.groups == "A"), table.subset(table.groups != "A")
    difference = bootstrap(a) - bootstrap(b)
    p = np.minimum(1.0, 2 * np.minimum((difference <= 0).mean(axis=0), (difference >= 0).mean(axis=0)))
    return significance.benjamini_hochberg(p) < 0.05


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", help="a fitted AnnoMI run folder (default: fit one now)")
    parser.add_argument("--splits", type=int, default=40)
    parser.add_argument("--planted", type=int, default=20)
    args = parser.parse_args()

    from topics.analysis import calibration

    run = open_or_fit(args.run, "bench-calibration-")
    plain = run.with_members(None)  # robustness is not part of a flag
    drinking = next(t.id for t in run.joint.topics if "drinking" in t.top_words(3))
    started = time.perf_counter()
    former = [bool(former_flags(calibration.random_split(plain, s), seed=s).any()) for s in range(args.splits)]
    ours = [not calibration.flags(calibration.random_split(plain, s), seed=s).empty for s in range(args.splits)]
    print(f"null: {args.splits} random session splits of AnnoMI ({time.perf_counter() - started:.0f} s)")
    print(f"  former session bootstrap: {sum(former)} splits with a flag ({100 * np.mean(former):.0f} %)")
    print(f"  today's permutation test: {sum(ours)} splits with a flag ({100 * np.mean(ours):.0f} %)  (nominal 5 %)")
    ids = [t.id for t in run.joint.topics]
    found_former, found_ours, found_robust = 0, 0, 0
    for s in range(args.planted):
        planted = calibration.planted_split(run, "meta_topic", "reducing alcohol consumption", 1000 + s)
        found_former += bool(former_flags(planted, seed=s)[ids.index(drinking)])
        flagged = calibration.flags(planted, seed=s)
        hit = flagged[flagged["topic"] == drinking]
        found_ours += not hit.empty
        found_robust += bool(not hit.empty and hit["robust"].all())
    print(f"planted: every alcohol session in group A, {args.planted} splits; drinking topic {drinking} flagged")
    print(f"  former session bootstrap: {found_former} of {args.planted}")
    print(f"  today's permutation test: {found_ours} of {args.planted} (robust across seed models: {found_robust})")


if __name__ == "__main__":
    main()
