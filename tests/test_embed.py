import numpy as np
import pytest
from conftest import FakeEncoder

from topics.fit.embed import EmbeddingCache, SentenceTransformerEncoder, embed_texts


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
    texts = [
        "How do you feel about your drinking?",
        "So you want to cut down.",
        "Tell me more about that.",
        "What would it take to quit smoking for good?",
        "You sound worried about your health.",
        "On a scale from 1 to 10, how confident are you?",
    ]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([text]) for text in texts])
    reversed_order = encoder.encode(texts[::-1])[::-1]
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_array_equal(together, reversed_order)
    assert together.shape == (6, 384) and np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_a_lookup_reads_only_the_shards_holding_the_keys_it_wants(tmp_path):
    from topics.fit.embed import INDEX_FILE, text_keys

    cache = EmbeddingCache(tmp_path, "fake-hashed-bow-64")
    first = text_keys([f"remark {i}" for i in range(50)])
    second = text_keys([f"other {i}" for i in range(50)])
    cache.add(first, np.arange(50 * 4, dtype=np.float32).reshape(50, 4))
    cache.add(second, -np.ones((50, 4), dtype=np.float32))
    wanted = np.concatenate([first[[19, 12, 10, 15]], text_keys(["never embedded"])])
    found, vectors = cache.lookup(wanted)
    assert found.tolist() == [True] * 4 + [False]
    assert np.array_equal(vectors[1], np.arange(48, 52, dtype=np.float32))  # rows come back in the order asked
    assert np.array_equal(vectors[0], np.arange(76, 80, dtype=np.float32)) and not vectors[4].any()
    # a shard the lookup has no business with may even be unreadable
    other_vectors = next(p for p in cache.folder.glob("*.vectors.npy") if np.load(p)[0, 0] == -1)
    other_vectors.write_bytes(b"damaged")
    assert cache.lookup(first)[0].all()
    # a shard added behind the index's back (another process, an older cache) is found: the index is rebuilt
    (cache.folder / INDEX_FILE).unlink()
    assert cache.lookup(first[:5])[0].all() and (cache.folder / INDEX_FILE).exists()


def test_new_texts_are_cached_chunk_by_chunk_so_an_interrupted_embedding_resumes(tmp_path, monkeypatch):
    from conftest import FakeEncoder

    import topics.fit.embed

    monkeypatch.setattr(topics.fit.embed, "ENCODE_CHUNK", 10)
    texts = [f"remark number {i} about work" for i in range(35)] + ["remark number 3 about work"]

    class Failing(FakeEncoder):
        def encode(self, batch):
            if len(self.encoded) >= 20:
                raise KeyboardInterrupt  # the user stops the fit during the third chunk
            return super().encode(batch)

    cache = EmbeddingCache(tmp_path, FakeEncoder.identity)
    with pytest.raises(KeyboardInterrupt):
        embed_texts(texts, Failing(), cache)
    resumed = FakeEncoder()
    vectors, counts = embed_texts(texts, resumed, cache)
    assert counts == {"unique": 35, "cached": 20, "encoded": 15} and len(resumed.encoded) == 15
    np.testing.assert_array_equal(vectors, FakeEncoder().encode(texts))
    assert len(list(cache.folder.glob("*.keys.npy"))) == 4  # two chunks, then two more
