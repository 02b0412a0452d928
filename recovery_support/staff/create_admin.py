"""Creates the first admin (or any staff user): ``python -m recovery_support.staff.create_admin USERNAME``.

The password comes from STAFF_ADMIN_PASSWORD (for scripted setups) or is asked for twice at a prompt; it is
never a command-line argument, where `ps` and shell history would show it.
"""
import argparse
import getpass
import os
import sys
from typing import List, Optional

from recovery_support.staff import audit
from recovery_support.staff.database import has_table, staff_engine
from recovery_support.staff.roles import ADMIN, ROLES
from recovery_support.staff.users import create_user, set_password

PASSWORD_ENV = "STAFF_ADMIN_PASSWORD"
ACTOR = "create_admin (command line)"


def read_password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise SystemExit(f"no terminal to ask for the password: set {PASSWORD_ENV}")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise SystemExit("the passwords differ")
    return first


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Create a staff user (an admin unless --role says otherwise).")
    parser.add_argument("username")
    parser.add_argument("--role", default=ADMIN, choices=ROLES)
    parser.add_argument("--reset-password", action="store_true", help="set a new password for an existing user")
    parser.add_argument("--database-url", help="default: DATABASE_URL, else sqlite:///var/conversations.db")
    args = parser.parse_args(argv)
    engine = staff_engine(args.database_url)
    if not has_table(engine, "staff_users"):
        raise SystemExit("The staff tables don't exist: run `.venv/bin/alembic upgrade head` first.")
    password = read_password()
    try:
        if args.reset_password:
            set_password(engine, args.username, password)
            audit.record(engine, ACTOR, "user_password_reset", f"user:{args.username.strip().lower()}")
            print(f"Password set for {args.username}.")
        else:
            user = create_user(engine, args.username, password, args.role)
            audit.record(engine, ACTOR, "user_create", f"user:{user.username}", {"role": user.role})
            print(f"Created {user.role} {user.username}.")
    except (ValueError, LookupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
