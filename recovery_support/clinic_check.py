"""Warns at start-up while the clinic profile still holds placeholder contact details."""
import sys

from recovery_support.clinic import load_clinic_profile


def main() -> int:
    profile = load_clinic_profile()
    if profile.placeholders:
        print(f"WARNING: config/clinic.yml still has placeholder values for: {', '.join(profile.placeholders)}. "
              "Replace them with the clinic's real details before going live.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
