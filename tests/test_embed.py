import numpy as np

from conftest import FakeEncoder
from topics.embed import EmbeddingCache, embed_texts


def test_unique_texts_are_embedded_once_and_cached(tmp_path):
    encoder = FakeEncoder()
    cache = EmbeddingCache(tmp_path, encoder.identity)
    texts = ["feeling stuck at work", "sleep is hard", "feeling stuck at work"]
    first, counts = embed_texts(texts, encoder, cache)
    assert encoder.encoded == ["feeling stuck at work", "sleep is hard"]
    assert counts == {"unique": 2, "cached": 0, "encoded": 2}
    np.testing.assert_array_equal(first[0], first[2])

    again = FakeEncoder()
    second, counts = embed_texts(texts + ["a new remark"], again, EmbeddingCache(tmp_path, again.identity))
    assert again.encoded == ["a new remark"]
    assert counts == {"unique": 3, "cached": 2, "encoded": 1}
    np.testing.assert_array_equal(second[:3], first)


def test_other_encoder_identity_does_not_share_the_cache(tmp_path):
    embed_texts(["sleep is hard"], FakeEncoder(), EmbeddingCache(tmp_path, "fake-hashed-bow-64"))
    other = FakeEncoder()
    other.identity = "another-model"
    embed_texts(["sleep is hard"], other, EmbeddingCache(tmp_path, other.identity))
    assert other.encoded == ["sleep is hard"]


def test_half_written_shard_is_ignored(tmp_path):
    encoder = FakeEncoder()
    cache = EmbeddingCache(tmp_path, encoder.identity)
    embed_texts(["sleep is hard"], encoder, cache)
    for keys in cache.folder.glob("*.keys.npy"):
        keys.unlink()  # as if the process died between the two renames
    again = FakeEncoder()
    embed_texts(["sleep is hard"], again, EmbeddingCache(tmp_path, again.identity))
    assert again.encoded == ["sleep is hard"]
