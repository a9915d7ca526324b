"""``dismissive``: the draft argues with or belittles the customer's feelings ("that's a bit
harsh", "calm down", "we disagree with your comment"), apologises for their feelings instead
of the problem ("sorry you feel that way"), lectures ("as we already said", "if you read our
terms"), dismisses their view ("that's your opinion", "we find that hard to believe"), is
sarcastic, or is curt with someone who is upset ("Noted."). The "harsh" example is from a real
mobile operator's reply to an angry customer with more followers than the brand (see
PRODUCT.md).

Besides its phrases the rule has a learned model (:mod:`heedful.coach.learned`): when no phrase
matches and the model's probability reaches the rule's threshold, it flags the sentence the
model scores highest (per workspace: ``model``, ``model_threshold``).
"""

from __future__ import annotations

from collections.abc import Iterator

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import ModelRuleSettings
from heedful.coach.findings import Finding
from heedful.coach.rules.base import Rule
from heedful.coach.rules.cues import Cue, customer_upset, find_cues, rx

_SOFTEN = (
    r"(?:(?:a\s+(?:bit|little|tad)|bit|little|tad|rather|quite|very|pretty|somewhat|slightly|so"
    r"|too|really|just|a\s+touch)\s+)*"
)
_JUDGE = (
    r"(?:harsh|dramatic|over-?dramatic|over\s+the\s+top|ott|an?\s+(?:over-?reaction"
    r"|exaggeration|overstatement|bit\s+much|stretch)|exaggerated|overblown|melodramatic"
    r"|hysterical|petty|childish|strong\s+words|a\s+bit\s+strong)"
)
_AMBIGUOUS = (
    r"(?:unfair|rude|unnecessary|uncalled[-\s]for|extreme|much|silly|ridiculous|unreasonable"
    r"|strong|over\s+the\s+top|dramatic|harsh)"
)
_HEDGED = r"(?:a\s+(?:bit|little|tad)|bit|little|tad|rather|slightly|somewhat|a\s+touch)"
_FEELINGS_SUGGESTION = (
    "Acknowledge how they feel, then help: \"You're right to be frustrated — let's fix this.\""
)
_ARGUE_SUGGESTION = (
    "Don't argue in public. Acknowledge their view and offer to look into it: \"I'm sorry it "
    'came across that way — can you DM us the details so we can check?"'
)
_NON_APOLOGY_SUGGESTION = (
    'Apologise for what happened, not for their feelings: "I\'m sorry we let you down with …".'
)
_CURT_SUGGESTION = "They are upset: acknowledge it, and say what happens next, in a full sentence."
_ACK_ONLY = rx(
    r"^\s*(?:ok(?:ay)?|k|noted|duly\s+noted|fine|sure|right|understood|got\s+it|as\s+you\s+wish"
    r"|if\s+you\s+say\s+so|whatever|thanks|thank\s+you|thx|ty|cheers"
    r"|(?:thanks|thank\s+you)\s+for\s+(?:the|your)\s+(?:feedback|comments?|input|tweet|message)"
    r"|feedback\s+(?:noted|received|passed\s+on)|we(?:'ll|\s+will)\s+pass\s+(?:it|this|that)\s+on"
    r"|(?:we've|we\s+have)\s+passed\s+(?:it|this|that)\s+on|will\s+do)"
    r"[\s.!]*(?:[\U0001F300-\U0001FAFF☀-➿]\s*)*$"
)

