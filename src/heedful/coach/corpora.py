"""Real brand replies from ``../shared/data`` for training and evaluating the coach, read at
run time (nothing third-party is copied into this repository; the labels in ``eval/data`` are
ids and rule names only).

* TWCS (``twcs_samples`` and ``twcs_ericsson_labelled``): each brand reply with the customer
  tweet it answers, the brand's earlier replies in the thread and the conversation's root; the
  conversations are split in two fixed halves by a hash of the root id (:func:`twcs_half`):
  ``train`` (read, labelled and used for training) and ``heldout`` (used only to count false
  alarms).
* IBM Twitter customer-care conversations (``ibm_twitter_cdp``, Apache-2.0): every agent
  turn with the customer message before it, by (session id, turn index).
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_ARCHIVE = re.compile(r"https?://web\.archive\.org/web/\d+[a-z_]*/", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RealReply:
    source: str  # "twcs" or "ibm"
    key: str  # tweet id (TWCS) or "session:turn" (IBM)
    group: str  # the conversation
    text: str
    customer: str
    earlier: tuple[str, ...] = ()
    sent_at: str = ""


def twcs_half(root: str) -> str:
    """``train`` or ``heldout``: a fixed split of TWCS conversations by their root tweet id."""
    return "train" if hashlib.sha256(f"twcs:{root}".encode()).digest()[0] < 128 else "heldout"


def twcs_replies(shared: Path) -> list[RealReply]:
    """Brand replies in the shared TWCS files (each tweet once), in file order."""
    files = sorted((shared / "twcs_samples").glob("*.csv"))
    files.append(shared / "twcs_ericsson_labelled" / "labelled_tweets.csv")
    seen: set[str] = set()
    out = []
    for path in files:
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        by_id = {r["tweet_id"]: r for r in rows}
        for row in rows:
            if row.get("inbound") != "False" or row["tweet_id"] in seen:
                continue
            seen.add(row["tweet_id"])
            parent = by_id.get(row.get("in_response_to_tweet_id") or "")
            root, node, earlier = row, parent, []
            for _ in range(50):
                if node is None:
                    break
                root = node
                if node.get("inbound") == "False" and node.get("author_id") == row["author_id"]:
                    earlier.append(html.unescape(node["text"]))
                node = by_id.get(node.get("in_response_to_tweet_id") or "")
            out.append(
                RealReply(
                    "twcs",
                    row["tweet_id"],
                    root["tweet_id"],
                    html.unescape(row["text"]),
                    html.unescape(parent["text"]) if parent else "",
                    tuple(reversed(earlier)),
                    row.get("created_at", ""),
                )
            )
    return out


def ibm_replies(shared: Path) -> Iterator[RealReply]:
    """Every agent turn of the IBM conversations (the resolving one last), with the
    customer's message before it; archive.org prefixes are taken off links."""
    path = shared / "ibm_twitter_cdp" / "conversations.jsonl"
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        conversation = json.loads(line)
        session = conversation["dialogHeader"]["sessionID"]
        customer = ""
        turns: list[tuple[str, str]] = []
        for turn in conversation["dialogContent"]:
            if "client" in turn:
                customer = turn["message"]
            else:
                turns.append((turn["message"], customer))
        turns.append((conversation["agentURL"]["url_utterance"], customer))
        for index, (text, asked) in enumerate(turns):
            yield RealReply(
                "ibm",
                f"{session}:{index}",
                session,
                _ARCHIVE.sub("", text),
                _ARCHIVE.sub("", asked),
            )


def read_labels(path: Path, key: str) -> dict[str, dict[str, object]]:
    """A labels file (one JSON object per line) by ``key`` (``tweet_id``, or ``session`` and
    ``turn`` for IBM)."""
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        name = f"{row['session']}:{row['turn']}" if key == "ibm" else str(row[key])
        out[name] = row
    return out
