"""Languages (issue 14): detection on short spoken remarks, each language's stop words and fillers, Cyrillic topic
words, the encoder's coverage checked before embedding, and the multilingual encoder loaded offline."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import NO_NETWORK, FakeEncoder, topics_cmd

from topics.core.config import CleanConfig, load_config
from topics.core.errors import TopicsInputError, TopicsWarning
from topics.fit.clean import clean
from topics.fit.language import detect
from topics.fit.pipeline import fit_run, prepare
from topics.fit.stopwords import StopWords, missing_lists
from topics.fit.topic_words import TopicWords

#: Sessions we wrote, one language each: three remarks long enough to tell, then what therapists say in passing.
SESSIONS = {
    "en": (
        [
            "How many cigarettes do you smoke on a usual working day?",
            "What would be different for you if you stopped smoking this year?",
            "You mentioned the cravings are worst after dinner with your family.",
        ],
        ["Mm-hmm.", "Okay.", "Right, yeah.", "I see."],
    ),
    "ru": (
        [
            "Сколько сигарет вы обычно выкуриваете за рабочий день?",
            "Что изменилось бы для вас, если бы вы бросили курить в этом году?",
            "Вы говорили, что сильнее всего тянет курить после ужина с семьёй.",
        ],
        ["Угу.", "Ага.", "Ну да.", "Понятно."],
    ),
    "es": (
        [
            "¿Cuántos cigarrillos fumas normalmente en un día de trabajo?",
            "¿Qué cambiaría para ti si dejaras de fumar este año?",
            "Dijiste que las ganas de fumar son más fuertes después de cenar con tu familia.",
        ],
        ["Vale.", "Ajá.", "Bueno, claro.", "Ya."],
    ),
    "de": (
        [
            "Wie viele Zigaretten rauchen Sie an einem normalen Arbeitstag?",
            "Was wäre für Sie anders, wenn Sie dieses Jahr mit dem Rauchen aufhören würden?",
            "Sie sagten, das Verlangen ist nach dem Abendessen mit der Familie am stärksten.",
        ],
        ["Genau.", "Mhm.", "Ja, also.", "Na gut."],
    ),
    "fr": (
        [
            "Combien de cigarettes fumez-vous pendant une journée de travail habituelle ?",
            "Qu'est-ce qui changerait pour vous si vous arrêtiez de fumer cette année ?",
            "Vous disiez que l'envie de fumer est la plus forte après le dîner en famille.",
        ],
        ["D'accord.", "Mh.", "Oui, voilà.", "Bon."],
    ),
}


def spoken_corpus() -> pd.DataFrame:
    rows = []
    for language, (long, short) in SESSIONS.items():
        for copy in range(2):  # two sessions per language
            for text in [*long, *short]:
                rows.append({"session": f"{language}-{copy}", "text": text, "language": language})
    return pd.DataFrame(rows)


def test_every_remark_gets_its_language_short_ones_from_their_session():
    corpus = spoken_corpus()
    found = detect(corpus["text"], corpus["session"])
    assert (found.per_remark == corpus["language"].to_numpy()).all(), corpus.assign(found=found.per_remark)[
        found.per_remark != corpus["language"]
    ]
    assert set(found.present) == set(SESSIONS) and abs(sum(found.shares.values()) - 1) < 1e-3
    assert "short remarks take their session's language" in found.method
    alone = detect(corpus["text"], None)  # no sessions: a short remark's own best guess among the corpus' languages
    russian = (corpus["language"] == "ru").to_numpy()
    assert (alone.per_remark[russian] == "ru").all() and (alone.per_remark == corpus["language"]).mean() > 0.8


def test_a_remark_in_another_language_keeps_its_own_and_a_lone_language_is_everywhere():
    corpus = spoken_corpus()
    corpus.loc[2, "text"] = "Вы говорили, что сильнее всего тянет курить после ужина."  # Russian in an English session
    found = detect(corpus["text"], corpus["session"])
    assert found.per_remark[2] == "ru" and found.per_remark[3] == "en"  # the short remark after it: its session's
    english = corpus[corpus["language"] == "en"]
    alone = detect(english["text"], english["session"])
    assert set(alone.per_remark) == {"en"} and alone.method.startswith("detected on")


def test_a_mixed_corpus_without_sessions_and_a_corpus_too_short_to_tell():
    corpus = spoken_corpus()
    unmapped = pd.Series(pd.NA, index=corpus.index, dtype="string")  # no session column mapped
    found = detect(corpus["text"], unmapped)
    assert (found.per_remark[corpus["language"] == "ru"] == "ru").all()
    nothing = detect(pd.Series(["Mm.", "?"]), None, fallback="es")
    assert list(nothing.per_remark) == ["es", "es"] and nothing.method == "none detected: es"
    two = detect(pd.Series(["Сколько сигарет вы выкуриваете за рабочий день?", "Угу."]), None)
    assert list(two.per_remark) == ["ru", "ru"]  # a two-remark file still has a language


def test_words_of_scripts_with_vowel_marks_stay_whole_and_unspaced_scripts_are_cut_into_pairs():
    from topics.fit.stopwords import tokenize

    assert tokenize("मुझे रात को नींद नहीं आती है।") == ["मुझे", "रात", "को", "नींद", "नहीं", "आती", "है"]
    assert tokenize("最近睡不着觉", "zh") == ["最近", "近睡", "睡不", "不着", "着觉"]
    assert tokenize("I don't sleep_well.") == ["don", "sleep_well"]  # as scikit-learn's default pattern
    reasons = clean(pd.Series(["最近睡不着觉，每天晚上都醒好几次。"]), CleanConfig(), np.array(["zh"], dtype=object))
    assert reasons.kept.all()  # one unspaced run is many words, not one
    assert "no word segmenter" in missing_lists(["zh"])["zh"]


def test_a_language_set_in_the_config_is_taken_as_it_is_and_a_wrong_code_is_named():
    corpus = spoken_corpus()
    assert set(detect(corpus["text"], corpus["session"], "ru").per_remark) == {"ru"}
    among = detect(corpus["text"], corpus["session"], ["en", "ru"])
    assert set(among.present) <= {"en", "ru"}
    with pytest.raises(TopicsInputError, match="corpus.language"):
        detect(corpus["text"], corpus["session"], ["en", "qq"])


def test_cleaning_judges_each_remark_by_its_own_language():
    texts = pd.Series(
        [
            "Угу, ну да.",
            "Ну да, это так.",
            "Сколько сигарет вы выкуриваете утром?",
            "Vale, bueno.",
            "Sí, es eso.",
            "¿Cuántos cigarrillos fumas por la mañana?",
            "Also, genau.",
            "I would die in that war.",
            "Das war die Arbeit.",
        ]
    )
    languages = np.array(["ru"] * 3 + ["es"] * 3 + ["de", "en", "de"], dtype=object)
    reasons = [None if pd.isna(r) else r for r in clean(texts, CleanConfig(min_content_words=2), languages).set_aside]
    assert reasons[:6] == ["backchannel", "too_short", None, "backchannel", "too_short", None]
    assert reasons[6] == "backchannel"
    assert reasons[7] is None  # English "die" and "war" are content words
    assert reasons[8] == "too_short"  # German "die" and "war" are not


def test_topic_words_are_lower_cased_cyrillic_without_each_language_s_stop_words():
    texts = [
        "Ну, расскажите, как вы СПИТЕ по ночам и когда ложитесь в кровать.",
        "Сон стал хуже, когда начались проблемы на работе, ага.",
        "Pues, cuéntame cómo duermes y cuándo te acuestas en la cama.",
        "I would die for a good night's sleep, but the war at work goes on.",
    ]
    words = TopicWords.count(texts, {"ngram_range": (1, 1)}, languages=["ru", "ru", "es", "en"])
    vocabulary = set(words.vocabulary_)
    assert {"спите", "ночам", "кровать", "сон", "работе", "cama", "duermes", "die", "war", "sleep"} <= vocabulary
    assert not vocabulary & {"ну", "ага", "как", "вы", "pues", "la", "en", "the", "would"}
    assert all(word == word.lower() for word in vocabulary)
    named = words.words(np.array([0, 0, 1, 1]), [0])[0]
    assert named and all(any("\u0400" <= c <= "\u04ff" for c in w) for w, _ in named)  # topic 0's words: Cyrillic


def test_a_language_without_lists_still_fits_and_says_what_is_missing(tmp_path):
    assert missing_lists(["sw", "ru", "it"]) == {
        "it": "no list of spoken fillers and backchannels",
        "sw": "no stop-word or filler list",
    }
    assert StopWords().of("sw") == frozenset()
    config = load_config("configs/tiny.yaml", ["fit.modes=[joint]", "corpus.language=sw"])
    with pytest.warns(TopicsWarning, match="sw: no stop-word or filler list"):
        run = fit_run(config, out=tmp_path / "run", encoder=FakeEncoder())
    assert run.provenance["languages"]["missing_lists"] == {"sw": "no stop-word or filler list"}
    assert set(run.remarks["language"]) == {"sw"}


class EnglishOnly(FakeEncoder):
    languages = frozenset({"en"})


@pytest.fixture(scope="module")
def multilingual_demo_config():
    return load_config("configs/demo_multilingual.yaml", ["fit.modes=[joint]"])


def test_an_encoder_that_does_not_speak_the_corpus_stops_the_fit_before_embedding(multilingual_demo_config, tmp_path):
    encoder = EnglishOnly()
    with pytest.raises(TopicsInputError, match="embed.model") as stopped:
        prepare(multilingual_demo_config, encoder=encoder)
    assert "ru (" in str(stopped.value) and "embed.language_check: warn" in str(stopped.value)
    assert encoder.encoded == []  # nothing was embedded
    warned = multilingual_demo_config.model_copy(
        update={"embed": multilingual_demo_config.embed.model_copy(update={"language_check": "warn"})}
    )
    with pytest.warns(TopicsWarning, match="the encoder embed.model: multilingual does not cover"):
        prepared = prepare(warned, encoder=EnglishOnly())
    assert len(prepared.embeddings) == len(prepared.texts)


def test_topics_fit_refuses_the_english_encoder_on_a_russian_and_spanish_corpus(tmp_path):
    result = topics_cmd(
        "fit", "configs/demo_multilingual.yaml", "--set", "embed.model=packaged", "--out", tmp_path / "run"
    )
    assert result.returncode == 2
    assert "does not cover ru" in result.stderr and "embed.model: multilingual" in result.stderr
    assert not (tmp_path / "run").exists()


def test_the_multilingual_encoder_loads_offline_and_puts_translations_together():
    """The weights ship in the package: in a process where any network use raises, it embeds, and a remark lies
    closer to its translation than to another remark in its own language."""
    code = (
        NO_NETWORK + "import json\n"
        "from topics.fit.embed import UniversalSentenceEncoder\n"
        "vectors = UniversalSentenceEncoder(progress=False).encode(['How well do you sleep at night?',\n"
        "    'Как вы спите по ночам?', '¿Cómo duermes por la noche?', 'How much do you drink at weekends?'])\n"
        "print(json.dumps({'similarity': (vectors @ vectors.T).tolist(), 'norms': (vectors ** 2).sum(1).tolist(),\n"
        "                  'attempts': len(attempts)}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["attempts"] == 0
    similarity = np.array(out["similarity"])
    np.testing.assert_allclose(out["norms"], 1.0, atol=1e-4)
    assert similarity[0, 1] > similarity[0, 3] and similarity[0, 2] > similarity[0, 3]
    assert similarity[1, 2] > similarity[1, 3]


def test_the_multilingual_encoder_gives_a_text_the_same_vector_in_any_company():
    from topics.fit.embed import UniversalSentenceEncoder

    encoder = UniversalSentenceEncoder(progress=False)
    texts = ["Сколько сигарет вы выкуриваете утром?", "¿Y qué sientes cuando piensas en tu padre?", "Okay."]
    alone = np.vstack([encoder.encode([t]) for t in texts])
    together = encoder.encode(texts[::-1])[::-1]
    assert (alone == together).all()  # bit for bit: the embedding cache's history cannot change a fit
    assert "use-multilingual-v3" in encoder.identity and {"ru", "es", "en", "de", "fr"} <= encoder.languages


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    """The multilingual demo fitted fast (fake encoder, PCA): for what runs, reports and pages say of languages."""
    config = load_config("configs/demo_multilingual.yaml", ["fit.modes=[joint]", "reduce.method=pca"])
    return fit_run(config, out=tmp_path_factory.mktemp("runs") / "mixed", encoder=FakeEncoder())


def test_a_mixed_run_shows_each_remark_s_language_and_each_topic_s_mix(mixed_run):
    from topics.core.facts import language_mix, topic_frame
    from topics.explorer.topic import remark_columns

    demo = pd.read_csv("corpora/demo/demo_multilingual.csv")
    therapist = demo[demo["speaker"] == "therapist"]
    assert (mixed_run.remarks["language"].to_numpy() == therapist["language"].to_numpy()).all()
    assert mixed_run.provenance["languages"]["shares"].keys() == {"ru", "es"}
    frame = topic_frame(mixed_run)
    mix = language_mix(mixed_run)
    assert frame["languages"].tolist() == [mix[t] for t in frame["id"]]
    kept = mixed_run.kept
    first = frame["id"].iloc[0]
    spoken = kept.loc[kept["topic"] == first, "language"].value_counts(normalize=True)
    assert mix[first].startswith(f"{spoken.index[0]} {spoken.iloc[0]:.0%}")
    assert "language" in remark_columns(kept)
    assert "language" not in remark_columns(kept[kept["language"] == "ru"])  # one language: nothing to show


def test_a_report_of_a_mixed_run_gives_the_language_mix_and_says_what_redaction_cannot_promise(mixed_run, tmp_path):
    result = topics_cmd("report", mixed_run.path, "--format", "md", "--out", tmp_path / "report.md")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "report.md").read_text()
    assert "## Topics by detected language" in text and "## Topics by language" in text  # and the corpus' column
    assert "De-identification was built and measured on English. Remarks in ru, es" in text
    from dataclasses import replace

    from topics.share.redact import redaction_caveat

    english = replace(mixed_run, remarks=mixed_run.remarks.assign(language="en"))
    assert redaction_caveat(english) is None and redaction_caveat(mixed_run).startswith("De-identification")


def test_transform_finds_the_new_file_s_languages_and_refuses_an_encoder_that_does_not_speak_them(tmp_path):
    from topics.curate.editlog import Curator
    from topics.curate.transform import transform_file

    run = fit_run(load_config("configs/tiny.yaml", ["fit.modes=[joint]"]), out=tmp_path / "run", encoder=FakeEncoder())
    with pytest.raises(TopicsInputError, match="Refit the run with embed.model: multilingual"):
        transform_file(Curator(run.path), "corpora/demo/demo_multilingual.csv", encoder=EnglishOnly())
    frame = transform_file(Curator(run.path), "corpora/demo/demo_multilingual.csv", encoder=FakeEncoder())
    demo = pd.read_csv("corpora/demo/demo_multilingual.csv")
    assert frame["language"].tolist() == demo.loc[demo["speaker"] == "therapist", "language"].tolist()
    assert set(frame.loc[frame["text"].isin(["Угу.", "Ага."]), "set_aside"]) <= {"backchannel"}


@pytest.mark.slow
def test_the_multilingual_demo_makes_topics_of_themes_not_languages(tmp_path):
    """The real multilingual encoder on the bundled Russian and Spanish demo: topics follow the written theme,
    and each holds both languages (issue 14's figures: NMI with theme >= 0.5, with language <= 0.1)."""
    from sklearn.metrics import normalized_mutual_info_score

    run = fit_run(load_config("configs/demo_multilingual.yaml"), out=tmp_path / "run")
    kept = run.kept
    placed = kept[kept["topic"] != -1]
    assert normalized_mutual_info_score(placed["meta_presenting_problem"], placed["topic"]) >= 0.5
    assert normalized_mutual_info_score(kept["language"], kept["topic"]) <= 0.1
    shares = pd.crosstab(placed["topic"], placed["language"], normalize="index")
    assert (shares.min(axis=1) >= 0.3).all(), shares  # no topic of one language
    assert run.provenance["embedding"]["languages"] and "ru" in run.provenance["embedding"]["languages"]
    words = [w for t in run.joint.topics for w in t.top_words(10)]
    assert any(any("\u0400" <= c <= "\u04ff" for c in w) for w in words) and any("ó" in w or "í" in w for w in words)


def test_the_explorer_shows_the_language_mix_and_warns_in_privacy_mode(mixed_run):
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.session_state["run_path"] = str(mixed_run.path)
    app.run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    assert "languages" in table.columns and table["languages"].str.contains("ru").all()
    app.sidebar.toggle[0].set_value(True).run()
    assert any("De-identification was built and measured on English" in w.value for w in app.warning)
