"""The real thing: packaged MiniLM, UMAP and HDBSCAN on AnnoMI's 4,882 therapist remarks.

One fit of the default config (a consensus of 10 seeded fits) serves every
test here: its quality goals, the calibration of group comparisons on random
session splits (no real difference: any flag is a false alarm) and their
power on a planted difference (every alcohol session in one group).
"""

import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import ANNOMI

from topics.analysis import calibration
from topics.core.config import load_config
from topics.curate.assign import kept_embeddings, self_consistency
from topics.curate.editlog import Curator
from topics.fit.pipeline import fit_run
from topics.fit.stability import load as load_stability

FILLERS = {"mm", "hmm", "uh", "um", "yeah", "okay", "ok", "oh", "right", "like", "know", "just", "really", "gonna"}


@pytest.fixture(scope="module")
def annomi_run(tmp_path_factory):
    assert ANNOMI.exists(), (
        f"AnnoMI not found at {ANNOMI}: put AnnoMI-simple.csv (github.com/uccollab/AnnoMI) "
        "in ../shared/corpora/annomi or set THERAPY_TOPICS_ANNOMI (see README)"
    )
    config = load_config("configs/annomi.yaml", ["fit.modes=[joint]"])
    return fit_run(config, config_file=None, out=tmp_path_factory.mktemp("annomi") / "run")


@pytest.mark.slow
def test_default_config_gives_a_readable_model_on_annomi(annomi_run):
    run = annomi_run
    metrics = run.metrics["joint"]
    assert run.provenance["cleaning"]["total"] == 4882
    assert run.provenance["cleaning"]["backchannel"] > 800  # "Mm-hmm." and friends are set aside, not lost
    assert 15 <= metrics["topic_count"] <= 60
    assert metrics["junk_share"] <= 0.12 and metrics["filler_topics"] == 0
    assert metrics["nmi_topic"] >= 0.30
    for topic in run.joint.topics:
        words = {token for phrase in topic.top_words(10) for token in phrase.split()}
        assert not words & FILLERS, (topic.id, topic.top_words(10))
    # Themes an MI expert expects to find as topics of their own.
    labels = " ".join(" ".join(t.top_words(10)) for t in run.joint.topics)
    for theme in ("smoking", "drinking", "scale"):
        assert theme in labels


@pytest.mark.slow
def test_short_remarks_get_a_topic_and_coverage_reaches_plain_bertopic_s(annomi_run):
    from topics.analysis.evaluate import evaluate_run

    scores = evaluate_run(annomi_run)
    # plain BERTopic covers 0.566 of AnnoMI's therapist remarks (docs/methods/quality-measures.md,
    # `topics evaluate --baselines`)
    assert scores["covered_share"] >= 0.57 and scores["filler_share"] == 0
    attached = annomi_run.remarks[annomi_run.remarks["attached"]]
    assert (attached["set_aside"] == "too_short").all() and annomi_run.provenance["cleaning"]["short_attached"] > 300
    texts = dict(zip(attached["text"], attached["topic"]))
    assert texts["Well, what made you say five rather than two or three?"] != -1  # a scaling question finds its topic


@pytest.mark.slow
def test_short_interventions_keep_their_meaning_and_end_in_a_topic(annomi_run):
    """Issue 21's goals: only empty remarks and backchannels go without a topic by rule; 95 % of the remarks
    of 4+ words, 90 % of each behaviour code's and of the stated ruler and permission patterns end in one."""
    from topics.fit.metrics import coverage, coverage_by, intervention_coverage

    remarks = annomi_run.remarks
    figures = coverage(remarks)
    assert figures["substantive_no_topic_share"] <= 0.05, figures
    assert annomi_run.metrics["joint"]["substantive_no_topic_share"] == figures["substantive_no_topic_share"]
    placed = coverage_by(remarks, "meta_main_therapist_behaviour")
    for code in ("question", "reflection", "therapist_input"):
        assert placed[code] >= 0.90, placed
    interventions = intervention_coverage(remarks).set_index("intervention")
    assert (interventions["remarks"] >= 20).all() and (interventions["in_topic_share"] >= 0.90).all(), interventions


