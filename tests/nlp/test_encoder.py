"""The sentence encoder: the pinned files, the model they compute, and what a message costs it."""
import numpy as np
import pytest

from recovery_support.nlp import encoder as enc
from recovery_support.nlp.encoder import EncoderFileError, SentenceEncoder, model_files, shared_encoder
from recovery_support.nlp.encoder_check import agreement


def test_the_onnx_file_computes_all_minilm_l6_v2_as_published():
    """Against a float32 forward pass of the published safetensors: int8 loses almost nothing."""
    assert min(agreement(shared_encoder())) >= 0.99


def test_a_file_that_is_not_the_pinned_one_is_refused(monkeypatch):
    monkeypatch.setattr(enc, "ONNX_SHA256", "0" * 64)
    with pytest.raises(EncoderFileError, match="not the pinned model"):
        model_files()


def test_similar_meanings_are_close_and_different_ones_far():
    e = shared_encoder()
    breathing = e.encode("my friend is not breathing after using").sentence
    wont_wake = e.encode("he used and now he won't wake up").sentence
    timeline = e.encode("how long does withdrawal last").sentence
    assert breathing @ wont_wake > breathing @ timeline + 0.2
    assert abs(float(np.linalg.norm(breathing)) - 1.0) < 1e-4


def test_a_long_message_keeps_its_last_sentence_as_a_window_of_its_own():
    e = shared_encoder()
    calm = "I have been reading about detox programs and which one would fit my job. " * 6
    windows = e.encode(calm + "Now my brother is shaking on the floor with foam at his mouth.").windows
    seizure = e.encode("my brother is shaking on the floor with foam at his mouth").sentence
    assert len(windows) > 2 and float(windows[-1] @ seizure) > 0.9


def test_one_message_is_encoded_once_per_process():
    e = SentenceEncoder()
    e.encode("is rapid detox safe")
    e.encode("is rapid detox safe")
    assert e.encode.cache_info().hits == 1
