"""Words of commitment: which verb phrases, after "I'll"/"we'll"/"your refund will"…, make a
promise a customer can hold us to, and what action each one promises.

Three lexicons, by who the subject is:

* **brand** — "I", "we", "someone", "our billing team", "Sarah", "an engineer": active verbs of
  service ("call", "refund", "get back to you", "look into", "pass this on", "fix").
* **thing** — "your refund", "it", "the replacement": arrivals and passives ("arrive", "reach
  you", "be processed", "be back up and running", "take 3-5 working days").
* **you** — "you'll receive/get/hear from us/be contacted…" about something we deliver.

Anything else after "will" ("we'll need your account number", "this will help", "you'll be
charged", "the link will expire") is not a commitment.
"""

from __future__ import annotations

import re


def words(text: str) -> frozenset[str]:
    """A set of words written as one string, for readable word lists."""
    return frozenset(text.split())


ACTION_PRIORITY = (
    "refund", "call", "visit", "send", "fix", "cancel", "dm", "email", "reply", "update",
    "escalate", "investigate", "arrange", "other",
)  # fmt: skip
"""When one promise names several actions ("look into it and call you back"), the first of
these that it names is the one it is about."""

_V = r"(?:s|es|ed|d|ing)?"  # inflections, so "make sure someone calls you" reads too


