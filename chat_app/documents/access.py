"""Who may change the corpus and the index through a server. The one policy for every server
of policy-qa (the Streamlit app today, any other one later). No Streamlit here.

A server listens on 127.0.0.1 unless it is told to serve a network (`make run
ADDRESS=0.0.0.0`, Streamlit's --server.address). On loopback only the people of this machine
reach it, and they may upload files and rebuild the index. Served beyond localhost, anyone on
the network could otherwise, without logging in, put a file into the corpus that every user's
answers draw from, or keep a core busy with rebuilds and crafted PDFs: such a server answers
questions and changes nothing, unless the `allow_remote_changes` setting says otherwise.
"""

from __future__ import annotations

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
