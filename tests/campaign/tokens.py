"""The campaign's DigitalOcean tokens: recognisable (``dop_v1_CAMPAIGN…``), so a leak is easy to find."""

from __future__ import annotations

import hashlib


def campaign_token(label: str) -> str:
    """A token shaped like DigitalOcean's (``dop_v1_`` and 64 characters)."""
    return "dop_v1_CAMPAIGN" + hashlib.sha256(label.encode()).hexdigest()[:49]


TOKEN, READ_ONLY_TOKEN, WRONG_TOKEN = (campaign_token(x) for x in ("read-write", "read-only", "wrong"))
TOKENS = (TOKEN, READ_ONLY_TOKEN, WRONG_TOKEN)