CUES = (
    Cue(
        rx(
            r"\b(?:that|this|it|which|you)\s*(?:'s|\s+is|\s+was|\s+seems|\s+sounds|\s+feels"
            r"|'re|\s+are|\s+were)\s+(?:being\s+)?",
            _SOFTEN,
            _JUDGE,
            r"\b"
            r"|\b",
            _HEDGED,
            r"\s+",
            _AMBIGUOUS,
            r"\b"
            r"|\bwith\s+(?:all\s+)?(?:due\s+)?respect\b",
        ),
        "Judges the customer's reaction instead of acknowledging it.",
        _FEELINGS_SUGGESTION,
        unless_before=rx(r"(?:\bnot|n't|\bnever|\bwasn't|\bif)\b[^.!?]{0,20}$"),
        unless_after=rx(r"\s+(?:for\s+you|on\s+you|to\s+you|to\s+have\s+to|that\s+you)"),
    ),
    Cue(
        rx(
            r"\b(?:you(?:'re|\s+are)\s+(?:being\s+)?",
            _SOFTEN,
            r"(?:wrong|mistaken|incorrect"
            r"|confused|overreacting|over-reacting|exaggerating|out\s+of\s+line|impatient"
            r"|unreasonable|misinformed)"
            r"|(?:calm|settle)\s+down|chill\s+out"
            r"|\bbe\s+reasonable\b|take\s+a\s+(?:deep\s+)?breath|(?:watch|mind)\s+your\s+(?:language|tone|words)"
            r"|(?:stop|quit)\s+(?:shouting|complaining|moaning|whining|swearing|being\s+rude)"
            r"|don't\s+(?:shout|be\s+(?:rude|silly|ridiculous|dramatic|so)|overreact|exaggerate"
            r"|take\s+it\s+(?:so\s+)?personally|get\s+(?:so\s+)?(?:worked\s+up|upset|angry))"
            r"|\bno\s+need\s+(?:to|for)\s+(?:be\s+(?:so\s+)?(?:rude|like\s+that|aggressive|abusive"
            r"|nasty|offensive|insulting|hostile|dramatic)|get\s+(?:so\s+)?(?:angry|aggressive|nasty"
            r"|personal|upset|shirty|worked\s+up|abusive)|shout|swear|use\s+(?:that|such|this)\s+"
            r"(?:language|tone)|the\s+(?:attitude|language|abuse|insults|aggression|caps|shouting"
            r"|swearing|rudeness|tone|hostility)|such\s+(?:language|rudeness|hostility|aggression)"
            r"|that\s+(?:language|tone|attitude|kind\s+of\s+language)|rudeness|abuse|insults"
            r"|language\s+like\s+that)\b"
            r"|(?:^|[.!]\s*|\bjust\s+|\bplease\s+)chill\b)",
        ),
        "Polices the customer's feelings or tone.",
        _FEELINGS_SUGGESTION,
        unless_before=rx(
            r"(?:\bnot\s+saying|\bnever\s+said|\bno\s+one\s+is\s+saying|\bif|\bdon't\s+(?:feel|think)"
            r"\s+you\s+(?:have|need)\s+to|\byou\s+don't\s+(?:have|need)\s+to|\bnobody\s+should\s+tell\s+you\s+to"
            r"|\bno\s+need\s+to|\bnever\s+(?:ask|tell)\s+(?:you|anyone)\s+to)\b[^.!?]{0,20}$"
        ),
    ),
    Cue(
        rx(
            r"\b(?:let's|please|kindly)\s+(?:keep\s+(?:it|this|things)\s+(?:civil|polite|respectful"
            r"|calm|friendly)|be\s+(?:civil|polite|respectful))"
            r"|\b(?:shouting|swearing|being\s+rude|getting\s+angry|abuse|insults|caps|tweeting\s+us"
            r"\s+(?:like\s+this|repeatedly))\s+(?:won't|will\s+not|doesn't|does\s+not|isn't|is\s+not)"
            r"\s+(?:help|get|make|going\s+to)"
        ),
        "Polices the customer's tone.",
        _FEELINGS_SUGGESTION,
    ),
    Cue(
        rx(
            r"\b(?:that's|that\s+is|this\s+is|it's|it\s+is)\s+(?:a\s+|an\s+)?(?:very\s+|quite\s+|rather"
            r"\s+|pretty\s+|really\s+)?(?:strong|serious|big|bold|wild|unfair|baseless|unfounded"
            r"|sweeping|harsh)\s+(?:accusation|allegation|claim|statement|thing\s+to\s+say)"
            r"|\b(?:our|the)\s+(?:[\w-]+\s+){0,2}?(?:team|staff|agents?|drivers?|crew|colleagues"
            r"|advisors?|advisers?|people|employees|engineers?)\s+(?:doesn't|don't|does\s+not|do\s+not"
            r"|would\s+never|never|wouldn't|would\s+not|can't|cannot)\s+\w+[^.!?]{0,30}?\b(?:customers"
            r"|anyone|people|passengers|guests|callers|members)\b"
        ),
        "Argues with the customer's account in public.",
        _ARGUE_SUGGESTION,
        unless_sentence=rx(r"\?\s*$"),
    ),
    Cue(
        rx(r"(?:^|[.!?]\s*|\bplease\s+|\bjust\s+)relax\b(?!ing|ed)"),
        "Tells an upset customer to relax.",
        _FEELINGS_SUGGESTION,
        when=customer_upset,
    ),
    Cue(
        rx(
            r"\b(?:we|i)\s+(?:(?:strongly|respectfully|totally|completely|have\s+to|must|would)\s+)*"
            r"disagree\b|\b(?:we|i)\s+(?:don't|do\s+not|can't|cannot)\s+(?:agree|accept)\s+"
            r"(?:with\s+)?(?:you|your|that|this|it\s+(?:was|is|took)|the\s+(?:claim|comment|complaint|statement"
            r"|accusation|allegation))"
            r"|\b(?:that|this|it|which)(?:'s|\s+is|\s+was)\s+(?:(?:simply|just|absolutely|completely"
            r"|totally|categorically|actually)\s+)?(?:not\s+(?:true|fair\s+to\s+say)|untrue|false"
            r"|a\s+lie|nonsense|rubbish)\b"
            # "that's rubbish, sorry" / "that's rubbish when you paid for it" agrees with them
            r"(?![,!]?\s*(?:sorry|when\b|for\s+you|to\s+hear|isn't\s+it|and\s+i'm\s+sorry))"
            r"|\b(?:that|this|it|which)(?:'s|\s+is|\s+was)\s+(?:simply|just|absolutely|completely"
            r"|totally|categorically|actually)\s+(?:not\s+(?:correct|accurate|the\s+case|right)"
            r"|incorrect|inaccurate|wrong)\b"
            r"|\b(?:your|this|the)\s+(?:complaint|claim|comment|allegation|accusation)s?\s+(?:is|are"
            r"|was|were|has\s+been)\s+(?:rejected|unfounded|baseless|without\s+merit|invalid|not\s+"
            r"valid)|\bwe\s+stand\s+by\s+(?:our|the|this|that|their|his|her|its)\s+(?:[\w-]+\s+){0,2}?"
            r"(?:decision|policy|product"
            r"|statement|staff|team|driver)"
        ),
        "Argues with the customer in public.",
        _ARGUE_SUGGESTION,
        unless_before=rx(
            r"(?:\bif|\bunless|\bwhether|\bnot\s+that|\bcan't|\bdon't|\bn't)\b[^.!?]{0,15}$"
        ),
        unless_sentence=rx(r"\?\s*$"),
    ),
    Cue(
        rx(
            r"\bsorry\s+(?:that\s+|if\s+)?you\s+(?:feel|felt|see\s+it|think|believe|took\s+it)\s+"
            r"(?:that\s+way|this\s+way|like\s+that|like\s+this|so)\b"
            r"|\bsorry\s+if\s+you\s+(?:feel|felt|think|believe|were|are)\b"
            r"|\bsorry\s+(?:that\s+)?you\s+(?:think|believe)\b"
            r"|\bsorry\s+if\s+(?:this|that|it|anyone|you)\s+(?:was\s+|were\s+|has\s+|have\s+)?"
            r"(?:offended|upset|came\s+across|caused\s+offen[cs]e)"
            r"|\bapologi[sz]e\s+(?:that|if)\s+you\s+(?:feel|felt|think|see)\b"
            r"|\bsorry\s+you(?:'re|\s+are)\s+(?:upset|offended|unhappy)\s+(?:but|however)\b"
        ),
        "Apologises for the customer's feelings rather than for the problem.",
        _NON_APOLOGY_SUGGESTION,
    ),
    Cue(
        rx(
            r"\b(?:it's|it\s+is|it\s+was|that's|that\s+is|this\s+is|you've|you\s+have|you\s+had)"
            r"\s+(?:only|just|merely)\s+(?:(?:had|waited|lost|been)\s+(?:for\s+)?)?(?:a\s+(?:few"
            r"|couple(?:\s+of)?|small|minor|short|little|bit|tiny)|one|(?:a\s+)?\d+|a|an)[\s-]*(?:minutes?|mins?"
            r"|hours?|hrs?|days?|weeks?|pounds?|dollars?|euros?|quid|bucks|cents?|pence|p\b|delay"
            r"|inconvenience|glitch|blip|scratch|dent|wait|hiccup)"
            r"|\b(?:not|hardly|no)\s+(?:such\s+)?(?:a|that)?\s*big\s+(?:of\s+a\s+)?deal\b"
            r"|\b(?:these\s+things|stuff|shit|delays|accidents|mistakes)\s+happen\b"
            r"|\bit\s+happens(?=\s*[.!,]|\s*$)"
            r"|\bit\s+is\s+what\s+it\s+is\b|\bthat's\s+life\b|\b(?:first|1st)[-\s]world\s+problem"
            r"|\bget\s+over\s+it\b|(?:^|[.!]\s*|\bjust\s+|\byou(?:'ll)?\s+(?:have|need)\s+to\s+)deal"
            r"\s+with\s+it\b|\b(?:just|you\s+(?:need|should|have)\s+to|time\s+to)\s+move\s+on\b"
            r"|\bworse\s+things\s+happen"
            r"|\bcould\s+(?:be|have\s+been)\s+worse\b|\bnot\s+the\s+end\s+of\s+the\s+world"
            r"|\blook\s+on\s+the\s+bright\s+side|\byou(?:'ll|\s+will)\s+survive"
            r"|\b(?:that's|that\s+is|it's|it\s+is|this\s+is)\s+(?:just\s+|simply\s+)?(?:how|the\s+way)"
            r"\s+(?:it|things|the\s+\w+|\w+s)\s+(?:is|are|works?|goes|go)\b"
            r"|\b(?:happens?|happen|get\s+\w+|go\s+\w+)\s+(?:sometimes|occasionally|from\s+time\s+to\s+time"
            r"|to\s+everyone|all\s+the\s+time|a\s+lot)\b"
            r"|\b(?:it's|it\s+is|that's|that\s+is|this\s+is)\s+(?:just\s+|simply\s+|all\s+)?(?:part\s+of"
            r"\s+(?:flying|travel\w*|life|the\s+\w+|owning|living|being)|par\s+for\s+the\s+course)\b"
            r"|\b(?:you|we)\s+can't\s+please\s+everyone|\bnot\s+everyone\s+(?:can|will)\s+be\s+happy"
            r"|\b(?:you're|you\s+are)\s+the\s+only\s+(?:one|person|customer)"
            r"|\bno\s+one\s+else\s+(?:has\s+)?complain"
            r"|\b(?:we've|we\s+have)\s+(?:had\s+)?(?:no|zero)\s+other\s+complaints"
        ),
        "Belittles the problem.",
        "Treat it as it matters to them: acknowledge the impact and say what you'll do.",
        unless_before=rx(r"(?:\bnot|n't|\bnever|\bif)\b[^.!?]{0,12}$"),
    ),
    Cue(
        rx(
            r"\b(?:(?:please\s+)?feel\s+free\s+to\s+|you(?:'re|\s+are)\s+(?:free|welcome)\s+to\s+)"
            r"(?:go|take\s+your\s+(?:business|custom)|shop|leave(?!\s+(?:your|a|us|feedback|any|an|it"
            r"|comments?|reviews?|details))|switch|cancel|move)\b"
            r"(?:\s+(?:elsewhere|somewhere\s+else|to\s+another))?"
            r"|\btake\s+your\s+(?:business|custom)\s+elsewhere|\bno\s+one\s+(?:is\s+)?forc(?:es|ing)"
            r"\s+you|\bnobody\s+(?:is\s+)?forc(?:es|ing)\s+you|\bif\s+you\s+don't\s+like\s+it"
            r"|\btake\s+it\s+or\s+leave\s+it|\bwhat\s+(?:else\s+)?(?:do|did)\s+you\s+expect"
            r"|\bnothing\s+(?:else\s+|more\s+)?(?:we|i)\s+can\s+do\b"
        ),
        "Shrugs the customer off.",
        "Offer what you can do, even if it is small, and keep the door open.",
        unless_after=rx(r"\s+(?:until|but|except|for\s+now|right\s+now\s+but)"),
    ),
    Cue(
        rx(
            r"\bas\s+(?:(?:we|i)(?:'ve|\s+have)?\s+)?(?:already|previously|clearly)\s+"
            r"(?:said|stated|explained|mentioned|told\s+you|advised|informed|pointed\s+out)"
            r"|\bas\s+(?:we|i)\s+(?:said|told\s+you|explained|mentioned)\s+(?:before|earlier"
            r"|already|previously|several\s+times|twice|above)"
            r"|\blike\s+(?:we|i)\s+(?:said|told\s+you)\b|\bfor\s+the\s+(?:last|final|second|third"
            r"|hundredth|umpteenth|nth)\s+time\b"
            r"|\b(?:we|i)(?:'ve|\s+have)\s+(?:already\s+)?(?:told|explained\s+to|answered)\s+you"
            r"\s+(?:already|before|several\s+times|multiple\s+times|twice)"
            r"|\bas\s+(?:you\s+(?:were|have\s+been)\s+)?(?:already\s+)?informed\s+(?:you\s+)?"
            r"(?:earlier|before|already|previously)"
        ),
        "Lectures the customer about what they were already told.",
        "Say it again kindly, as if for the first time, and add something new that helps.",
    ),
    Cue(
        rx(
            r"🙄|😒|🤷|\beye[-\s]?roll|\byeah\s+right\b|\bnice\s+try\b|\bgood\s+luck\s+with\s+that"
            r"|\bif\s+you\s+say\s+so\b|\bbless\s+your\s+heart|\bok\s+boomer|\bsure\s+(?:thing\s+)?,?\s*"
            r"(?:buddy|pal|mate|jan|sweetie|hun|hon|love)\b|\bwow,?\s+(?:just\s+)?wow\b"
            r"|\bnot\s+rocket\s+science|\bsimple\s+as\s+that\b"
        ),
        "Reads as sarcastic.",
        "Drop the irony: in public it reads as mocking the customer.",
        quoted_ok=False,
    ),
    Cue(
        rx(
            r"\b(?:that's|that\s+is|this\s+is|it's|it\s+is)\s+(?:just\s+|only\s+|simply\s+|merely\s+)?"
            r"your\s+(?:own\s+)?(?:opinion|view|perception|interpretation|perspective)\b"
            r"|\b(?:everyone|everybody|you)(?:'s|\s+is|\s+are|'re)\s+(?:of\s+course\s+)?entitled\s+to"
            r"\s+(?:their|your|an|his|her)\s+(?:own\s+)?opinions?\b"
            r"|\bagree\s+to\s+disagree\b"
            r"|\b(?:we|i)\s+(?:find|found)\s+(?:that|this|it|your\s+\w+)\s+(?:very\s+|quite\s+)?"
            r"(?:hard|difficult)\s+to\s+believe\b"
            r"|\b(?:we|i)\s+(?:won't|will\s+not|shan't|refuse\s+to)\s+apologi[sz]e\b"
            r"|\bnot\s+(?:a\s+)?(?:fair|accurate)\s+(?:way\s+(?:to\s+(?:describe|put|say)|of\s+"
            r"(?:describing|putting))|description|representation|characteri[sz]ation)\b"
            r"|\b[\w-]+\s+is\s+(?:a\s+|quite\s+a\s+|a\s+(?:very|rather|pretty)\s+)(?:strong|harsh"
            r"|serious|big|loaded)\s+(?:word|term|accusation|allegation|thing\s+to\s+say)\b"
            r"|\bthe\s+(?:meter|system|computer|data|numbers|records|tracking|camera|cctv|figures)"
            r"\s+(?:doesn't|don't|does\s+not|do\s+not|never)\s+lie\b"
            r"|\bi\s+think\s+you'll\s+find\b"
            r"|\b(?:that|this|it)\s+(?:doesn't|does\s+not)\s+sound\s+like\s+(?:our|us|the\s+\w+\s+we)\b"
            r"|\b(?:that's|that\s+is|this\s+is|it's|it\s+is)\s+not\s+what\s+(?:our|the)\s+(?:[\w-]+\s+)?"
            r"(?:records?|logs?|system|tracking|data|driver|engineer|staff|team|agent|crew)\s+"
            r"(?:shows?|says?|said|has\s+reported|reported|recorded|told\s+us)"
            r"|\byou\s+(?:may|might|must)\s+have\s+(?:misunderstood|misheard|misread|got\s+confused)"
            r"|\b(?:we|i)(?:'d|\s+would|'ll|\s+will)\s+need\s+(?:some\s+)?(?:proof|evidence)\s+"
            r"(?:before|of\s+that|that\s+(?:this|it)\s+happened)"
            r"|\bthere(?:'s|\s+is)\s+no\s+(?:reason|need)\s+to\s+(?:be|get|feel)\s+(?:so\s+)?(?:upset"
            r"|angry|annoyed|worked\s+up|cross|irate)"
            r"|\b(?:is|are|was|were|it's)\s+clearly\s+(?:stated|shown|marked|displayed|explained"
            r"|written|signposted|labelled|labeled)\b"
        ),
        "Argues with the customer's account or feelings in public.",
        _ARGUE_SUGGESTION,
        unless_before=rx(r"(?:\bnot|n't|\bnever|\bif|\bwhether)\b[^.!?]{0,20}$"),
        unless_sentence=rx(r"\?\s*$"),
    ),
    Cue(
        rx(
            r"\bif\s+you(?:\s+had|'d|\s+would\s+have)\s+(?:read|checked|looked\s+at|bothered\s+to"
            r"\s+(?:read|check))\b"
            r"|\bif\s+you\s+(?:read|bothered\s+to\s+read)\s+(?:our|the|your)\s+(?:[\w&-]+\s+){0,2}?"
            r"(?:terms|t\s*&\s*cs?|ts\s+and\s+cs|conditions|small\s+print|fine\s+print|contract"
            r"|policy)\b"
            r"|\bas\s+(?:we|i)\s+(?:(?:have|'ve)\s+)?(?:already\s+)?(?:told|explained\s+to|informed"
            r"|advised)\s+you\s+(?:yesterday|last\s+(?:week|time|month)|on\s+the\s+phone"
            r"|in\s+(?:our|my)\s+(?:last|previous|earlier)\s+\w+)"
            r"|\bas\s+(?:(?:we|i)(?:'ve|\s+have)\s+)?(?:already\s+)?explained\s+to\s+(?:you|other"
            r"\s+\w+)\b"
        ),
        "Lectures the customer: what they should have read or were already told.",
        "Say it again kindly, as if for the first time, and add something new that helps.",
    ),
    Cue(
        rx(
            r"\b(?:no\s+need\s+(?:for|to\s+use)\s+(?:the\s+|all\s+the\s+)?(?:capitals|caps|all\s+caps"
            r"|name-calling|name\s+calling)|(?:please\s+)?stop\s+(?:using\s+)?(?:capitals|caps"
            r"|name-calling|typing\s+in\s+caps))\b"
            r"|\b(?:shouting|capitals|caps|name-calling|name\s+calling|swearing|insults|abuse"
            r"|being\s+rude|threats)\s+(?:at\s+(?:us|me|the\s+team|our\s+\w+)\s+)?(?:won't|will"
            r"\s+not|isn't\s+going\s+to|is\s+not\s+going\s+to|doesn't|does\s+not|won't\s+ever)"
            r"\s+(?:help|get|make|speed|change|solve|resolve|fix|work)"
        ),
        "Polices the customer's tone.",
        _FEELINGS_SUGGESTION,
    ),
    Cue(
        rx(
            r"\bcheer\s+up\b|\bsomeone(?:'s|\s+is)\s+(?:a\s+bit\s+)?(?:grumpy|having\s+a\s+bad\s+day"
            r"|in\s+a\s+mood|cranky)|\btough\s+crowd\b|\bwe\s+aim\s+to\s+please\b"
            r"|\bglad\s+you(?:'re|\s+are)\s+enjoying\b|\bgood\s+things\s+come\s+to\s+those"
            r"|\bworth\s+the\s+wait\b"
            r"|(?:^|[.!]\s*)(?:please\s+)?be\s+patient\b(?!\s+with\s+yourself)"
        ),
        "Reads as sarcastic or flippant to someone who is upset.",
        "Drop the irony: in public it reads as mocking the customer.",
        when=customer_upset,
        unless_before=rx(r"(?:\bnot|n't|\bnever|\bhope)\b[^.!?]{0,20}$"),
    ),
    Cue(
        rx(r"\b(?:lol|lmao|lmfao|rofl|haha+|hehe+)\b|😂|🤣|😆"),
        "Laughs at someone who is upset.",
        "They are upset: keep the tone warm and serious.",
        when=customer_upset,
    ),
)


