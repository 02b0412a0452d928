"""The staff app's knobs, with the defaults a clinic should run with."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    # A shared workstation left open is the likely leak: idle sessions end soon, every session ends in a shift.
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # Secure cookies need HTTPS (browsers also accept them on http://localhost); --insecure-cookie turns it off.
    cookie_secure: bool = True
    # Login throttling per (username, client address): this many failures within the window lock it out.
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_max_failures_per_account: int = 50
    # Behind a reverse proxy, request.remote is the proxy. With the proxy's address here, the client's address is
    # read from ``trusted_proxy_header`` (the rightmost address the trusted proxies did not add); a request from
    # anywhere else can't choose its address by sending the header.
    trusted_proxies: tuple = ()
    trusted_proxy_header: str = "X-Forwarded-For"
    login_window_seconds: int = 15 * 60
    login_lockout_seconds: int = 15 * 60
    # How often the app projects new Rasa events into conversations (0: never; run the projector command).
    projector_interval_seconds: float = 5.0
    # Load the redaction pipeline (spaCy, seconds) in the background at startup rather than on the first export.
    preload_redactor: bool = True
    page_size: int = 50
    queue_page_size: int = 20
    # The live feed (views/live.py): how often each process reads the open handoffs (1.7 ms on PostgreSQL with
    # 2,000 handoffs: about 1 % of a core at this rate, for a new crisis on every open page within ~0.2 s), and
    # how often an open stream checks that its session has not ended.
    live_interval_seconds: float = 0.15
    live_session_check_seconds: float = 30.0
    # config/alerts.yml: read at start to warn, on every page, while no external contact is set.
    alerts_config_path: str = ""
    export_max_conversations: int = 5000
    # Where "Save as test story" appends (default: STAFF_REVIEW_STORIES, else the repository's
    # tests/stories/review_stories/test_from_review.yml); tests point it at a temp file.
    review_stories_path: str = ""
    # How long writing to a person (relay.py: the Rasa server's web chat relay, or Telegram) may take.
    relay_timeout_seconds: float = 10.0
