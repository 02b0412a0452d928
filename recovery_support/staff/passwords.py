"""Password hashing with Argon2id (argon2-cffi's defaults are RFC 9106's low-memory profile)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # type Argon2id by default
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024  # hashing cost grows with length; a megabyte "password" must not be hashed

# Verified when the username is unknown, so a wrong name takes as long as a wrong password (no user probing).
# Made on first use (hashing costs ~0.5 s; commands that never log anyone in shouldn't pay it).
_dummy = {"hasher": None, "hash": ""}


def hash_password(password: str) -> str:
    check_password_policy(password)
    return _hasher.hash(password)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"the password must have at most {MAX_PASSWORD_CHARS} characters")


def verify_password(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def spend_verify_time(password: str) -> None:
    if _dummy["hasher"] is not _hasher:
        _dummy.update(hasher=_hasher, hash=_hasher.hash("not a real password, only here to spend the time"))
    verify_password(_dummy["hash"], password[:MAX_PASSWORD_CHARS])


def rehash(password: str) -> str:
    # No policy check: the password was accepted when it was set, and this only upgrades the parameters.
    return _hasher.hash(password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
