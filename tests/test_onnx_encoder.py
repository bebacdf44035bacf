"""The ONNX Runtime backend of the encoder: exported here, tokenised and pooled as sentence-transformers does, the
same vector for a text in any company, its own cache, the run's backend kept by transform, and a clear error when
ONNX Runtime is missing."""

import json
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ANNOMI, NO_NETWORK, ROOT, FakeEncoder

from topics.core.config import load_config
from topics.core.errors import TopicsInputError
from topics.fit import encoders
from topics.fit.embed import EmbeddingCache, SentenceTransformerEncoder, embed_texts
from topics.fit.encoders import embed_backend, make_encoder, run_encoder
from topics.fit.onnx_encoder import OnnxEncoder


@pytest.fixture(scope="module")
def therapist_texts() -> list[str]:
    """400 distinct AnnoMI therapist remarks (lengths 1 to 150 tokens), plus a text over the 256-token limit and
    texts with odd spacing, accents and an empty one."""
    frame = pd.read_csv(ANNOMI)
    texts = frame.loc[frame["interlocutor"] == "therapist", "utterance_text"].drop_duplicates()
    long = " ".join(texts.iloc[:60])  # far over 256 tokens: truncation decides its vector
    return [*texts.sample(400, random_state=3), long, "  Okay,   so  you'd\tlike to stop.  ", "Café? Naïve!", ""]


@pytest.fixture(scope="module")
def onnx_fp32() -> OnnxEncoder:
    return OnnxEncoder(progress=False).load()


@pytest.fixture(scope="module")
def pytorch() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(progress=False, device="cpu").load()


@pytest.mark.slow
def test_the_tokens_are_sentence_transformers_own(therapist_texts, onnx_fp32, pytorch):
    """The model's tokenizer.json truncates at 128 tokens; sentence-transformers at 256. Ours follows the latter."""
    theirs = pytorch.model_.tokenize(therapist_texts)
    ours = onnx_fp32.tokenizer_.encode_batch(therapist_texts)
    for row, encoding in enumerate(ours):
        length = int(theirs["attention_mask"][row].sum())
        assert encoding.ids == theirs["input_ids"][row][:length].tolist(), therapist_texts[row]
    assert max(len(e.ids) for e in ours) == 256


