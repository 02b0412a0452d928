#!/usr/bin/env bash
# Prints the path of a working Python 3.10 (Rasa 3.6 needs >=3.8,<3.11; this project pins 3.10).
# Looks on PATH first, then in pyenv's versions folder; a pyenv shim that refuses is skipped.
set -u
works() { "$1" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; }

for candidate in "${PYTHON310:-}" python3.10; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if works "$path"; then echo "$path"; exit 0; fi
done

roots=()
command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root)")
roots+=("${PYENV_ROOT:-$HOME/.pyenv}" /usr/local/pyenv /opt/pyenv)
for root in "${roots[@]}"; do
  for path in $(ls -d "$root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do
    if works "$path"; then echo "$path"; exit 0; fi
  done
done
for path in /usr/local/bin/python3.10 /usr/bin/python3.10; do
  if works "$path"; then echo "$path"; exit 0; fi
done

cat >&2 <<'MSG'
error: Python 3.10 was not found.
  Rasa Open Source 3.6 runs on Python 3.8-3.10 and this project pins 3.10.
  Install it (for example `pyenv install 3.10` or your system's python3.10 package),
  or point PYTHON310 at its interpreter: make run PYTHON310=/path/to/python3.10
MSG
exit 1
