"""The NLU server beside the chat server in ``make run``: Rasa's own HTTP API (``rasa run --enable-api``) on
127.0.0.1, behind a token, serving ``/model/parse`` to the chat server (its ``nlu:`` endpoint).

Why: Rasa serves every conversation from one Python process, which uses one core. Understanding a message (spaCy,
the sentence encoder, DIET, the crisis rules) is about a third of a turn; here it runs in a second process, on
the second core, while the chat server reads and writes conversations and predicts the next action. The chat
server keeps the whole model too, and parses a message itself whenever this server doesn't answer in time
(``nlu_fallback.py``), so a crisis is recognised with this process down.

Usage: python -m recovery_support.nlu_server --model models/clinic.tar.gz --port 5006 --auth-token TOKEN
"""
import sys

import recovery_support.rasa_patches  # noqa: F401 (the same Rasa changes as the chat server)


def main() -> None:
    from rasa.__main__ import main as rasa_main

    # No channels (an empty credentials file): this server only parses, for the chat server on this machine.
    sys.argv = ["rasa", "run", "--enable-api", "--interface", "127.0.0.1", "--credentials", "/dev/null",
                *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
