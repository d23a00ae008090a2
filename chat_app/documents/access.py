"""Who may change the corpus and the index through a server. The one policy for every server
of policy-qa (the Streamlit app, the HTTP API). No Streamlit, no FastAPI here.

A server listens on 127.0.0.1 unless it is told to serve a network (`make run
ADDRESS=0.0.0.0`, Streamlit's --server.address). On loopback only the people of this machine
reach it, and they may upload files and rebuild the index. Served beyond localhost, anyone on
the network could otherwise, without logging in, put a file into the corpus that every user's
answers draw from, or keep a core busy with rebuilds and crafted PDFs: such a server answers
questions and changes nothing, unless the `allow_remote_changes` setting says otherwise.

The HTTP API is for scripts, which cannot be shown a button: it is read-only unless an API
token is configured (`api_token`), and then uploads and rebuilds need that token as a bearer
token, on loopback too (any local user or web page could otherwise post to it). Beyond
localhost they also need `allow_remote_changes`, as in the app.
"""

from __future__ import annotations

import hmac
import ipaddress

from ingest.settings import Settings

LOCAL_ADDRESS = "127.0.0.1"
REMOTE_NOTE = ("Uploads and rebuilds are off: this app is served beyond localhost. Whoever runs it can "
               "rebuild with `python -m index build`, or allow them with POLICY_QA_ALLOW_REMOTE_CHANGES=1.")


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to `address` can only be reached from this machine. No address
    means every interface (Streamlit's default when nothing sets one): not loopback. A host
    name other than localhost may resolve to anything: not loopback either."""
    if not address or not address.strip():
        return False
    address = address.strip().strip("[]").lower()
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def changes_allowed(address: str | None, settings: Settings) -> bool:
    """Whether visitors of a server bound to `address` may upload files and rebuild."""
    return is_loopback(address) or settings.allow_remote_changes


def http_changes_allowed(address: str | None, settings: Settings) -> bool:
    """Whether the HTTP API bound to `address` offers uploads and rebuilds at all."""
    return bool(settings.api_token) and changes_allowed(address, settings)


def bearer_token_matches(authorization: str | None, settings: Settings) -> bool:
    """Whether an `Authorization: Bearer <token>` header carries the API token. Compared in
    constant time (hmac.compare_digest), so the time taken tells nothing of how much of a
    guess was right; as bytes, since a header may hold any character."""
    if not settings.api_token or not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "surrogateescape"), settings.api_token.encode("ascii"))


REMOTE_API_NOTE = ("uploads and rebuilds are off: the API is served beyond localhost; allow them with "
                   "POLICY_QA_ALLOW_REMOTE_CHANGES=1 (they still need the API token)")
