"""The packaged MiniLM (or a local sentence-transformers folder) run by ONNX Runtime: no PyTorch at run time.

``embed.backend: onnx`` (and ``onnx-int8``) encode with the same model as the
PyTorch path, exported to ONNX on this machine:

* **Exported here, never fetched.** On first use the model's transformer is
  exported from its local folder with ``torch.onnx.export`` (about 5 s; the
  only moment PyTorch is imported) into the cache folder
  (``$THERAPY_TOPICS_CACHE/onnx/<model fingerprint>/``), written to a temporary
  name and renamed, so a crash never leaves a file a later run would trust.
  ``./run setup`` exports it ahead of time.
* **Tokenised as sentence-transformers does.** The model's ``tokenizer.json``
  pads and truncates at 128 tokens; sentence-transformers truncates at the
  model's ``max_seq_length`` (256 for MiniLM) and pads to the batch. Here the
  limit comes from ``sentence_bert_config.json`` and nothing is padded
  (``tests/test_onnx_encoder.py`` compares the token ids on AnnoMI).
* **Pooled as sentence-transformers does.** Mean over the tokens, then unit
  length (the packaged model's ``2_Normalize`` module); other poolings are
  refused with a clear error.
* **The same vector whatever the batch.** Texts are encoded in batches of equal
  token length, so nothing is padded; ONNX Runtime then gives a text the same
  vector bit for bit alone or in a batch, with one thread or two. Dynamic int8
  quantisation scales each call's activations over the whole batch, so the
  ``onnx-int8`` backend encodes one text per call (slower, but each vector
  depends on its text alone).
* **No telemetry, no network.** ONNX Runtime sends usage telemetry by default
  on some platforms; ``ORT_DISABLE_TELEMETRY`` is set before it is imported and
  its telemetry events are switched off after.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from topics.core.errors import TopicsInputError
from topics.core.files import atomic_file
from topics.core.progress import progress_bar
from topics.fit.embed import (
    PACKAGED,
    LocalSentenceModel,
    length_batches,
    local_model_identity,
)
from topics.fit.runtime import cache_root, go_offline

#: ``embed.backend`` values that run on ONNX Runtime, and whether their weights are int8.
QUANTISED = {"onnx": False, "onnx-int8": True}
#: The ONNX opset of the export (supported by every ONNX Runtime of the last years).
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnxruntime_missing() -> str | None:
    """Why ONNX Runtime cannot be used here (a sentence with the remedy), or None when it can."""
    if importlib.util.find_spec("onnxruntime") is None:
        return "ONNX Runtime is not installed: pip install onnxruntime, or set embed.backend: torch"
    return None


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


class SentenceModelFolder:
    """What the ONNX path needs from a sentence-transformers folder: token limit, pooling, normalisation.

    Raises ``TopicsInputError`` naming the folder when it cannot be run the
    way sentence-transformers runs it (no fast tokenizer, not mean pooling).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        if not (folder / "tokenizer.json").exists():
            raise TopicsInputError(
                f"embed.model: {folder} has no tokenizer.json, which embed.backend: onnx needs. "
                "Use embed.backend: torch for this model."
            )
        modules = _read_json(folder / "modules.json") or [{"type": "sentence_transformers.models.Transformer"}]
        kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
        pooling = next((folder / m.get("path", "") for m in modules if m["type"].endswith("Pooling")), None)
        settings = _read_json(pooling / "config.json") if pooling is not None else {"pooling_mode_mean_tokens": True}
        modes = [key for key, on in settings.items() if key.startswith("pooling_mode") and on]
        if (
            kinds[0] != "Transformer"
            or modes != ["pooling_mode_mean_tokens"]
            or set(kinds)
            - {
                "Transformer",
                "Pooling",
                "Normalize",
            }
        ):
            raise TopicsInputError(
                f"embed.model: {folder} is not a transformer with mean pooling (modules {kinds}, pooling {modes}); "
                "embed.backend: onnx runs only those. Use embed.backend: torch for this model."
            )
        self.normalizes = "Normalize" in kinds
        self.max_tokens = int(_read_json(folder / "sentence_bert_config.json").get("max_seq_length") or 512)
        self.dimensions = int(_read_json(folder / "config.json")["hidden_size"])


