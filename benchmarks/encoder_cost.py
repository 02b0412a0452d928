"""What the sentence encoder costs: milliseconds per message (median, p95) for a short message and one of
300 characters, on one thread, uncached, and the resident memory loading it adds. Prints figures only.

    .venv/bin/python benchmarks/encoder_cost.py
"""
import resource
import statistics
import time

SHORT = "how long does withdrawal last"
LONG = ("I've been thinking about going to detox for a while now and my family keeps asking me about it, but I am "
        "scared of how sick I will get, and I don't know if I can take time off work. My brother is on the couch "
        "and he used earlier and now he is really hard to wake up and his lips look kind of gray, what do i do")[:300]
RUNS = 200


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timings(encoder, text: str) -> list:
    out = []
    for i in range(RUNS):
        started = time.perf_counter()
        encoder._encode(f"{text} {i}")  # uncached: a new text each time
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    # Loaded anyway in the Rasa server (spaCy brings TensorFlow's import): not the encoder's memory.
    import numpy  # noqa: F401
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401

    import recovery_support.nlp  # noqa: F401

    before = rss_mb()
    from recovery_support.nlp.encoder import SentenceEncoder

    encoder = SentenceEncoder()
    encoder._encode("warm up")
    after = rss_mb()
    print(f"encoder memory: {after - before:.0f} MB resident (model and session, libraries already loaded)")
    for name, text in (("short", SHORT), (f"{len(LONG)} characters", LONG)):
        ms = sorted(timings(encoder, text))
        print(f"{name:>15}: median {statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95)]:.1f} ms "
              f"({len(encoder._windows(text))} window(s), {RUNS} runs, one thread)")


if __name__ == "__main__":
    main()
