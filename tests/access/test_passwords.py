"""The Argon2 hasher costs nothing until it is used, and makes its dummy hash once."""

from __future__ import annotations

import subprocess
import sys

from argon2 import PasswordHasher

from labelpulse.access.passwords import Argon2


def test_importing_the_access_package_loads_no_argon2() -> None:
    code = "import sys, labelpulse.access; print('argon2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_dummy_hash_is_made_once_and_verifies_nothing_else() -> None:
    hasher = Argon2(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    dummy = hasher.dummy()
    assert hasher.dummy() is dummy
    assert dummy.startswith("$argon2id$")
    assert not hasher.verify(dummy, "a guess")
    assert not hasher.verify("not a hash", "a guess")
