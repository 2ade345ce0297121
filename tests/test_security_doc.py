"""SECURITY.md exists, says what it must, and the README points to it."""

from __future__ import annotations

from tests.conftest import REPO


def test_security_md_covers_threats_secrets_promises_and_reporting() -> None:
    text = (REPO / "SECURITY.md").read_text(encoding="utf-8")
    for heading in ("## Threat model", "## Where secrets live", "## What the product promises",
                    "## Reporting a problem"):  # fmt: skip
        assert heading in text, heading
    for words in ("Argon2id", "SHA-256", "secrets", "--behind-proxy", "frame-ancestors",
                  "leading `'`", "private security advisory"):  # fmt: skip
        assert words in text, words


def test_readme_links_security_md() -> None:
    assert "(SECURITY.md)" in (REPO / "README.md").read_text(encoding="utf-8")