def _verbs(*entries: tuple[str, str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((action, re.compile(rf"(?:{pattern})\b", re.I)) for action, pattern in entries)


_OBJ = r"(?:this|it|that|things|everything|you|your\s+\w+|the\s+\w+|these|them)"

BRAND_VERBS = _verbs(
    (
        "call",
        rf"give\s+(?:you|them)\s+a\s+(?:quick\s+)?(?:call|ring|bell|buzz)|call{_V}(?!\s+it\b)"
        rf"|ring{_V}\s+(?:you|back)|phone{_V}|telephone{_V}",
    ),
    (
        "refund",
        rf"refund{_V}|reimburs\w*|credit{_V}\s+(?:you|your|the|it|this)|compensat\w*"
        rf"|issue{_V}\s+(?:you\s+)?(?:a|the|your)\s+(?:full\s+|partial\s+)?(?:refund|credit)"
        rf"|process{_V}\s+(?:your|the|a)\s+(?:refund|credit|claim|reimbursement)"
        rf"|(?:send|give){_V}\s+(?:you\s+)?(?:a|the|your)\s+(?:full\s+)?(?:refund|credit)"
        rf"|pay{_V}\s+(?:you|it|this|the)|waive{_V}|put\s+(?:the\s+)?(?:money|credit)\s+back",
    ),
    (
        "visit",
        rf"send{_V}\s+(?:an?\s+|our\s+)?(?:engineer|technician)s?|visit{_V}"
        rf"|come\s+(?:out|round|over|by)|pop\s+(?:round|over|by)|attend{_V}"
        rf"|be\s+(?:there|round|on\s+site|at\s+your)",
    ),
    (
        "dm",
        rf"dm(?:s|ed|'d)?|pm(?:s|ed)?|direct\s+message|slide\s+into"
        rf"|(?:send|drop|shoot|pop){_V}\s+(?:you\s+)?(?:a|an)\s+(?:quick\s+)?(?:dm|pm|direct\s+message"
        rf"|private\s+message|message)|message{_V}\s+you",
    ),
    (
        "email",
        rf"e-?mail{_V}|write\s+to\s+you|(?:send|drop|shoot|pop){_V}\s+(?:you\s+)?an?\s+"
        rf"(?:quick\s+)?e-?mail",
    ),
    (
        "send",
        rf"(?:send|post|ship|dispatch|deliver|courier|replace|swap|exchange){_V}"
        rf"(?!\s+(?:you\s+)?(?:an?\s+)?(?:update|confirmation|reply|answer))"
        rf"|mail{_V}\s+(?:out|you|it)|get\s+(?:a|the|your)\s+(?:new|replacement)\s+\w+\s+(?:out|to)",
    ),
    (
        "fix",
        rf"fix{_V}|resolv\w*|sort{_V}|repair{_V}|restor\w*|reconnect{_V}|reactivat\w*"
        rf"|unblock{_V}|unlock{_V}|reset{_V}|correct{_V}|rectif\w*"
        rf"|(?:get|have)\s+{_OBJ}\s+(?:\w+\s+)?(?:sorted|fixed|resolved|working|back\s+up|up\s+and\s+"
        rf"running|restored|reconnected|back\s+online|back\s+on)|be\s+back\s+(?:up|online|on)"
        rf"|put\s+{_OBJ}\s+right|make\s+{_OBJ}\s+right",
    ),
    ("cancel", rf"cancel{_V}|close{_V}\s+(?:your|the)\s+account|unsubscrib\w*|terminat\w*"),
    (
        "reply",
        rf"get{_V}\s+back|come\s+back\s+to\s+you|repl(?:y|ies|ied)|respond{_V}|answer{_V}"
        rf"|revert{_V}|be\s+(?:back\s+)?in\s+(?:touch|contact)|get\s+in\s+(?:touch|contact)"
        rf"|contact{_V}|reach{_V}\s+out|follow{_V}\s+up|drop\s+you\s+a\s+line|touch\s+base"
        rf"|be\s+(?:right\s+)?with\s+you|(?:speak|talk|chat){_V}\s+(?:to|with)\s+you"
        rf"|call{_V}\s+you\s+back|get{_V}\s+you\s+an?\s+(?:answer|reply|response)",
    ),
    (
        "update",
        rf"updat\w*|keep\s+you\s+(?:posted|updated|informed|in\s+the\s+loop|up\s+to\s+date"
        rf"|advised)|let\s+you\s+know|confirm{_V}|inform{_V}|notify|notifie[sd]|advise{_V}\s+you"
        rf"|have\s+(?:an?\s+|more\s+|some\s+|further\s+)?(?:update|news|answer|information|info"
        rf"|feedback|details|an\s+update)|(?:send|post|give){_V}\s+(?:you\s+)?(?:an?\s+)?"
        rf"(?:update|confirmation)"
        rf"|share\s+(?:an?\s+)?(?:update|news)",
    ),
    (
        "escalate",
        rf"pass{_V}\s+(?:\w+\s+){{0,3}}?(?:on|along|over|through)\b|escalat\w*"
        rf"|raise{_V}|feed{_V}?\s+(?:\w+\s+)?back|forward{_V}|flag{_V}"
        rf"|let\s+(?:the|our|my)\s+(?:\w+\s+)?(?:team|manager|colleagues?|engineers?|department)"
        rf"\s+know|share\s+(?:this|it|that|your\s+\w+)\s+with|log{_V}|report{_V}",
    ),
    (
        "investigate",
        rf"look{_V}\s+(?:into|at)|(?:have|take)\s+an?\s+(?:quick\s+|closer\s+)?"
        rf"(?:look|check|dig)|investigat\w*|check{_V}|review{_V}|examin\w*|find{_V}\s+out|dig{_V}"
        rf"|chase{_V}|quer(?:y|ies|ied)|(?:speak|talk){_V}\s+(?:to|with)\s+(?:the|our|my|them)"
        rf"|ask{_V}\s+(?:the|our|my)|liais\w*|monitor{_V}|keep\s+an\s+eye|see\s+(?:what|if|how)"
        rf"|get\s+to\s+the\s+bottom|work{_V}\s+on|trac(?:e|k){_V}|explore{_V}|assess\w*",
    ),
    ("arrange", rf"arrang\w*|book{_V}|schedul\w*|organi[sz]\w*|set{_V}\s+up"),
    (
        "other",
        r"help(?:s|ed)?|take\s+care\s+of|handl\w*|deal\s+with|honou?r\w*|match\w*"
        r"|appl(?:y|ies|ied)|activat\w*|upgrad\w*|add\s+(?:a|the)\s+\w+|waive|get\s+(?:this|it|that"
        r"|you)\s+(?:sorted|done|dealt)|sort\s+(?:this|it|that)\s+out",
    ),
)

# Said of a thing: "your refund will arrive", "it will be processed", "this will be passed on".
_PASSIVE = (
    r"processed|refunded|credited|reimbursed|sent|dispatched|shipped|posted|delivered|returned"
    r"|issued|resolved|fixed|sorted(?:\s+out)?|restored|repaired|replaced|reviewed|escalated"
    r"|investigated|looked\s+(?:into|at)|passed\s+(?:on|along|to)|raised|updated|applied"
    r"|reversed|cancell?ed|reconnected|reactivated|activated|completed|done|arranged|scheduled"
    r"|booked|ready|live|back|up\s+and\s+running|with\s+you|in\s+your\s+(?:account|inbox|bank)"
    r"|on\s+(?:its|their|the)\s+way|visible|reflected|working(?:\s+again)?|unblocked|unlocked"
    r"|handled|dealt\s+with|taken\s+care\s+of|followed\s+up|paid|waived|added|honou?red"
    r"|corrected|amended|addressed|actioned|released|over|finished|complete|checked|chased"
    r"|called|contacted|emailed|available\s+again|online\s+again|in\s+touch|re\w{3,}ed"
    r"|(?:turned|switched|put)\s+(?:back\s+)?on|back\s+on"
)
THING_VERBS = _verbs(
    ("noun", rf"be\s+(?:\w+ly\s+)?(?:{_PASSIVE})"),
    (
        "noun",
        rf"arriv\w*|reach{_V}\s+(?:you|your)|land{_V}|appear{_V}\s+(?:in|on)"
        rf"|show\s+(?:up\s+)?(?:in|on)|go\s+(?:out|through)|come\s+through|clear{_V}"
        rf"|get\s+to\s+you|follow{_V}\b(?!\s+(?:the|these|our))",
    ),
    (
        "noun",
        r"take(?=\s+(?:up\s+to\s+|about\s+|around\s+)?(?:\d|an?\b|one|two|three|four|five"
        r"|a\s+few|a\s+couple|several|between))",
    ),
)

_SERVICE_NOUN = (
    r"(?:refund|money|credit|funds|reimbursement|compensation|payment|cheque|voucher|call"
    r"|callback|call\s+back|ring|reply|response|answer|update|e-?mail|dm|message|text|letter"
    r"|confirmation|replacement|parcel|package|order|delivery|item|card|code|engineer"
    r"|technician|visit|news|link|it|this|them|one|feedback|something|someone|contact)"
)
YOU_VERBS = _verbs(
    ("noun", rf"(?:receive|get|see|have)\s+(?:\w+\s+){{0,3}}?{_SERVICE_NOUN}\b"),
    (
        "reply",
        r"hear\s+(?:back\s+)?(?:from|back)|be\s+(?:contacted|called|messaged|dm['’]?d"
        r"|emailed|e-mailed|notified|updated|informed|advised|kept\s+(?:updated|informed|posted))",
    ),
    ("refund", r"be\s+(?:refunded|credited|reimbursed|compensated|paid)"),
    (
        "send",
        r"be\s+(?:sent|issued|given|offered|provided)\s+(?:with\s+)?(?:an?\s+|your\s+|the\s+)",
    ),
    ("fix", r"be\s+(?:reconnected|back\s+up|back\s+online|up\s+and\s+running)"),
    ("visit", r"be\s+visited"),
)

NOUN_ACTIONS = _verbs(
    ("refund", r"refund|money|credit|funds|reimburs\w*|compensation|cheque|payment"),
    ("call", r"call(?:back)?|ring|phone"),
    ("visit", r"engineer|technician|visit|appointment"),
    (
        "send",
        r"parcel|package|order|delivery|replacement|item|card|device|router|kit|voucher"
        r"|part|handset|label|bag|dispatch\w*|shipp\w*|post(?:ed)?",
    ),
    ("email", r"e-?mail|letter"),
    ("dm", r"dm|direct\s+message|private\s+message"),
    ("reply", r"reply|response|answer|message"),
    ("update", r"update|news|confirmation"),
    ("escalate", r"passed|escalat\w*|feedback|complaint"),
    (
        "fix",
        r"fix(?:ed)?|resolved|restored|repaired|sorted|back\s+up|working|outage|issue"
        r"|problem|fault|service|connection|internet|broadband|network|app|website|signal",
    ),
)

PERSON_WORDS = words(
    "i we us someone somebody they he she team teams member members colleague colleagues "
    "engineer engineers technician technicians specialist specialists agent agents advisor "
    "advisors adviser advisers representative representatives rep reps manager managers "
    "supervisor supervisors department staff courier couriers driver drivers expert experts "
    "person people engineering billing support accounts care services desk office crew "
    "tech techs lead experts one"
)
THING_WORDS = words("it this that these those which there")
YOU_WORDS = frozenset({"you", "u", "ya", "y'all", "yall"})
NOT_NAMES = words(
    "the your our this that a an my its their his her these those i it we you please thanks "
    "sorry hi hey hello dear ok okay great yes no also as so and but then monday tuesday "
    "wednesday thursday friday saturday sunday tomorrow today tonight once when if"
)


def action_for_nouns(text: str) -> str:
    """The action a thing-subject promise is about, from the nouns around it."""
    found = [action for action, pattern in NOUN_ACTIONS if pattern.search(text)]
    return min(found, key=ACTION_PRIORITY.index) if found else "other"


def best_action(actions: list[str]) -> str:
    known = [a for a in actions if a in ACTION_PRIORITY]
    return min(known, key=ACTION_PRIORITY.index) if known else "other"