def export_onnx(folder: Path, target: Path, quantised: bool) -> Path:
    """Export the transformer of the sentence-transformers model in ``folder`` to ``target`` (ONNX), atomically.

    The fp32 graph comes from ``torch.onnx.export`` (PyTorch's TorchScript
    exporter: the new one needs onnxscript, which nothing else here needs);
    the int8 graph is ONNX Runtime's dynamic quantisation of it, per channel
    (per-tensor scales move vectors far more: median cosine 0.94 to fp32).
    """
    if quantised:
        fp32 = export_onnx(folder, target.with_name("model.onnx"), quantised=False)
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with atomic_file(target) as temporary:
            quantize_dynamic(fp32, temporary, per_channel=True, weight_type=QuantType.QInt8)
        return target
    if target.exists():
        return target
    print(f"Exporting the encoder {folder.name} to ONNX, once for this machine, into {target.parent}", file=sys.stderr)
    go_offline()
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()

    class LastHiddenState(torch.nn.Module):
        """The transformer with named inputs and one output (the exporter passes arguments by position)."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN202 (traced)
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    example = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    with atomic_file(target) as temporary, torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on Python branches: none depends on the shapes here
        torch.onnx.export(
            LastHiddenState(),
            (example, torch.ones_like(example), torch.zeros_like(example)),
            str(temporary),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    return target


class OnnxEncoder(LocalSentenceModel):
    """A sentence-transformers model run by ONNX Runtime (``embed.backend: onnx`` or ``onnx-int8``).

    Parameters are stored by ``__init__`` (scikit-learn style); the session
    (``model_``), tokenizer (``tokenizer_``) and model settings (``folder_``)
    are made on the first ``encode``. ``threads`` (None: one per core)
    batches run side by side, each on one thread of ONNX Runtime: small
    batches (int8's one remark per call above all) keep both cores busy that
    way, where one call spread over two threads spends much of its time
    handing work over. It does not change the vectors, only the speed.
    """

    def __init__(
        self,
        model: str = PACKAGED,
        quantised: bool = False,
        batch_size: int = 64,
        normalize: bool = True,
        progress: bool = True,
        threads: int | None = None,
    ) -> None:
        self.model = model
        self.quantised = quantised
        self.batch_size = batch_size
        self.normalize = normalize
        self.progress = progress
        self.threads = threads
        self.model_ = None

    @property
    def backend(self) -> str:
        """The library and precision that compute the vectors: a run records it, and transform refuses another."""
        return "onnxruntime-int8" if self.quantised else "onnxruntime-fp32"

    @property
    def identity(self) -> str:
        """The PyTorch path's identity of the model plus the backend: the two never share cached vectors."""
        from importlib.metadata import version

        mode = "int8-one-by-one" if self.quantised else "fp32"
        return f"{local_model_identity(self.model, self.normalize)}:onnxruntime=={version('onnxruntime')}:{mode}"

    @property
    def onnx_file(self) -> Path:
        """Where the exported graph is kept: one folder per model fingerprint under the cache folder."""
        key = hashlib.sha256(local_model_identity(self.model, True).encode()).hexdigest()[:24]
        return cache_root() / "onnx" / key / ("model-int8.onnx" if self.quantised else "model.onnx")

    def export(self) -> Path:
        """Export the model to :attr:`onnx_file` unless it is there; returns its path."""
        folder = self.model_folder()
        SentenceModelFolder(folder)  # refuses a model this path cannot run before anything is exported
        target = self.onnx_file
        return target if target.exists() else export_onnx(folder, target, self.quantised)

    def load(self) -> OnnxEncoder:
        """Export the model if needed, then open it in ONNX Runtime (telemetry off) with its tokenizer."""
        missing = onnxruntime_missing()
        if missing:
            raise TopicsInputError(f"embed.backend: {missing}.")
        self.folder_ = SentenceModelFolder(self.model_folder())
        graph = self.export()
        os.environ["ORT_DISABLE_TELEMETRY"] = "1"
        import onnxruntime
        from tokenizers import Tokenizer

        onnxruntime.disable_telemetry_events()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only: its notes on unused initialisers say nothing to a user
        options.intra_op_num_threads = options.inter_op_num_threads = 1  # calls run side by side instead (encode)
        self.model_ = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.tokenizer_ = Tokenizer.from_file(str(self.folder_.folder / "tokenizer.json"))
        self.tokenizer_.no_padding()
        self.tokenizer_.enable_truncation(self.folder_.max_tokens)
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        """One float32 row per text, each depending on its text alone (see the module docstring)."""
        if self.model_ is None:
            self.load()
        texts = list(texts)
        ids = [encoding.ids for encoding in self.tokenizer_.encode_batch(texts)] if texts else []
        out = np.zeros((len(texts), self.folder_.dimensions), dtype=np.float32)
        batches = length_batches([len(i) for i in ids], 1 if self.quantised else self.batch_size)

        def run(rows: list[int]) -> list[int]:
            tokens = np.array([ids[row] for row in rows], dtype=np.int64)
            feed = dict(zip(INPUTS, (tokens, np.ones_like(tokens), np.zeros_like(tokens)), strict=True))
            vectors = self.model_.run(None, feed)[0].mean(axis=1)  # no padding: every token counts
            if self.normalize or self.folder_.normalizes:
                vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            out[rows] = vectors
            return rows

        shown = self.progress and len(texts) > self.batch_size
        with (
            progress_bar(len(texts), "Embedding", "remark", shown) as progress,
            ThreadPoolExecutor(self.threads or os.cpu_count() or 1) as pool,  # ONNX Runtime lets go of the GIL
        ):
            for rows in pool.map(run, [rows for _, rows in batches]):
                progress.update(len(rows))
        return out


if __name__ == "__main__":  # ./run setup: export the packaged model's fp32 and int8 graphs ahead of first use
    for quantised in (False, True):
        print(OnnxEncoder(quantised=quantised).export())
