import pytest

from topics.core.config import load_config, validate_config
from topics.core.errors import TopicsInputError


def write(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_key_names_key_and_lists_valid_ones(tmp_path):
    path = write(tmp_path, "corpus: {path: x.csv}\ncluster: {min_clustr_size: 5}\n")
    with pytest.raises(TopicsInputError) as error:
        load_config(path)
    message = str(error.value)
    assert str(path) in message and "cluster.min_clustr_size" in message and "min_cluster_size" in message


def test_wrong_type_names_key(tmp_path):
    path = write(tmp_path, "corpus: {path: x.csv}\ncluster: {min_cluster_size: lots}\n")
    with pytest.raises(TopicsInputError, match="cluster.min_cluster_size"):
        load_config(path)


def test_missing_corpus_and_bad_yaml(tmp_path):
    with pytest.raises(TopicsInputError, match="missing required key 'corpus'"):
        load_config(write(tmp_path, "seed: 3\n"))
    with pytest.raises(TopicsInputError, match="not valid YAML"):
        load_config(write(tmp_path, "corpus: [\n"))
    with pytest.raises(TopicsInputError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_set_overrides_are_typed_and_validated(tmp_path):
    path = write(tmp_path, "corpus: {path: x.csv}\n")
    config = load_config(path, ["cluster.min_cluster_size=33", "words.ngram_range=[1, 3]", "fit.modes=[per_group]"])
    assert config.cluster.min_cluster_size == 33
    assert config.words.ngram_range == (1, 3)
    assert config.fit.modes == ["per_group"]
    with pytest.raises(TopicsInputError, match="unknown key 'reduce.neighbours'"):
        load_config(path, ["reduce.neighbours=5"])
    with pytest.raises(TopicsInputError, match="key.sub=value"):
        load_config(path, ["nonsense"])


def test_shipped_configs_are_valid():
    for name in ("demo", "annomi", "tiny"):
        config = load_config(f"configs/{name}.yaml")
        assert config.corpus.path.name.endswith(".csv")


def test_a_consensus_cannot_use_hdbscan_probabilities_for_outliers():
    with pytest.raises(TopicsInputError, match="probabilities"):
        validate_config({"corpus": {"path": "x.csv"}, "outliers": {"strategy": "probabilities"}})
    single = validate_config(
        {"corpus": {"path": "x.csv"}, "outliers": {"strategy": "probabilities"}, "consensus": {"members": 1}}
    )
    assert single.consensus.members == 1


def test_workers_are_auto_or_a_positive_number():
    assert validate_config({"corpus": {"path": "x.csv"}}).compute.resolved_workers() >= 1
    assert validate_config({"corpus": {"path": "x.csv"}, "compute": {"workers": 3}}).compute.resolved_workers() == 3
    with pytest.raises(TopicsInputError, match="compute.workers"):
        validate_config({"corpus": {"path": "x.csv"}, "compute": {"workers": 0}})


def test_a_scheduler_that_is_neither_local_nor_an_address_names_the_setting():
    with pytest.raises(TopicsInputError, match=r"compute\.scheduler.*'local' or a scheduler address"):
        validate_config({"corpus": {"path": "x.csv"}, "compute": {"scheduler": "myhost:8786"}})
    assert (
        validate_config({"corpus": {"path": "x.csv"}, "compute": {"scheduler": "tcp://myhost:8786"}}).compute.scheduler
        == "tcp://myhost:8786"
    )