@pytest.mark.slow
def test_curated_topics_are_recognised_in_held_out_sessions(annomi_run):
    from topics.curate import classifier

    _, evaluation = classifier.train(Curator(annomi_run.path))
    assert evaluation.sessions == 133 and evaluation.folds == 5
    # docs/guide/cli.md: macro-F1 over 5 session-grouped folds, curated rule, centroid rule and classifier
    assert min(evaluation.macro_f1.values()) >= 0.75
    assert evaluation.macro_f1["curated"] >= evaluation.macro_f1["centroid"] - 0.01


@pytest.mark.slow
def test_every_fit_stores_its_members_and_per_topic_stability(annomi_run):
    run = annomi_run
    assert run.members is not None and len(run.members) == len(run.kept)
    assert len([c for c in run.members.columns if c.startswith("seed_")]) == run.config["consensus"]["members"] == 10
    scores = load_stability(run.path)
    assert scores is not None and len(scores) == len(run.joint.topics)
    assert scores["stability"].between(0, 1).all() and scores["stable"].mean() > 0.5


@pytest.mark.slow
def test_random_session_splits_of_annomi_raise_at_most_one_false_alarm_in_20(annomi_run):
    plain = annomi_run.with_members(None)
    flagged = [not calibration.flags(calibration.random_split(plain, seed), seed=seed).empty for seed in range(20)]
    assert sum(flagged) <= 1, f"{sum(flagged)} of 20 null splits had a flagged topic"


@pytest.mark.slow
def test_a_planted_alcohol_difference_is_found_in_every_planted_split(annomi_run):
    """Every session labelled "reducing alcohol consumption" (alone or among other labels) in group A."""
    drinking = next(t.id for t in annomi_run.joint.topics if "drinking" in t.top_words(3))
    missed = []
    for seed in range(10):
        planted = calibration.planted_split(annomi_run, "meta_topic", "reducing alcohol consumption", 1000 + seed)
        flagged = calibration.flags(planted, seed=seed)
        hit = flagged[flagged["topic"] == drinking]
        if hit.empty or not (hit["difference"] > 0).all():
            missed.append(seed)
    assert not missed, f"drinking topic not flagged in planted splits {missed}"


@pytest.mark.slow
def test_transforming_the_run_s_own_remarks_gives_their_curated_topics(annomi_run, tmp_path):
    """Issue 25 goals: after a merge of alike topics, one of unlike topics and a discard, ``topics transform`` of
    the run's own corpus gives at least 98 % of the kept remarks their curated topic; with each remark's
    session left out, the curated rule agrees at least as well as one centroid per topic, and keeps a merged
    topic's remarks far better (benchmarks/assignment.py: 0.85-0.88 against 0.66)."""
    from topics.curate.assign import held_out_assignment
    from topics.curate.transform import transform_file

    folder = tmp_path / "run"
    shutil.copytree(annomi_run.path, folder)
    curator = Curator(folder)
    assert self_consistency(curator.run, curator.fitted, kept_embeddings(curator)) >= 0.90
    joint = curator.run.joint
    similarity = joint.centroids @ joint.centroids.T / np.outer(*[np.linalg.norm(joint.centroids, axis=1)] * 2)
    np.fill_diagonal(similarity, np.nan)
    alike = np.unravel_index(np.nanargmax(similarity), similarity.shape)
    unlike = np.unravel_index(np.nanargmin(similarity), similarity.shape)
    curator.record("merge", "test", topics=tuple(joint.topics[i].id for i in alike))
    curator.record("merge", "test", topics=tuple(joint.topics[i].id for i in unlike))
    curator.record("discard", "test", topics=(curator.run.joint.topics[-1].id,))
    run, truth = curator.run, curator.run.kept["topic"].to_numpy(dtype=int)
    assert self_consistency(run, curator.fitted, kept_embeddings(curator)) >= 0.90
    own = transform_file(curator, ANNOMI).set_index("remark_id")["topic"]
    assert np.mean(own.loc[run.kept["remark_id"]].to_numpy(dtype=int) == truth) >= 0.98
    embeddings = np.asarray(kept_embeddings(curator))
    merged = np.isin(truth, [joint.topics[min(alike)].id, joint.topics[min(unlike)].id])
    agreement = {
        rule: held_out_assignment(run, curator.fitted, embeddings, rule, folds=10) == truth
        for rule in ("curated", "centroid")
    }
    assert agreement["curated"].mean() >= agreement["centroid"].mean()
    assert agreement["curated"][merged].mean() >= agreement["centroid"][merged].mean() + 0.05, {
        rule: agreement[rule][merged].mean() for rule in agreement
    }