# Warm constructions that share words with dismissive ones ("no need to apologise", "feel
# free to leave a review", "you're right"): the learned model leaves a reply with one alone.
_WARM = rx(
    r"\bno\s+need\s+(?:to\s+|for\s+)?(?:apologi[sz]e|apolog(?:y|ies)|be\s+sorry|say\s+sorry|thank)"
    r"|\b(?:don't|do\s+not|never)\s+apologi[sz]e"
    r"|\bfeel\s+free\s+to\s+(?:leave\s+(?:us\s+)?(?:a\s+|your\s+)?(?:review|feedback|comment)|send"
    r"|dm|message|get\s+in\s+touch|tell|share|contact\s+(?:us|me)|reach\s+out|ask|drop|pop|call\s+"
    r"(?:us|me)|email\s+(?:us|me)|let\s+(?:us|me))"
    r"|\b(?:glad|happy|great|good)\s+to\s+hear\b|\bglad\s+(?:it's|it\s+is|that|you)"
    r"|\byou(?:'re|\s+are)\s+(?:(?:absolutely|quite|completely|totally)\s+)?(?:right|not\s+(?:wrong"
    r"|overreacting|alone|being\s+unreasonable))\b"
    r"|\b(?:we|i)\s+(?:don't|do\s+not)\s+disagree|\bnot\s+(?:harsh|unfair|dramatic)\s+at\s+all"
    r"|\bevery\s+right\s+to\b|\bfair\s+(?:point|enough|comment|challenge)\b"
)
_MODEL_MESSAGE = (
    "Reads as dismissive: it argues with, corrects or plays down what the customer said "
    "instead of acknowledging it."
)


class DismissiveRule(Rule[ModelRuleSettings]):
    id = "dismissive"
    title = "Dismissive or curt"
    english_only = True
    settings_model = ModelRuleSettings

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        found = False
        for hit in find_cues(draft, CUES):
            found = True
            yield self.finding(hit.start, hit.end, hit.cue.message, hit.cue.suggestion)
        if draft.mood.upset and _ACK_ONLY.match(draft.body_text):
            found = True
            start, end = draft.body
            yield self.finding(
                start, end, "A bare acknowledgement to someone who is upset.", _CURT_SUGGESTION
            )
        if not found and not _WARM.search(draft.plain):
            learned = self.model_finding(draft, _MODEL_MESSAGE, _ARGUE_SUGGESTION)
            if learned is not None:
                yield learned
