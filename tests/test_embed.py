import numpy as np
import pytest

from conftest import FakeEncoder
from topics.embed import EmbeddingCache, SentenceTransformerEncoder, embed_texts


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


@pytest.mark.slow
def test_packaged_minilm_gives_each_text_the_same_vector_whatever_its_batch_mates():
    """The cache's history cannot change a fit: a text's vector does not depend on the other texts encoded with it."""
    encoder = SentenceTransformerEncoder(progress=False)
    texts = ["How do you feel about your drinking?", "So you want to cut down.", "Tell me more about that.",
             "What would it take to quit smoking for good?", "You sound worried about your health.",
             "On a scale from 1 to 10, how confident are you?"]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([text]) for text in texts])
    reversed_order = encoder.encode(texts[::-1])[::-1]
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_array_equal(together, reversed_order)
    assert together.shape == (6, 384) and np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_a_lookup_reads_only_the_shards_holding_the_keys_it_wants(tmp_path):
    from topics.embed import INDEX_FILE, text_key

    cache = EmbeddingCache(tmp_path, "fake-hashed-bow-64")
    first = [text_key(f"remark {i}") for i in range(50)]
    second = [text_key(f"other {i}") for i in range(50)]
    cache.add(first, np.arange(50 * 4, dtype=np.float32).reshape(50, 4))
    cache.add(second, -np.ones((50, 4), dtype=np.float32))
    found = cache.lookup(first[10:20] + [text_key("never embedded")])
    assert len(found) == 10 and np.array_equal(found[first[12]], np.arange(48, 52, dtype=np.float32))
    # a shard the lookup has no business with may even be unreadable
    other_vectors = next(p for p in cache.folder.glob("*.vectors.npy") if np.load(p)[0, 0] == -1)
    other_vectors.write_bytes(b"damaged")
    assert len(cache.lookup(first)) == 50
    # a shard added behind the index's back (another process, an older cache) is found: the index is rebuilt
    (cache.folder / INDEX_FILE).unlink()
    assert len(cache.lookup(first[:5])) == 5 and (cache.folder / INDEX_FILE).exists()