@pytest.mark.slow
def test_a_fit_on_half_of_the_sessions_agrees_with_the_full_fit(annomi_run, tmp_path):
    from sklearn.metrics import adjusted_rand_score

    kept = len(annomi_run.kept)
    config = load_config("configs/annomi.yaml", ["fit.modes=[joint]", f"fit.sample_size={kept // 2}"])
    half = fit_run(config, out=tmp_path / "half")
    assert 0.4 <= half.provenance["sample"]["fitted_remarks"] / kept <= 0.5
    assert half.kept.groupby("session")["in_sample"].nunique().max() == 1  # whole sessions
    # A guard on today's figures (docs/guide/large-corpora.md, "Fitting a sample": ARI 0.45, 24 topics against 44,
    # junk share 0.15 against 0.08), not the goal of issue 13 (ARI >= 0.7, junk within 2 points), which is not reached:
    # a perfect fit of the half (the full fit's own topics there) with the rest assigned reaches ARI 0.84.
    assert adjusted_rand_score(annomi_run.kept["topic"], half.kept["topic"]) >= 0.38
    assert 0.35 <= half.metrics["joint"]["topic_count"] / annomi_run.metrics["joint"]["topic_count"] <= 1.0
    assert half.metrics["joint"]["junk_share"] <= annomi_run.metrics["joint"]["junk_share"] + 0.10
    assert half.metrics["joint"]["assignment_passes"] >= 2  # assigned again with every remark's centroids


@pytest.mark.slow
def test_client_turns_and_their_talk_labels_travel_with_the_run(annomi_run):
    """AnnoMI's client turns, with their change / sustain / neutral labels and times, are in the run folder."""
    source = pd.read_csv(ANNOMI)
    clients = source[source["interlocutor"] == "client"]
    turns = annomi_run.client_turns
    assert len(turns) == len(clients) and set(turns["role"]) == {"client"}
    assert (
        turns["meta_client_talk_type"].value_counts().to_dict() == clients["client_talk_type"].value_counts().to_dict()
    )
    assert turns["meta_timestamp"].notna().all() and "meta_client_talk_type" not in annomi_run.remarks
    assert annomi_run.provenance["embedding"]["backend"] == "onnxruntime-fp32"  # the CPU default


@pytest.mark.slow
def test_annomi_sessions_unfold_as_a_supervisor_expects_and_a_shuffle_rarely_flags(annomi_run):
    """On the real MiniLM and AnnoMI (the config's dynamics section names the client's talk labels): the closing
    thanks come at the close; with the topics shuffled within each session, a table flags anything in about one
    draw in twenty, as the benchmark's 100 draws show (4 % per test)."""
    import dataclasses

    import numpy as np

    from topics.analysis.session_dynamics import session_dynamics
    from topics.analysis.session_sequence import configured_labels

    assert configured_labels(annomi_run) == ("client_talk_type", "main_therapist_behaviour")
    dynamics = session_dynamics(annomi_run, *configured_labels(annomi_run), by_group=False)
    words = {t.id: set(t.top_words(5)) for t in annomi_run.joint.topics}
    phase = dynamics.phase[dynamics.phase["flag"] == "more"]
    closing = phase[phase["event"] == "close"]["mark"].astype(int)
    assert any({"thank", "thanks"} & words[t] for t in closing), [words[t] for t in closing]
    assert not dynamics.response.empty and set(dynamics.response["event"]) == {"change", "neutral", "sustain"}
    rng = np.random.default_rng(0)
    flagged = 0  # (draw, table) pairs with any flag: a calibrated test flags about 5 % of them
    for _ in range(10):
        remarks = annomi_run.remarks.copy()
        placed = remarks.index[remarks["kept"] | remarks["attached"]]
        remarks.loc[placed, "topic"] = (
            remarks.loc[placed].groupby("session")["topic"].transform(lambda t: rng.permutation(t.to_numpy()))
        )
        shuffled = dataclasses.replace(annomi_run, remarks=remarks)
        null = session_dynamics(shuffled, "client_talk_type", by_group=False, draws=10)
        flagged += sum(not table.empty and table["flag"].ne("").any() for table in null.tables().values())
    assert flagged <= 4  # of 30; at 5 % each, 5 or more happen less than 2 % of the time
