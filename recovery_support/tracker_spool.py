"""The tracker store's write-behind spool: conversation events the database could not take, kept on local disk.

One JSON file per conversation (named by a hash of the sender id, so no identifier is in a file name) holds
the conversation's events as Rasa serialises them and how many of them are already in the database; the rest
wait to be written. Each database has its own subfolder. Several Rasa replicas may share the folder, so files
only change by atomic steps:

- a file is written under a temporary name and then linked into place. ``os.link``, unlike ``os.replace``,
  fails when the name exists, so a file that appeared meanwhile is merged in order, never overwritten;
- whoever updates or flushes a file first claims it by renaming it to a name of its own. One rename wins, so
  no two replicas write the same events; a failed flush puts the file back;
- a claim left by a process that died mid-flush is taken back after ``STALE_CLAIM_SECONDS`` and flushed again,
  with a warning (if that flush had committed, those events are now in the database twice: said, not hidden).
"""
import hashlib
import json
import logging
import os
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from recovery_support.paths import ROOT

logger = logging.getLogger(__name__)

SPOOL_DIR_ENV = "TRACKER_SPOOL_DIR"
DEFAULT_SPOOL_DIR = ROOT / "var" / "tracker-spool"
STALE_CLAIM_SECONDS = 300.0
SUFFIX = ".json"
CLAIM_SUFFIX = ".claimed"


def spool_directory(configured: Optional[str] = None) -> Path:
    """``spool_dir`` from endpoints.yml, else ``$TRACKER_SPOOL_DIR``, else var/tracker-spool; relative to the repo."""
    path = Path(configured or os.environ.get(SPOOL_DIR_ENV) or DEFAULT_SPOOL_DIR)
    return path if path.is_absolute() else ROOT / path


def database_folder(url: Any) -> str:
    """One subfolder per database, so a spool is only ever flushed into the database it was kept for (a test
    bot's spool never reaches the development database, staging's never production's)."""
    described = url.render_as_string(hide_password=True)
    return f"{url.get_backend_name()}-{hashlib.sha256(described.encode('utf-8')).hexdigest()[:12]}"


@dataclass(frozen=True)
class SpooledConversation:
    sender_id: str
    stored: int  # how many of ``events`` are already in the database (kept so a tracker can be rebuilt)
    events: List[Dict[str, Any]]  # Event.as_dict(), in the conversation's order

    @property
    def pending(self) -> List[Dict[str, Any]]:
        return self.events[self.stored:]

    def followed_by(self, later: "SpooledConversation") -> "SpooledConversation":
        return replace(self, events=self.events + later.pending)


class TrackerSpool:
    def __init__(self, directory: Path, stale_claim_seconds: float = STALE_CLAIM_SECONDS) -> None:
        self.directory = Path(directory)
        self.stale_claim_seconds = stale_claim_seconds
        # No dots: the claim's time is read back from the name's second-to-last dotted part.
        self._owner = f"{socket.gethostname()}-{os.getpid()}".replace(".", "-")

    def path(self, sender_id: str) -> Path:
        return self.directory / (hashlib.sha256(sender_id.encode("utf-8")).hexdigest() + SUFFIX)

    def files(self) -> List[Path]:
        """Files waiting to be flushed (claimed ones excluded), oldest first."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.glob("*" + SUFFIX):
            try:
                found.append((path.stat().st_mtime, path))
            except FileNotFoundError:  # flushed by someone else just now
                pass
        return [path for _, path in sorted(found)]

    def is_claimed(self, sender_id: str) -> bool:
        return self.directory.is_dir() and any(self.directory.glob(f"{self.path(sender_id).name}.*{CLAIM_SUFFIX}"))

    def read(self, path: Path) -> Optional[SpooledConversation]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return SpooledConversation(data["sender_id"], int(data["stored"]), list(data["events"]))

    def keep(self, sender_id: str, events: List[Dict[str, Any]], stored: int) -> int:
        """Adds a conversation's events past ``stored`` (those already saved) to its file.

        ``events`` is the whole tracker: a new file keeps all of it, so the conversation can be rebuilt from the
        file alone while the database is away. Returns how many events now wait. Raises OSError."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.path(sender_id)
        conversation = SpooledConversation(sender_id, stored, events)
        claimed = self._claim(path)
        if claimed is not None:
            current = self.read(claimed)
            conversation = current.followed_by(conversation) if current else conversation
        try:
            self._place(self._write_temporary(conversation), path, newer=True)
        except BaseException:
            if claimed is not None:
                self._place(claimed, path, newer=False)  # the old file stays as it was
            raise
        if claimed is not None:
            claimed.unlink()
        return len(conversation.pending)

    def flush(self, path: Path, write: Callable[[SpooledConversation], None]) -> Optional[SpooledConversation]:
        """Claims ``path`` and hands its conversation to ``write`` (one transaction), then deletes the file.

        Returns what was written, or None if another process holds the file. If ``write`` raises, the file is
        put back and the error propagates."""
        claimed = self._claim(path)
        if claimed is None:
            return None
        try:
            conversation = self.read(claimed)
            if conversation is not None and conversation.pending:
                write(conversation)
        except BaseException:
            self._place(claimed, path, newer=False)
            raise
        claimed.unlink()
        return conversation

    def reclaim_stale(self) -> None:
        """Puts back files whose claimer never finished (it died mid-flush), so they are flushed again."""
        if not self.directory.is_dir():
            return
        for claimed in self.directory.glob(f"*{SUFFIX}.*{CLAIM_SUFFIX}"):
            try:
                claimed_at = float(claimed.name.split(".")[-2])
            except ValueError:
                continue
            if time.time() - claimed_at < self.stale_claim_seconds:
                continue
            path = self.directory / (claimed.name.split(".")[0] + SUFFIX)
            mine = self._claim(claimed, original=path)
            if mine is not None:
                logger.warning("A flush of spool file %s started by %s never finished: flushing it again (if "
                               "that flush had committed, its events are now stored twice)",
                               path.name, claimed.name.split(".")[2])
                self._place(mine, path, newer=False)

    # --- atomic steps ------------------------------------------------------------------------------------

    def _claim(self, path: Path, original: Optional[Path] = None) -> Optional[Path]:
        name = (original or path).name
        # Unique per claim: one process may hold two claims of a name while it merges them.
        claimed = path.with_name(f"{name}.{self._owner}-{uuid.uuid4().hex[:8]}.{time.time():.0f}{CLAIM_SUFFIX}")
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            return None
        return claimed

    def _write_temporary(self, conversation: SpooledConversation) -> Path:
        # mkstemp creates the file 0600: these are health records.
        fd, name = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"sender_id": conversation.sender_id, "stored": conversation.stored,
                           "events": conversation.events}, handle)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            os.unlink(name)
            raise
        return Path(name)

    def _place(self, source: Path, path: Path, newer: bool) -> None:
        """Moves the complete file ``source`` to ``path``; a file already there is merged with it in order
        (``newer``: ``source`` holds the later events)."""
        merged_from: List[Path] = []
        while True:
            try:
                os.link(source, path)
                break
            except FileExistsError:
                other = self._claim(path)
                if other is None:
                    continue  # it was flushed or claimed meanwhile: try again
                mine, theirs = self.read(source), self.read(other)
                merged = theirs.followed_by(mine) if newer else mine.followed_by(theirs)
                merged_from += [source, other]
                source = self._write_temporary(merged)
        for done in [source, *merged_from]:
            done.unlink()
