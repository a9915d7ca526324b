# ruff: noqa: E501 - lines of demo text read better unbroken
"""Demo data: two brands, their agents and channel accounts, and a few hundred conversations
in the situations Heedful exists for (PRODUCT.md). Every word here is the project's own.

Generated deterministically from a seed, with times relative to "now" so that SLA clocks and
countdowns are live when the demo is opened. Everything goes through the ingest service, like
real traffic.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.domain import Author, Direction, InboundEvent, MessageKind, Visibility
from heedful.services.auth import hash_password
from heedful.services.contacts import link_identity
from heedful.services.ingest import IngestOptions, IngestResult, ingest_events
from heedful.services.workspaces import add_channel_account, create_workspace
from heedful.store.tables import Agent, Contact, ContactIdentity, Conversation, Membership, Message

FIRST = [
    "Sam",
    "Priya",
    "Jonas",
    "Aoife",
    "Marek",
    "Leila",
    "Tom",
    "Grace",
    "Ravi",
    "Noor",
    "Ellis",
    "Yuki",
    "Carmen",
    "Dev",
    "Hannah",
    "Omar",
    "Kit",
    "Bea",
    "Luca",
    "Ines",
    "Fraser",
    "Mina",
    "Theo",
    "Zara",
    "Callum",
    "Anika",
    "Rhys",
    "Sofia",
    "Malik",
    "Ada",
]
LAST = [
    "Reid",
    "Okafor",
    "Lind",
    "Byrne",
    "Novak",
    "Haddad",
    "Clarke",
    "Moreau",
    "Iyer",
    "Shah",
    "Quinn",
    "Sato",
    "Ruiz",
    "Patel",
    "Walsh",
    "Farah",
    "Young",
    "Fischer",
    "Rossi",
    "Costa",
    "Murray",
    "Kaur",
    "Evans",
    "Ahmed",
    "Doyle",
    "Berg",
    "Price",
    "Lopez",
    "Khan",
]
TOWNS = [
    "Leeds",
    "Bristol",
    "Glasgow",
    "Cardiff",
    "Norwich",
    "York",
    "Belfast",
    "Derby",
    "Brighton",
    "Exeter",
    "Hull",
    "Bath",
]


@dataclass(frozen=True)
class DemoAgent:
    name: str
    initials: str
    email: str
    role: str


AGENTS = [
    DemoAgent("Anna Baker", "AB", "anna@acme.example", "agent"),
    DemoAgent("Tomasz Ito", "TI", "tomasz@acme.example", "agent"),
    DemoAgent("Rosa Mendes", "RM", "rosa@acme.example", "agent"),
    DemoAgent("Priya Lead", "PL", "priya@acme.example", "lead"),
    DemoAgent("Alex Admin", "AA", "admin@acme.example", "admin"),
]
NORTHWIND_AGENTS = [DemoAgent("Nadia West", "NW", "nadia@northwind.example", "agent")]
# Every demo agent signs in with this password (printed by `heedful demo`); the first admin
# is admin@acme.example.
DEMO_PASSWORD = "heedful-demo"  # noqa: S105 - demo data, printed on purpose

ACME_ACCOUNTS = [
    # channel, external id, handle, display name, followers
    ("x", "900001", "AcmeMobileHelp", "Acme Mobile Help", 203_000),
    ("facebook", "page-acme", "Acme Mobile", "Acme Mobile", 88_000),
    ("instagram", "ig-acme", "acmemobile", "Acme Mobile", 41_000),
    ("mastodon", "109000001", "acme@social.example", "Acme Mobile", 3_100),
    ("bluesky", "did:plc:acmemobile", "acme.bsky.social", "Acme Mobile", 5_400),
    ("reddit", "t2_acme", "AcmeMobileTeam", "Acme Mobile team", 900),
    ("trustpilot", "tp-acme", "acme-mobile", "Acme Mobile", None),
    ("email", "support@acme.example", "support@acme.example", "Acme Mobile Support", None),
]


@dataclass
class _Thread:
    """Messages of one scripted conversation, turned into events by :class:`DemoBuilder`."""

    events: list[InboundEvent] = field(default_factory=list)
    agent_replies: dict[str, str] = field(default_factory=dict)  # external id → agent email


class DemoBuilder:
    def __init__(self, now: datetime, seed: int = 7) -> None:
        self.now = now
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security
        # promises get their own sequence, so the rest of the demo stays as it was
        self.promise_rng = random.Random(seed + 1)  # noqa: S311
        self.counter = 0
        self.people: dict[str, Author] = {}
        self.agent_of: dict[str, str] = {}

    # -- helpers -------------------------------------------------------------------------
    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{1_000_000 + self.counter}"

    def person(self, key: str, channel: str, followers: int | None = None) -> Author:
        cache_key = f"{channel}:{key}"
        if cache_key not in self.people:
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            handle = {
                "email": f"{first.lower()}.{last.lower()}{self.rng.randint(1, 99)}@mail.example",
                "mastodon": f"{first.lower()}{self.rng.randint(1, 999)}@social.example",
                "bluesky": f"{first.lower()}{last.lower()}.bsky.social",
            }.get(channel, f"{first.lower()}_{last.lower()}{self.rng.randint(1, 999)}")
            self.people[cache_key] = Author(
                external_id=f"{channel}-user-{key}",
                handle=handle,
                display_name=f"{first} {last}",
                followers=followers if followers is not None else self._followers(channel),
            )
        return self.people[cache_key]

    def _followers(self, channel: str) -> int | None:
        if channel in {"email", "trustpilot"}:
            return None
        return int(self.rng.lognormvariate(5.0, 1.3))

    def at(self, hours_ago: float) -> datetime:
        return self.now - timedelta(hours=hours_ago)

    def inbound(
        self,
        channel: str,
        author: Author,
        text: str,
        hours_ago: float,
        *,
        reply_to: str | None = None,
        private: bool = False,
        kind: MessageKind | None = None,
        thread: str | None = None,
        rating: float | None = None,
        subject: str | None = None,
        unsolicited: bool = False,
        account: str | None = None,
    ) -> InboundEvent:
        return InboundEvent(
            channel=channel,
            external_id=self.next_id(channel[:2]),
            author=author,
            text=text,
            created_at=self.at(hours_ago),
            kind=kind
            or (
                MessageKind.REPLY if reply_to else (MessageKind.DM if private else MessageKind.POST)
            ),
            direction=Direction.INBOUND,
            visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
            in_reply_to=reply_to,
            thread_ref=thread,
            rating=rating,
            subject=subject,
            unsolicited=unsolicited,
            account_ref=account,
        )

    def reply(
        self,
        channel: str,
        brand: Author,
        parent: InboundEvent,
        text: str,
        hours_ago: float,
        agent: DemoAgent,
        *,
        private: bool = False,
    ) -> InboundEvent:
        signed = (
            f"{text} ^{agent.initials}"
            if not private
            else f"{text}\n\n{agent.name.split()[0]}, Acme Mobile"
        )
        event = InboundEvent(
            channel=channel,
            external_id=self.next_id(channel[:2] + "o"),
            author=brand,
            text=signed,
            created_at=self.at(hours_ago),
            kind=MessageKind.DM if private else MessageKind.REPLY,
            direction=Direction.OUTBOUND,
            visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
            in_reply_to=parent.external_id,
            thread_ref=parent.thread_ref,
            subject=f"Re: {parent.subject}" if parent.subject else None,
        )
        self.agent_of[event.external_id] = agent.email
        return event


def _brand(channel: str) -> Author:
    for ch, ext, handle, name, followers in ACME_ACCOUNTS:
        if ch == channel:
            return Author(external_id=ext, handle=handle, display_name=name, followers=followers)
    raise KeyError(channel)


def acme_events(b: DemoBuilder) -> Iterator[InboundEvent]:
    """The Acme Mobile story: a week of care traffic, an outage in the last two hours."""
    yield from _angry_influencer(b)
    yield from _outage_surge(b)
    yield from _public_to_email(b)
    yield from _everyday(b)
    yield from _reviews_and_listening(b)


def _angry_influencer(b: DemoBuilder) -> Iterator[InboundEvent]:
    """Three unanswered tweets in two hours from someone with more followers than the brand;
    others pile in under the third one."""
    jay = b.person("jay-morgan", "x", followers=332_000)
    jay = Author(jay.external_id, "jaymorgan_tech", "Jay Morgan", 332_000)
    first = b.inbound(
        "x",
        jay,
        "@AcmeMobileHelp I've been without mobile data for two days now. Is anyone looking at this?",
        2.2,
    )
    second = b.inbound(
        "x",
        jay,
        "@AcmeMobileHelp still nothing. Day three with no data and not a single reply from you.",
        1.4,
    )
    third = b.inbound(
        "x",
        jay,
        "@AcmeMobileHelp third time asking. No data, no answer, no explanation. I pay £45 a month for this. Ridiculous.",
        0.4,
    )
    yield from (first, second, third)
    piles = [
        "Same here in Leeds, no data since Monday and no reply to my DMs either",
        "Ha, welcome to the club. They ignored me for a week last month",
        "@AcmeMobileHelp this is getting silly now, sort it out",
        "My whole street is the same. Three days. Acme don't care",
    ]
    for i, text in enumerate(piles):
        other = b.person(f"pile-{i}", "x")
        yield b.inbound("x", other, text, 0.35 - i * 0.05, reply_to=third.external_id)


OUTAGE_LINES = [
    "@AcmeMobileHelp is the network down? No signal at all in {town}",
    "@AcmeMobileHelp no calls, no data, nothing. {town}. What's going on?",
    "anyone else on Acme with zero bars right now? {town}",
    "@AcmeMobileHelp emergency calls only on my phone, can't reach my kids' school",
    "Acme down again?? I'm working from home and can't hotspot. {town}",
    "@AcmeMobileHelp outage map says everything is fine. It is not fine. {town}",
    "@AcmeMobileHelp my card payment machine runs on your network and it's dead. Losing sales here",
    "no service since about {clock}. Restarted twice. {town}",
]


def _outage_surge(b: DemoBuilder) -> Iterator[InboundEvent]:
    brand = _brand("x")
    channels = ["x"] * 5 + ["mastodon", "bluesky", "facebook"]
    for i in range(64):
        channel = b.rng.choice(channels)
        author = b.person(f"outage-{i}", channel)
        text = b.rng.choice(OUTAGE_LINES).format(
            town=b.rng.choice(TOWNS),
            clock=f"{b.rng.randint(13, 15)}:{b.rng.choice(['05', '20', '40'])}",
        )
        if channel != "x":
            text = text.replace("@AcmeMobileHelp ", "")
        event = b.inbound(
            channel,
            author,
            text,
            b.rng.uniform(0.05, 1.5),
            kind=MessageKind.COMMENT if channel == "facebook" else None,
        )
        yield event
        if channel == "x" and i % 9 == 0:
            yield b.reply(
                "x",
                brand,
                event,
                "We're sorry, we have a network fault affecting parts of the north and are working on it now. "
                "Updates every 30 minutes here",
                max(0.01, (b.now - event.created_at).total_seconds() / 3600 - 0.2),
                AGENTS[i % 3],
            )


def _public_to_email(b: DemoBuilder) -> Iterator[InboundEvent]:
    """A public complaint taken to e-mail: the same person, two identities, one story."""
    brand_x, brand_mail = _brand("x"), _brand("email")
    maya_x = Author("x-user-maya", "maya_reads", "Maya Lindqvist", 1_240)
    maya_mail = Author(
        "maya.lindqvist@mail.example", "maya.lindqvist@mail.example", "Maya Lindqvist", None
    )
    post = b.inbound(
        "x",
        maya_x,
        "@AcmeMobileHelp you've charged me twice for October. £90 gone. Can someone fix this?",
        30,
    )
    yield post
    yield b.reply(
        "x",
        brand_x,
        post,
        "Sorry Maya, being charged twice isn't right. Could you email support@acme.example with your account "
        "number so I can look at the billing? I'll check it personally today",
        29.5,
        AGENTS[0],
    )
    mail = b.inbound(
        "email",
        maya_mail,
        "Hi Anna,\n\nAs asked on Twitter: my account number is 40211873 and both charges were on 3 October.\n\nThanks,\nMaya",
        28.0,
        private=True,
        kind=MessageKind.EMAIL,
        thread="<maya-billing@mail.example>",
        subject="Double charge in October",
    )
    yield mail
    yield b.reply(
        "email",
        brand_mail,
        mail,
        "Hi Maya,\n\nThanks for the details. I can see the duplicate charge of £45 and have refunded it today. "
        "It will reach your card within 5 working days. I'll email you again on Friday to confirm it arrived.",
        26.0,
        AGENTS[0],
        private=True,
    )
    thanks = b.inbound(
        "email",
        maya_mail,
        "That's great, thank you Anna. Really appreciate the quick help.",
        20.0,
        private=True,
        kind=MessageKind.EMAIL,
        thread="<maya-billing@mail.example>",
        subject="Re: Double charge in October",
    )
    yield thanks


EVERYDAY = {
    "question": [
        ("x", "@AcmeMobileHelp how do I turn on wifi calling on a Pixel?"),
        ("x", "@AcmeMobileHelp does my plan include roaming in Spain?"),
        ("facebook", "Hi, can I keep my number if I move to a SIM-only plan?"),
        ("instagram", "hello! when does the new unlimited plan start?"),
        ("mastodon", "Does Acme support eSIM on the Fairphone? Can't find it anywhere"),
        ("email", "Hello, I'd like to add a second line for my daughter. What do I need?"),
        ("reddit", "Anyone know if Acme's 5G works in Exeter yet?"),
        ("bluesky", "how long does porting a number to Acme usually take?"),
    ],
    "billing": [
        ("x", "@AcmeMobileHelp why has my bill gone up by £6 without any warning?"),
        ("email", "I was charged a roaming fee but I haven't left the country. Please explain."),
        ("facebook", "Your direct debit came out twice this month. I need that money back."),
        (
            "x",
            "@AcmeMobileHelp I cancelled in August and you're still taking payments. This is theft.",
        ),
    ],
    "account": [
        ("x", "@AcmeMobileHelp locked out of my account, the reset code never arrives"),
        ("instagram", "my app says my account is suspended?? I've paid everything"),
        (
            "email",
            "I think someone has got into my account, there's a new phone on my order history I didn't buy",
        ),
    ],
    "delivery": [
        ("x", "@AcmeMobileHelp where's my new phone? Order said Tuesday, it's Friday"),
        ("facebook", "Courier says delivered, nothing here. Order for an iPhone. Help?"),
        ("email", "My SIM card hasn't arrived after 10 days. I'm paying for a plan I can't use."),
    ],
    "praise": [
        ("x", "@AcmeMobileHelp shout out to Rosa who fixed my voicemail in 5 minutes, legend"),
        ("instagram", "thank you for sorting my upgrade so fast!! love the new phone"),
        ("mastodon", "credit where due, Acme support answered in 10 minutes and actually fixed it"),
        (
            "bluesky",
            "honestly impressed, Acme refunded the overcharge without me even asking twice",
        ),
    ],
    "fault": [
        ("x", "@AcmeMobileHelp my new phone keeps dropping calls, only had it a week"),
        ("facebook", "The router you sent restarts every hour. Third one. Not happy"),
        ("email", "The handset I received has a cracked screen straight out of the box."),
    ],
}

# A reply that makes a timed promise, and the later reply that reports it done (see
# heedful.care.tracking: a promise to do something is kept by a message that says it is done).
PROMISE_FOLLOW_UPS = [
    (
        "I'll call you in the next couple of hours to go through it",
        "I've just called you and we went through it together: all sorted now",
    ),
    (
        "we'll refund the extra charge within 5 working days",
        "your refund has been processed today, it should show within 2-3 days",
    ),
    (
        "I'll look into it this afternoon and update you by 5pm",
        "I've looked into it: the fault on your line is fixed now",
    ),
    (
        "I'll send you a replacement SIM today",
        "I've sent the replacement SIM by first class post this morning",
    ),
]

REPLIES = {
    "question": "Good question! Yes, you can: go to Settings > Network > Calling and switch it on. "
    "Here's the step-by-step guide: acme.example/help/{slug}",
    "billing": "I'm sorry about the surprise on your bill. Please send us a DM with your account number "
    "and I'll go through the charges with you",
    "account": "Sorry you're locked out, that's stressful. Please DM us your account email (not your "
    "password) and I'll get you back in",
    "delivery": "Sorry your order is late. Please DM me the order number and I'll chase the courier now",
    "praise": "Thank you, that's lovely to hear! I'll pass it on to the team",
    "fault": "That's not good enough for a new phone, sorry. Please DM us and we'll arrange a replacement",
}


def _everyday(b: DemoBuilder) -> Iterator[InboundEvent]:
    topics = list(EVERYDAY)
    for i in range(170):
        topic = topics[i % len(topics)]
        channel, text = b.rng.choice(EVERYDAY[topic])
        author = b.person(f"every-{i}", channel)
        hours = b.rng.uniform(1.0, 160.0)
        private = channel == "email"
        first = b.inbound(
            channel,
            author,
            text,
            hours,
            private=private,
            kind=MessageKind.EMAIL
            if channel == "email"
            else (MessageKind.COMMENT if channel == "facebook" else None),
            thread=f"<demo-{i}@mail.example>" if channel == "email" else None,
            subject=text[:60] if channel == "email" else None,
        )
        yield first
        if b.rng.random() < 0.72:
            agent = AGENTS[b.rng.randrange(3)]
            delay = b.rng.choice([0.1, 0.3, 0.6, 0.9, 1.5, 3.0, 8.0, 20.0])
            if delay < hours:
                answer = b.reply(
                    channel if channel != "email" else "email",
                    _brand(channel),
                    first,
                    REPLIES[topic].format(slug=topic),
                    hours - delay,
                    agent,
                    private=private,
                )
                yield answer
                yield from _promise_and_follow_up(b, channel, first, hours - delay, agent, private)
                if b.rng.random() < 0.45 and hours - delay > 0.3:
                    yield b.inbound(
                        channel,
                        author,
                        b.rng.choice(
                            [
                                "thanks, sent you a DM",
                                "done, thank you",
                                "ok that worked, cheers",
                                "still not sorted to be honest",
                                "thanks!",
                            ]
                        ),
                        hours - delay - 0.2,
                        reply_to=answer.external_id,
                        private=private,
                        thread=first.thread_ref,
                    )


def _promise_and_follow_up(
    b: DemoBuilder,
    channel: str,
    first: InboundEvent,
    answered: float,
    agent: DemoAgent,
    private: bool,
) -> Iterator[InboundEvent]:
    """Some answers come with a promise: most are kept in time by a later reply, some are
    still open, a few were forgotten (the promise timer breaks them)."""
    rng = b.promise_rng
    if rng.random() >= 0.3 or answered < 0.2:
        return
    promise, done = rng.choice(PROMISE_FOLLOW_UPS)
    made = answered - 0.05
    brand = _brand(channel)
    yield b.reply(
        channel, brand, first, f"Sorry about this: {promise}", made, agent, private=private
    )
    if rng.random() < 0.8 and made > 0.6:
        yield b.reply(channel, brand, first, done, made - 0.5, agent, private=private)


def _reviews_and_listening(b: DemoBuilder) -> Iterator[InboundEvent]:
    reviews = [
        (
            1,
            "Worst provider I've had. Three weeks without broadband and every call ends with 'we'll call you back'. They never do.",
        ),
        (2, "Cheap, but getting anyone to answer is a full-time job."),
        (5, "Switched my family over, porting took a day and the staff were brilliant."),
        (4, "Good coverage, app is clunky. Support sorted a billing error quickly."),
        (1, "Charged an exit fee after I was told there wouldn't be one. Avoid."),
    ]
    for i, (stars, text) in enumerate(reviews):
        yield b.inbound(
            "trustpilot",
            b.person(f"review-{i}", "trustpilot"),
            text,
            b.rng.uniform(5, 140),
            kind=MessageKind.REVIEW,
            rating=float(stars),
        )
    mentions = [
        (
            "reddit",
            "PSA: Acme's network is down across Yorkshire right now, don't bother restarting your phone",
        ),
        ("x", "Is it just me or is Acme Mobile getting worse every year"),
        ("bluesky", "thinking of leaving Acme for a cheaper network, anyone done it? worth it?"),
        ("mastodon", "Acme's outage status page has been 'investigating' for 3 hours lol"),
    ]
    for i, (channel, text) in enumerate(mentions):
        yield b.inbound(
            channel,
            b.person(f"listen-{i}", channel),
            text,
            b.rng.uniform(0.1, 3.0),
            kind=MessageKind.MENTION,
            unsolicited=True,
        )


def northwind_events(b: DemoBuilder) -> Iterator[InboundEvent]:
    """A second brand, so tenant isolation is visible in the demo."""
    brand = Author("800001", "NorthwindAirHelp", "Northwind Air", 56_000)
    lines = [
        "@NorthwindAirHelp flight NW204 delayed 4 hours and nobody at the gate knows why",
        "@NorthwindAirHelp my bag didn't arrive in Lisbon. File ref LIS-4471",
        "@NorthwindAirHelp can I change my return date online?",
        "@NorthwindAirHelp great crew on NW88 today, thank you",
    ]
    for i in range(24):
        author = b.person(f"nw-{i}", "x")
        event = b.inbound("x", author, lines[i % len(lines)], b.rng.uniform(1, 96))
        yield event
        if i % 2 == 0:
            reply = InboundEvent(
                channel="x",
                external_id=b.next_id("nwo"),
                author=brand,
                text="Sorry for the trouble. Please DM us your booking reference and we'll look now ^NW",
                created_at=event.created_at + timedelta(minutes=25),
                kind=MessageKind.REPLY,
                direction=Direction.OUTBOUND,
                in_reply_to=event.external_id,
            )
            b.agent_of[reply.external_id] = NORTHWIND_AGENTS[0].email
            yield reply


def create_demo(
    session: Session, clock: Clock, *, seed: int = 7, password_hasher: object | None = None
) -> dict[str, int]:
    """Create the demo workspaces, agents, accounts and conversations. Returns counts."""
    now = clock.now()
    builder = DemoBuilder(now, seed)
    acme = create_workspace(
        session, slug="acme", name="Acme Mobile", clock=clock, timezone="Europe/London"
    )
    northwind = create_workspace(
        session, slug="northwind", name="Northwind Air", clock=clock, timezone="Europe/Lisbon"
    )
    for channel, ext, handle, name, followers in ACME_ACCOUNTS:
        add_channel_account(
            session,
            acme,
            channel=channel,
            external_id=ext,
            handle=handle,
            display_name=name,
            followers=followers,
            clock=clock,
        )
    add_channel_account(
        session,
        northwind,
        channel="x",
        external_id="800001",
        handle="NorthwindAirHelp",
        display_name="Northwind Air",
        followers=56_000,
        clock=clock,
    )
    agents = _create_agents(session, acme.id, AGENTS, now) | _create_agents(
        session, northwind.id, NORTHWIND_AGENTS, now
    )
    result = IngestResult()
    options = IngestOptions(source="demo", actor="demo")
    result.add(
        ingest_events(session, acme.id, list(acme_events(builder)), clock=clock, options=options)
    )
    result.add(
        ingest_events(
            session, northwind.id, list(northwind_events(builder)), clock=clock, options=options
        )
    )
    _attribute_replies(session, builder.agent_of, agents)
    _settle_statuses(session, now)
    _track_promises(session, clock)
    _link_maya(session, clock, acme.id)
    return {
        "messages": result.stored,
        "conversations": result.conversations_created,
        "agents": len(agents),
    }


def _create_agents(
    session: Session, workspace_id: int, agents: list[DemoAgent], now: datetime
) -> dict[str, int]:
    ids = {}
    password_hash = hash_password(DEMO_PASSWORD)
    for a in agents:
        agent = session.scalar(select(Agent).where(Agent.email == a.email))
        if agent is None:
            agent = Agent(
                email=a.email,
                name=a.name,
                initials=a.initials,
                role=a.role,
                password_hash=password_hash,
                is_active=True,
                created_at=now,
            )
            session.add(agent)
            session.flush()
        session.add(
            Membership(workspace_id=workspace_id, agent_id=agent.id, role=a.role, created_at=now)
        )
        ids[a.email] = agent.id
    session.flush()
    return ids


def _attribute_replies(session: Session, agent_of: dict[str, str], agents: dict[str, int]) -> None:
    """Brand replies in the demo were written by named agents; the first replier owns the case."""
    for external_id, email in agent_of.items():
        session.execute(
            update(Message).where(Message.external_id == external_id).values(agent_id=agents[email])
        )
    rows = session.execute(
        select(Message.conversation_id, Message.agent_id)
        .where(Message.agent_id.is_not(None))
        .order_by(Message.created_at)
    ).all()
    owners: dict[int, int] = {}
    for conversation_id, agent_id in rows:
        if agent_id is not None:
            owners.setdefault(conversation_id, agent_id)
    for conversation_id, agent_id in owners.items():
        session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(owner_id=agent_id)
        )


def _settle_statuses(session: Session, now: datetime) -> None:
    """Where a conversation stands, as a team working the week would have left it: the brand
    answered last → waiting on the customer (resolved when that was over two days ago); the
    customer wrote after an answer → open; never answered → new."""
    for conv in session.scalars(select(Conversation)):
        answered_last = (
            conv.last_outbound_at is not None
            and conv.last_inbound_at is not None
            and conv.last_outbound_at >= conv.last_inbound_at
        )
        if answered_last and conv.last_activity_at < now - timedelta(days=2):
            conv.status = "resolved"
            conv.resolved_at = conv.last_activity_at + timedelta(hours=1)
        elif answered_last:
            conv.status = "waiting"
        elif conv.first_response_at is not None:
            conv.status = "open"


def _track_promises(session: Session, clock: Clock) -> None:
    """The promises the week's replies made, as the care workflow would have tracked them:
    each reply, in the order sent and at its own time, keeps the earlier promises it fulfils
    and records its own (owned by its agent); then the promises overdue now are broken and
    their conversations re-raised, as the promise timer does."""
    from heedful.care.tracking import promise_tick, record_promises, settle_by_message
    from heedful.clock import FrozenClock

    conversations = {c.id: c for c in session.scalars(select(Conversation))}
    replies = session.scalars(
        select(Message)
        .where(Message.direction == Direction.OUTBOUND.value)
        .order_by(Message.created_at, Message.id)
    )
    for message in replies:
        conversation = conversations[message.conversation_id]
        then = FrozenClock(message.created_at)
        settle_by_message(session, message=message, conversation=conversation, clock=then)
        owner = message.agent_id or conversation.owner_id
        record_promises(
            session, message=message, conversation=conversation, owner_id=owner, clock=then
        )
    session.flush()
    promise_tick(session, clock=clock)


def _link_maya(session: Session, clock: Clock, workspace_id: int) -> None:
    x_identity = session.scalar(
        select(ContactIdentity).where(
            ContactIdentity.workspace_id == workspace_id,
            ContactIdentity.external_id == "x-user-maya",
        )
    )
    mail_identity = session.scalar(
        select(ContactIdentity).where(
            ContactIdentity.workspace_id == workspace_id,
            ContactIdentity.external_id == "maya.lindqvist@mail.example",
        )
    )
    if x_identity is None or mail_identity is None:
        return
    contact = session.get(Contact, x_identity.contact_id)
    if contact is not None:
        link_identity(session, mail_identity, contact, clock=clock, actor="demo")
