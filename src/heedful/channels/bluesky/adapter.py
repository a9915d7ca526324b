"""The Bluesky adapter: parse XRPC bodies, poll notifications and chat, listen with
``searchPosts``, reply with strong refs, send chat messages."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

from heedful.channels.base import (
    Capabilities,
    ChannelAdapter,
    DeliveryResult,
    ListeningQuery,
    OutboundMessage,
    ParseResult,
    PollResult,
)
from heedful.channels.bluesky import parse
from heedful.channels.bluesky.client import BlueskyClient
from heedful.channels.bluesky.config import BlueskyConfig
from heedful.channels.bluesky.text import (
    MAX_CHAT_GRAPHEMES,
    MAX_POST_GRAPHEMES,
    grapheme_length,
    link_facets,
)
from heedful.channels.parsing import Collector
from heedful.channels.support.jsonvalues import as_dict, dicts, load_json, opt_str
from heedful.channels.support.times import parse_time
from heedful.domain import InboundEvent, MessageKind, Visibility
from heedful.errors import PermanentFailure


class BlueskyAdapter(ChannelAdapter[BlueskyConfig]):
    slug: ClassVar[str] = "bluesky"
    name: ClassVar[str] = "Bluesky"
    config_model: ClassVar[type[BlueskyConfig]] = BlueskyConfig
    capabilities: ClassVar[Capabilities] = Capabilities(
        poll=True,
        public_reply=True,
        private_message=True,
        max_length=MAX_POST_GRAPHEMES,
        length_unit="graphemes",
        listening=True,
        find_delivered=True,
    )

    @cached_property
    def api(self) -> BlueskyClient:
        return BlueskyClient(self.config, self.http, self.clock)

    @property
    def brand_did(self) -> str | None:
        return getattr(self.config, "did", None)

    def parse(self, body: bytes, headers: Mapping[str, str] | None = None) -> ParseResult:
        return parse.parse_document(load_json(body, "the Bluesky payload"), self.brand_did)

    def _did(self) -> str:
        return self.api.did or self.api.sign_in()

    # --- polling ------------------------------------------------------------------------

    def poll(self, cursor: Mapping[str, Any]) -> PollResult:
        seen = opt_str(dict(cursor), "seen_at")
        notes = self._notifications(seen)
        new_cursor: dict[str, Any] = {"seen_at": notes.cursor.get("seen_at") or seen}
        results = [notes]
        if self.config.chat:
            chats = self._chats(as_dict(cursor.get("chat_revs")))
            new_cursor["chat_revs"] = chats.cursor
            results.append(chats)
        events = sorted((e for r in results for e in r.events), key=lambda e: e.created_at)
        ignored = tuple(i for r in results for i in r.ignored)
        kept = {**cursor, **{k: v for k, v in new_cursor.items() if v}}  # keep others' keys
        return PollResult(tuple(events), kept, ignored)

    def _notifications(self, seen: str | None) -> PollResult:
        params = [("limit", str(self.config.page_size))]
        params += [("reasons", r) for r in sorted(parse.MESSAGE_REASONS)]
        out, newest, page_cursor = Collector(), None, None
        for _ in range(self.config.max_pages if seen else 1):
            paging: list[tuple[str, str]] = [("cursor", page_cursor)] if page_cursor else []
            page = as_dict(
                self.api.query("app.bsky.notification.listNotifications", params + paging)
            )
            items = dicts(page.get("notifications"))
            fresh = [n for n in items if not seen or str(n.get("indexedAt", "")) > seen]
            newest = newest or (str(items[0].get("indexedAt")) if items else None)
            out.extend(parse.parse_notifications({"notifications": fresh}, self._did()))
            page_cursor = opt_str(page, "cursor")
            if len(fresh) < len(items) or not page_cursor:
                break
        return PollResult(
            tuple(out.events), {"seen_at": newest} if newest else {}, tuple(out.ignored)
        )

    def _chats(self, revs: dict[str, Any]) -> PollResult:
        page = as_dict(self.api.query("chat.bsky.convo.listConvos", [("limit", "50")], chat=True))
        out, new_revs = Collector(), {}
        for convo in dicts(page.get("convos")):
            convo_id, rev = opt_str(convo, "id"), opt_str(convo, "rev")
            if convo_id is None or rev is None:
                continue
            new_revs[convo_id] = rev
            if revs.get(convo_id) != rev:
                out.extend(self._convo_messages(convo, revs.get(convo_id)))
        return PollResult(tuple(out.events), new_revs, tuple(out.ignored))

    def _convo_messages(self, convo: dict[str, Any], since_rev: str | None) -> ParseResult:
        params = [("convoId", str(convo["id"])), ("limit", str(self.config.page_size))]
        page = as_dict(self.api.query("chat.bsky.convo.getMessages", params, chat=True))
        members = {m.get("did"): m for m in dicts(convo.get("members"))}
        out = Collector()
        for message in dicts(page.get("messages")):
            if since_rev and str(message.get("rev", "")) <= since_rev:
                continue
            out.add(parse.chat_message(message, str(convo["id"]), members, self._did()))
        return out.result()

    def listen(self, query: ListeningQuery, cursor: Mapping[str, Any]) -> PollResult:
        terms = list(query.keywords) + [f"#{h.lstrip('#')}" for h in query.hashtags]
        events: dict[str, InboundEvent] = {}
        new_cursor: dict[str, Any] = {}
        for term in terms:
            params = [("q", term), ("sort", "latest"), ("limit", str(self.config.page_size))]
            if cursor.get(term):
                params.append(("since", str(cursor[term])))
            if query.language:
                params.append(("lang", query.language))
            page = as_dict(self.api.query("app.bsky.feed.searchPosts", params))
            found = parse.parse_posts(page, self._did())
            for event in found.events:
                if event.author.external_id != self._did():
                    events[event.external_id] = dataclasses.replace(
                        event, kind=MessageKind.MENTION, unsolicited=True
                    )
            newest = max((e.created_at for e in found.events), default=None)
            new_cursor[term] = newest.isoformat() if newest else cursor.get(term)
        ordered = sorted(events.values(), key=lambda e: e.created_at)
        return PollResult(tuple(ordered), {k: v for k, v in new_cursor.items() if v})

    # --- sending ------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> DeliveryResult:
        if message.visibility is Visibility.PRIVATE:
            return self._send_chat(message)
        if grapheme_length(message.text) > MAX_POST_GRAPHEMES:
            raise PermanentFailure(f"a Bluesky post is at most {MAX_POST_GRAPHEMES} graphemes")
        record: dict[str, Any] = {
            "$type": parse.POST,
            "text": message.text,
            "createdAt": self.clock.now().isoformat().replace("+00:00", "Z"),
        }
        if facets := link_facets(message.text):
            record["facets"] = facets
        if message.in_reply_to:
            record["reply"] = self._reply_refs(message.in_reply_to)
        body = {"repo": self._did(), "collection": parse.POST, "record": record}
        created = as_dict(self.api.procedure("com.atproto.repo.createRecord", body))
        uri = opt_str(created, "uri")
        if uri is None:
            raise PermanentFailure("Bluesky accepted the post but returned no URI")
        return DeliveryResult(uri, url=parse.post_url(None, uri), sent_at=self.clock.now())

    def _reply_refs(self, parent_uri: str) -> dict[str, Any]:
        """Reply strong refs: the parent, and the parent's own root (or the parent itself)."""
        page = as_dict(self.api.query("app.bsky.feed.getPosts", [("uris", parent_uri)]))
        posts = dicts(page.get("posts"))
        if not posts:
            raise PermanentFailure(f"the Bluesky post {parent_uri} is gone or not visible")
        parent = {"uri": posts[0]["uri"], "cid": posts[0]["cid"]}
        root = as_dict(as_dict(as_dict(posts[0].get("record")).get("reply")).get("root"))
        return {"root": root or parent, "parent": parent}

    def _send_chat(self, message: OutboundMessage) -> DeliveryResult:
        if grapheme_length(message.text) > MAX_CHAT_GRAPHEMES:
            raise PermanentFailure(
                f"a Bluesky chat message is at most {MAX_CHAT_GRAPHEMES} graphemes"
            )
        convo_id = message.thread_ref or self._convo_with(message.recipient)
        body = {"convoId": convo_id, "message": {"text": message.text}}
        sent = as_dict(self.api.procedure("chat.bsky.convo.sendMessage", body, chat=True))
        message_id = opt_str(sent, "id")
        if message_id is None:
            raise PermanentFailure("Bluesky accepted the chat message but returned no id")
        return DeliveryResult(message_id, sent_at=self.clock.now())

    def _convo_with(self, recipient: str | None) -> str:
        if not recipient:
            raise PermanentFailure("a Bluesky chat message needs a conversation or a recipient DID")
        params = [("members", recipient)]
        found = as_dict(self.api.query("chat.bsky.convo.getConvoForMembers", params, chat=True))
        convo_id = opt_str(as_dict(found.get("convo")), "id")
        if convo_id is None:
            raise PermanentFailure(f"Bluesky has no chat with {recipient}")
        return convo_id

    def find_delivered(self, message: OutboundMessage, since: datetime) -> DeliveryResult | None:
        if message.visibility is Visibility.PRIVATE:
            return None if message.thread_ref is None else self._find_chat(message, since)
        params = [("repo", self._did()), ("collection", parse.POST), ("limit", "50")]
        page = as_dict(self.api.query("com.atproto.repo.listRecords", params))
        for item in dicts(page.get("records")):
            value = as_dict(item.get("value"))
            parent = as_dict(as_dict(value.get("reply")).get("parent")).get("uri")
            created = parse_time(value.get("createdAt"))
            recent = created is not None and created >= since
            if recent and value.get("text") == message.text and parent == message.in_reply_to:
                uri = str(item["uri"])
                return DeliveryResult(uri, url=parse.post_url(None, uri))
        return None

    def _find_chat(self, message: OutboundMessage, since: datetime) -> DeliveryResult | None:
        params = [("convoId", str(message.thread_ref)), ("limit", "50")]
        page = as_dict(self.api.query("chat.bsky.convo.getMessages", params, chat=True))
        for item in dicts(page.get("messages")):
            sender = as_dict(item.get("sender")).get("did")
            sent = parse_time(item.get("sentAt"))
            if (
                sender == self._did()
                and sent
                and sent >= since
                and item.get("text") == message.text
            ):
                return DeliveryResult(str(item["id"]))
        return None
