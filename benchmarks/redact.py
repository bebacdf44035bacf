"""Benchmark: de-identification speed on AnnoMI's therapist remarks, each case in a fresh process.

Goals (issue 11): redacting the remarks of a 300-remark report in under 5 s,
all 4,882 AnnoMI therapist remarks in under 60 s, on 2 cores. "Cold"
includes importing the package and loading every word list (names,
GeoNames places, SCOWL, wordfreq); "warm" is the same texts again in that
process. There is no BERTopic counterpart: BERTopic has no redaction.

    .venv/bin/python benchmarks/redact.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANNOMI = ROOT.parent / "shared" / "corpora" / "annomi" / "AnnoMI-simple.csv"


def measure(count: int) -> dict:
    """In this (fresh) process: cold and warm seconds to redact the first ``count`` therapist remarks."""
    import pandas as pd

    frame = pd.read_csv(ANNOMI)
    texts = frame.loc[frame["interlocutor"] == "therapist", "utterance_text"].astype(str).head(count).tolist()
    started = time.perf_counter()
    from topics.share.redact import Redactor

    redactor = Redactor(pseudonyms=True)
    changed = sum(redactor.redact(t).text != t for t in texts)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    for text in texts:
        redactor.redact(text)
    return {"remarks": len(texts), "cold": cold, "warm": time.perf_counter() - started, "changed": changed}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        print(json.dumps(measure(int(sys.argv[2]))))
        return
    print(f"{'remarks':>8}{'cold (s)':>10}{'warm (s)':>10}{'changed':>9}   goal")
    for count, goal in ((300, 5.0), (4882, 60.0)):
        result = subprocess.run(
            [sys.executable, __file__, "--measure", str(count)], capture_output=True, text=True, cwd=ROOT, check=True
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        verdict = "met" if figures["cold"] < goal else "MISSED"
        print(
            f"{figures['remarks']:>8}{figures['cold']:>10.2f}{figures['warm']:>10.2f}{figures['changed']:>9}   "
            f"< {goal:.0f} s cold: {verdict}"
        )


if __name__ == "__main__":
    main()