@pytest.mark.slow
def test_onnx_vectors_are_pytorch_s_and_each_text_s_own(therapist_texts, onnx_fp32, pytorch):
    """Within 1e-5 of sentence-transformers' vectors, and bit-identical alone, among others, in another order and
    with one thread or two: the cache's history cannot change a fit."""
    torch_vectors = pytorch.encode(therapist_texts)
    together = onnx_fp32.encode(therapist_texts)
    np.testing.assert_allclose(together, torch_vectors, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    some = therapist_texts[::37]
    alone = np.vstack([onnx_fp32.encode([text]) for text in some])
    one_thread = OnnxEncoder(progress=False, threads=1, batch_size=7)
    np.testing.assert_array_equal(together[::37], alone)
    np.testing.assert_array_equal(together, one_thread.encode(therapist_texts[::-1])[::-1])


@pytest.mark.slow
def test_int8_vectors_do_not_depend_on_the_batch(therapist_texts):
    """Dynamic int8 scales activations over a whole call, so the int8 backend encodes one text per call: a text's
    vector is the same in any company, and its vectors stay close to fp32's without being them."""
    encoder = OnnxEncoder(quantised=True, progress=False, batch_size=64)
    some = therapist_texts[:80]
    together = encoder.encode(some)
    np.testing.assert_array_equal(together, encoder.encode(some[::-1])[::-1])
    np.testing.assert_array_equal(together[:5], np.vstack([encoder.encode([text]) for text in some[:5]]))
    cosine = (together * OnnxEncoder(progress=False).encode(some)).sum(axis=1)
    assert 0.9 < np.median(cosine) < 1.0
    assert encoder.backend == "onnxruntime-int8" and encoder.onnx_file.name == "model-int8.onnx"


def test_backends_keep_their_vectors_apart(tmp_path):
    """The cache is keyed by the encoder's identity, which names the backend: vectors of two backends never mix."""
    identities = {
        OnnxEncoder().identity,
        OnnxEncoder(quantised=True).identity,
        SentenceTransformerEncoder().identity,
    }
    assert len(identities) == 3
    for identity in identities:
        embed_texts(["sleep is hard"], FakeEncoder(), EmbeddingCache(tmp_path, identity))
    assert len(EmbeddingCache.every(tmp_path)) == 3


def test_auto_takes_the_run_s_backend_then_onnx_on_a_cpu(monkeypatch):
    monkeypatch.setattr(encoders, "_gpu_may_be_present", lambda: False)
    assert embed_backend("auto", "auto") == encoders.CPU_DEFAULT == "onnx"
    assert embed_backend("auto", "cpu", recorded="sentence-transformers-torch") == "torch"
    assert embed_backend("auto", "auto", recorded="onnxruntime-int8") == "onnx-int8"
    assert embed_backend("auto", "cuda") == "torch"  # the CUDA path stays the default on a GPU
    assert embed_backend("onnx", "auto", recorded="sentence-transformers-torch") == "onnx"  # asked for: given
    config = load_config(ROOT / "configs" / "demo.yaml")
    assert isinstance(make_encoder(config), OnnxEncoder)
    assert isinstance(make_encoder(config, "sentence-transformers-torch"), SentenceTransformerEncoder)
    int8 = config.model_copy(update={"embed": config.embed.model_copy(update={"backend": "onnx-int8"})})
    assert make_encoder(int8).quantised
    monkeypatch.setattr(encoders, "onnxruntime_missing", lambda: "ONNX Runtime is not installed")
    with pytest.warns(UserWarning, match="takes torch"):
        assert embed_backend("auto", "cpu") == "torch"


def test_a_run_is_embedded_again_by_the_backend_that_fitted_it(monkeypatch):
    """transform, profile, evaluate and stability build their encoder with run_encoder: a run fitted on PyTorch
    (every run before ONNX Runtime) keeps PyTorch under embed.backend: auto, an ONNX run keeps ONNX."""
    monkeypatch.setattr(encoders, "_gpu_may_be_present", lambda: False)
    config = yaml.safe_load((ROOT / "configs" / "demo.yaml").read_text())
    for recorded, kind in (
        ("sentence-transformers-torch", SentenceTransformerEncoder),
        ("onnxruntime-int8", OnnxEncoder),
    ):
        run = SimpleNamespace(config=config, provenance={"embedding": {"backend": recorded}}, path=ROOT)
        _, encoder = run_encoder(run)
        assert isinstance(encoder, kind) and encoder.backend == recorded


def test_a_missing_onnx_runtime_stops_the_fit_before_anything_is_written(tmp_path):
    """exit 2, one clear line, no run folder: ONNX Runtime hidden from a new process."""
    code = (
        "import sys\n"
        "sys.modules['onnxruntime'] = None\n"  # as if not installed: its import fails, find_spec finds nothing
        "from topics.cli import main\n"
        "sys.exit(main(['fit', 'configs/demo.yaml', '--set', 'embed.backend=onnx', '--out', sys.argv[1]]))\n"
    )
    run = tmp_path / "run"
    result = subprocess.run([sys.executable, "-c", code, run], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "embed.backend: onnx was asked for, but ONNX Runtime is not installed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not run.exists()


@pytest.mark.slow
def test_the_onnx_path_needs_no_network_no_pytorch_and_sends_no_telemetry(tmp_path, onnx_fp32):
    """With the graph exported (the fixture did it), a new process where any network use raises encodes without
    importing PyTorch, and ONNX Runtime leaves no telemetry id in the user's folders."""
    code = (
        NO_NETWORK + "import sys, json\n"
        "from topics.fit.onnx_encoder import OnnxEncoder\n"
        "vector = OnnxEncoder(progress=False).encode(['How have you been sleeping?'])\n"
        "print(json.dumps({'attempts': len(attempts), 'torch': 'torch' in sys.modules, 'shape': vector.shape}))\n"
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "THERAPY_TOPICS_CACHE": str(onnx_fp32.onnx_file.parents[2])}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {"attempts": 0, "torch": False, "shape": [1, 384]}
    assert not any(home.rglob("*")), sorted(home.rglob("*"))  # no ~/.cache/Microsoft device id


def test_a_model_the_onnx_path_cannot_run_is_refused_by_name(tmp_path):
    folder = tmp_path / "cls-model"
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "tokenizer.json").write_text("{}")
    (folder / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            ]
        )
    )
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    with pytest.raises(TopicsInputError, match="cls-model is not a transformer with mean pooling.*backend: torch"):
        OnnxEncoder(str(folder)).export()
