"""``blame``: the draft deflects responsibility, blames the customer, or blames someone else.

Grammar matters more than words: "this is our fault" is an apology, "this isn't our fault" is
blame; "it's not your fault" reassures, "it's your fault" blames; "you should have received
an email from us" states what we owed the customer, "you should have read the terms" blames
them. Words in quotation marks, or reported as someone else's ("you were told it was not our
fault"), are not the writer's own and are left alone; so are questions ("Have you spoken to
your bank?"), which ask rather than deflect.

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
from heedful.coach.rules.cues import Cue, find_cues, rx

_NEG = r"(?:\bnot|n't|\bnever|\bno\s+way|\bin\s+no\s+way|\bby\s+no\s+means)"
_OWN_THING = (
    r"(?:fault|responsibility|doing|problem|mistake|error|issue|concern|liability|call"
    r"|department|remit|area|lookout)"
)
_OUR_PLACE = (
    r"(?:us\b|our\s+(?:end|side|part|network|systems?|service|servers?|platform|app|website|site"
    r"|staff|team|store|driver|crew|fault|doing))"
)
_THIRD = (
    r"(?:(?:mobile|phone|network|broadband|internet|energy|payment|card|e-?mail|service|hosting"
    r"|domain|dns|wi-?fi|cable|local|postal|delivery|shipping|courier|utility|insurance)\s+)?"
    r"(?:provider|bank|carrier|isp|network\s+operator|operator|card\s+issuer|issuer|courier"
    r"|delivery\s+(?:company|partner|driver|firm|service)|shipping\s+company|seller|merchant"
    r"|vendor|manufacturer|retailer|airport|government|council|authorities|third[-\s]part(?:y|ies)"
    r"(?:\s+(?:seller|provider|company|supplier|partner|app|service))?|supplier|landlord|employer"
    r"|postman|post\s+office|royal\s+mail|usps|fedex|ups|dhl|hermes|evri|customs|travel\s+agent"
    r"|booking\s+(?:agent|site)|app\s+store|developer|publisher|web\s*host|hosting\s+company"
    r"|registrar|it\s+(?:department|team)|administrator|handling\s+agent|insurer|restaurant|venue"
    r"|(?:event\s+)?organi[sz]er|promoter|gp(?:\s+surgery)?|surgery|doctor|sender|network\s+rail"
    r"|openreach|installer|contractor|partner|franchisee|(?:air\s+traffic|atc)\b|isp)"
)
_THIRD_PARTY = rf"(?:your|the|their)\s+{_THIRD}\b"
_DEVICE = (
    r"your\s+(?:own\s+)?(?:device|phone|handset|computer|pc|laptop|router|modem|browser|settings"
    r"|connection|network|wi-?fi|set-?up|equipment|system|internet|plugins?|theme|code|software"
    r"|end|side|hardware|antivirus|firewall|vpn)\b"
)
# What belongs to the customer's side: blaming it is blaming them.
_CUSTOMER_THING = (
    r"(?:device|phone|handset|mobile|computer|pc|mac|laptop|tablet|ipad|router|modem|hub|browser"
    r"|settings|connection|network|wi-?fi|internet|broadband|set-?up|equipment|system|plugins?"
    r"|theme|code|software|end|side|hardware|antivirus|firewall|vpn|integration|cache|cookies"
    r"|boiler|pipes?|pipework|plumbing|property|home|house|premises|wiring|drivers?|graphics"
    r"|os|operating\s+system|version|configuration|config|dns|domain|files|storage|sim(?:\s+card)?"
    r"|password|e-?mail\s+(?:provider|client|settings)|spam\s+filter|account\s+settings"
    r"|smart\s+meter|appliance|tv|console|printer|cable|adapter|charger|server|website|site"
    r"|installation|app\s+version|bank|card\s+issuer|provider|carrier|isp)"
)
_YOUR_THING = rf"(?:your|ur)\s+(?:own\s+)?(?:[\w-]+\s+){{0,2}}?{_CUSTOMER_THING}\b"
_CAUSE = (
    r"(?:caused\s+by|due\s+to|because\s+of|down\s+to|the\s+result\s+of|coming\s+from"
    r"|(?:an?|the)\s+(?:[\w-]+\s+)?(?:issue|problem|fault|error)\s+(?:with|on|in|at|from))"
)
_REFERRAL = (
    r"\b(?:contact|call|ring|phone|speak\s+(?:to|with)|talk\s+to|get\s+in\s+touch\s+with"
    r"|reach\s+out\s+to|check\s+with|take\s+(?:this|it|that)\s+up\s+with|raise\s+(?:this|it|that)"
    r"\s+with|complain\s+to|ask|contacting|speaking\s+(?:to|with)|reaching\s+out\s+to"
    r"|getting\s+in\s+touch\s+with|go\s+(?:back\s+)?to|refer\s+(?:this|it)\s+to)\s+"
)
_COPULA = (
    r"(?:'s|\s+is|\s+was|\s+will\s+be|\s+would\s+be|\s+(?:seems|appears|looks)\s+to\s+be"
    r"|\s+must\s+be|\s+may\s+be|\s+might\s+be|\s+could\s+be|\s+lies|\s+lay|\s+rests|\s+sits)"
)
_HEDGE = (
    r"(?:(?:most\s+likely|likely|probably|possibly|definitely|clearly|entirely|all|solely|just"
    r"|simply|totally|completely|really|actually)\s+)*"
)
_RECEIPT = (
    r"(?:received|receive|got|gotten|get|had|have|seen|see|heard|hear|a|an|the|some|your|no|one|to"
    r"|it|this|that|these|those|them|access|now|both|all|two|three|any|options?|until|till|by"
    r"|been\s+(?:sent|given|notified|e-?mailed|contacted|refunded|charged|credited|told|informed"
    r"|offered|called|updated|sent|asked|advised|kept|helped|able|issued|provided|rebooked|paid"
    r"|compensated|reimbursed|treated|served|warned|allowed|let|put|moved|transferred|upgraded"
    r"|re-?routed|booked|assigned|shown|made|left)|\d)\b"
)
_IF = r"\b(?:if|in\s+case|unless|whether|when|once|should|in\s+the\s+event)\b[^.!?]*$"
_NEGATED_BEFORE = rx(
    r"(?:\bnot|n't|\bnever|\bnone|\bno\s+way|\bnothing|\bneither|\bnor|\bwithout|\bno)\b[^.!?;]{0,30}$"
)
_QUESTION = rx(r"\?|^\s*(?:have|has|had|did|do|does|could|can|would|were|was|are|is)\b")
_IMPERATIVE = rx(
    r"(?:^|\bplease|\bkindly|\bjust|\bthen|\bso|\bneed\s+to|\bhave\s+to|\bmust|\bshould"
    r"|\bbest\s+to|\b(?:suggest|recommend|advise)(?:\s+that)?(?:\s+you)?|\btry|,|\bfirst"
    r"|\bcould\s+you|\bcan\s+you|\bwould\s+you|\bmight\s+want\s+to|\bwant\s+to)\s*$"
)
_SHOULD_HAVE = rx(
    r"\byou\s+(?:should(?:n't|\s+not)?|ought\s+to|needed\s+to|had\s+to)\s*(?:have|'ve|of)\s+"
    r"(?:(?:already|also|just|really|first|maybe|perhaps|probably|definitely)\s+)?+"
    rf"(?!{_RECEIPT})(?:been\s+)?[a-z]+"
)

BLAME_SUGGESTION = (
    "Own the problem and say what you will do about it: \"I'm sorry this happened — here's "
    "what I'll do …\"."
)
CUSTOMER_SUGGESTION = (
    "Don't tell the customer what they did wrong; explain what happens now and help them do it: "
    '"Here\'s how we can put this right …".'
)
THIRD_SUGGESTION = (
    "Don't pass the customer on: find out yourself, or say exactly what you'll do with the "
    "other party for them."
)

CUES = (
    Cue(
        rx(
            r"\b(?:(?:are|is|'s|were|was)\s+(?:all\s+|entirely\s+)?(?:down|up)\s+to|the\s+"
            r"responsibility\s+of|(?:are|is)\s+(?:handled|dealt\s+with|managed|decided|set)\s+by"
            r"|(?:is|are)\s+a\s+matter\s+for)\s+(?:them|the\s+[\w-]+(?:'s)?(?:\s+[\w-]+){0,3}"
            r"(?=[^.!?]*\b(?:contact|speak\s+to|ask|call|reach\s+out\s+to)\s+them\b)"
            r"|(?:their|the)\s+(?:[\w-]+\s+){0,2}?(?:partner|store|seller|agent|supplier|carrier"
            r"|courier|provider|organi[sz]er|landlord|airport))\b"
            r"|\byou\s+(?:did|yourself)\s+(?:choose|chose|select|selected|tick|ticked|opt|agree|book"
            r"|order|pick|click|accept)\b|\byou\s+chose\s+(?:to|the|not)\b",
        ),
        "Passes the problem to someone else, or back to the customer.",
        THIRD_SUGGESTION,
        unless_before=_NEGATED_BEFORE,
        unless_sentence=_QUESTION,
    ),
    Cue(
        rx(
            r"(?:^|[.!?,]\s*|\bplease\s+|\bkindly\s+|\bso\s+)(?:contact|call|ring|speak\s+to"
            r"|get\s+in\s+touch\s+with|reach\s+out\s+to|ask)\s+them\s+directly\b"
        ),
        "Sends the customer to someone else instead of helping.",
        THIRD_SUGGESTION,
        unless_sentence=rx(r"\b(?:our|us|we)\b|\?"),  # "our repair centre … contact them": ours
    ),
    Cue(
        rx(
            _CAUSE,
            r"\s+(?:(?:the|an?|some|old|faulty|outdated|poor|weak)\s+)?(?:[\w-]+\s+){0,2}?"
            r"(?:(?:in|on|at|with|from)\s+)?",
            _YOUR_THING,
            r"|\b(?:it's|its|it\s+is|that's|this\s+is|(?:the\s+)?(?:problem|issue|fault)\s+is)\s+"
            r"(?:probably\s+|likely\s+|just\s+|definitely\s+|clearly\s+)?(?:with\s+|on\s+)?",
            _YOUR_THING,
        ),
        "Puts the problem on the customer's side.",
        CUSTOMER_SUGGESTION,
        unless_before=rx(
            r"(?:\bnot|n't|\bnever|\bnothing|\bno|\bnone|\bwithout|\bneither|\bnor)\b\s*"
            r"(?:(?:really|necessarily|always|just|only|at\s+all|even|anything|something)\s+)*$"
        ),
        unless_sentence=_QUESTION,
    ),
    Cue(
        rx(
            r"\b(?:is|are|was|were|remains?)\s+(?:solely\s+|entirely\s+|ultimately\s+|fully\s+)?"
            r"(?:the\s+)?(?:(?:customer|passenger|player|user|member|account\s+holder|resident"
            r"|guest|cardholder|owner|buyer|sender|recipient|traveller|traveler|client|tenant"
            r"|patient|student)'s|your)\s+(?:own\s+)?responsibility"
            r"|\bthe\s+responsibility\s+of\s+the\s+(?:customer|passenger|player|user|member"
            r"|account\s+holder|resident|guest|cardholder|owner|buyer|client|tenant)"
            r"|\b(?:customers|residents|passengers|users|guests|members|cardholders|players|clients"
            r"|tenants|buyers|travellers|travelers|account\s+holders)\s+(?:must|need\s+to|are"
            r"\s+(?:required|expected|asked|responsible)\s+(?:to|for)|have\s+to|should)\s+"
            r"(?:ensure|make\s+sure|check|keep|read|report|notify|inform|update|back\s+up|submit"
            r"|cancel|secure|protect|verify|confirm|be\s+aware)"
        ),
        "Puts the responsibility on the customer.",
        CUSTOMER_SUGGESTION,
        unless_before=_NEGATED_BEFORE,
        unless_sentence=_QUESTION,
    ),
    Cue(
        rx(
            r"\b(?:which|that)\s+you\s+(?:have\s+)?(?:agreed|accepted|consented|signed)\s+to\b"
            r"|\bto\s+which\s+you\s+(?:have\s+)?(?:agreed|consented|signed\s+up)"
            r"|(?<!\bif\s)\byou\s+(?:have\s+)?(?:agreed|consented|signed\s+up|opted\s+in)\s+to\s+"
            r"(?!(?:receive|a\s+call|be\s+contacted|hear)\b)"
            r"|\b(?:per|under|in\s+line\s+with|according\s+to|in\s+accordance\s+with|within"
            r"|as\s+(?:stated|outlined|set\s+out|detailed|explained|mentioned|specified|described"
            r"|written|shown)\s+in)\s+(?:our|the|your)\s+(?:[\w-]+\s+){0,2}?(?:terms|t\s*&\s*cs?"
            r"|t's\s*&\s*c's|conditions|contract|agreement|sla|small\s+print|fine\s+print"
            r"|polic(?:y|ies)|rules)\b"
            r"|\b(?:read|check|review)\s+(?:the|our)\s+(?:terms(?:\s+and\s+conditions)?|t\s*&\s*cs?"
            r"|small\s+print|fine\s+print|conditions|policy)\b[^.!?]{0,40}\b(?:before|next\s+time)\b"
        ),
        "Points to the terms to put the blame on the customer.",
        "Explain the rule in plain words, and what you can still do for them.",
        unless_before=rx(_IF, r"|(?:\bnot|n't|\bnever)\b[^.!?]{0,20}$"),
        unless_sentence=_QUESTION,
    ),
    Cue(
        rx(
            r"\b(?:authori[sz]ed|approved|initiated|caused|made|done)\s+by\s+you(?:rself)?\b"
            r"|\bmust\s+have\s+(?:happened|occurred|been\s+(?:caused|done|damaged|broken|lost"
            r"|made))\s+(?:during|while|when|after|on|in|at)\s+(?:your|you)\b"
            r"|\bmust\s+have\s+(?:already\s+)?been\s+(?:there|present|damaged|broken|scratched)"
            r"\s+(?:before|already|beforehand|prior)\b"
            r"|\b(?:would|must|will)\s+(?:have\s+been|be)\s+(?:because\s+of|due\s+to|down\s+to"
            r"|caused\s+by)\b"
        ),
        "Puts the cause on the customer or on circumstances.",
        CUSTOMER_SUGGESTION,
        unless_before=_NEGATED_BEFORE,
        unless_sentence=_QUESTION,
    ),
    Cue(
        rx(
            r"\b(?:followed|complied\s+with|adhered\s+to|acted\s+(?:in\s+line|in\s+accordance)\s+"
            r"with|acted\s+within|applied)\s+(?:all\s+)?(?:our|the|company|correct)?\s*(?:[\w-]+\s+){0,2}"
            r"(?:policy|policies|procedures?|process|protocol|rules|guidelines|regulations)"
            r"(?:\s+(?:correctly|properly|to\s+the\s+letter))?"
            r"|\b(?:did|done|acted|handled\s+(?:it|this|that))\s+(?:everything\s+)?(?:correctly"
            r"|properly|by\s+the\s+book)\b"
        ),
        "Defends the company instead of helping.",
        BLAME_SUGGESTION,
        unless_before=_NEGATED_BEFORE,
        unless_sentence=_QUESTION,
    ),
    Cue(
        rx(
            r"\b(?:(?:the|your|their)\s+",
            _THIRD,
            r")\s+(?:needs?|has|have|will\s+need|would\s+need)\s+to\s+(?:raise|make|file|open"
            r"|submit|contact|deal|handle|sort|refund|process|claim|chase)\b",
        ),
        "Sends the customer to someone else instead of helping.",
        THIRD_SUGGESTION,
        unless_before=_NEGATED_BEFORE,
        unless_sentence=_QUESTION,
    ),
    Cue(
        rx(
            _NEG,
            r"\s+(?:(?:really|actually|exactly|entirely|strictly|necessarily|directly"
            r"|technically|something\s+that's|something|even)\s+)?(?:our|my)\s+(?:own\s+)?",
            _OWN_THING,
            r"\b",
        ),
        "Denies that this is the company's responsibility.",
        BLAME_SUGGESTION,
    ),
    Cue(
        rx(
            _NEG,
            r"\s+(?:(?:seem|appear|look|looks|like|to|be|been|anything|something|an?"
            r"|issue|problem|fault|the\s+case|coming|caused|by)\s+){0,4}"
            r"(?:on|at|with|down\s+to|caused\s+by|due\s+to|because\s+of|from|related\s+to)\s+",
            _OUR_PLACE,
        ),
        "Says the problem isn't on the company's side.",
        BLAME_SUGGESTION,
    ),
    Cue(
        rx(
            r"\b(?:(?:not|n't)\s+(?:seeing|showing|detecting|finding|aware\s+of)|(?:can't|cannot|can\s+not)"
            r"\s+(?:see|find))\s+(?:any\s+)?(?:issues?|problems?|faults?|outages?|errors?)\s+(?:on|at"
            r"|with|from)\s+our\s+(?:end|side|network|systems?|servers?)"
            r"|\bno\s+(?:known\s+)?(?:issues?|problems?|faults?|outages?|errors?)\s+(?:on|at|with"
            r"|from)\s+our\s+(?:end|side|network|systems?|servers?)"
            r"|\beverything\s+(?:is|looks|seems|appears)\s+(?:to\s+be\s+)?(?:fine|ok|okay|good"
            r"|normal|working(?:\s+(?:fine|normally|as\s+expected))?)\s+(?:on|at|from|with)\s+our"
            r"\s+(?:end|side)"
        ),
        "Says the problem isn't on the company's side.",
        BLAME_SUGGESTION,
    ),
    Cue(
        rx(
            r"\bnothing\s+to\s+do\s+with\s+(?:us|me|our)\b|\bn't\s+(?:anything\s+)?to\s+do\s+with"
            r"\s+us\b|(?:\bnot|n't)\s+(?:on|down\s+to)?\s*us\b(?!\s+(?:to|who|know|help))"
        ),
        "Says this has nothing to do with the company.",
        BLAME_SUGGESTION,
    ),
    Cue(
        rx(
            r"\b(?:we|i)\s*(?:'re|'m|\s+are|\s+am|\s+were|\s+was)\s+not\s+(?:(?:really|actually"
            r"|in\s+any\s+way)\s+)?(?:responsible|liable|to\s+blame|at\s+fault|accountable)"
            r"|\b(?:we|i)\s+(?:aren't|weren't|wasn't)\s+(?:responsible|liable|to\s+blame|at\s+fault"
            r"|accountable)|\b(?:can't|cannot|can\s+not|won't|will\s+not|couldn't)\s+be\s+held\s+"
            r"(?:responsible|liable|accountable)|\b(?:we|i)\s+(?:do\s+not|don't|cannot|can't"
            r"|won't|will\s+not)\s+(?:take|accept|assume|bear)\s+(?:any\s+)?(?:responsibility"
            r"|liability|blame)|\b(?:take|accept|assume|bear)\s+no\s+(?:responsibility|liability"
            r"|blame)|\bno\s+fault\s+(?:of\s+ours|on\s+our\s+(?:part|side))"
        ),
        "Denies responsibility.",
        BLAME_SUGGESTION,
    ),
    Cue(
        rx(
            r"\b(?:out\s+of|beyond|outside(?:\s+of)?)\s+(?:our|my)\s+(?:control|hands|remit)"
            r"|\b(?:not\s+something|nothing|not\s+anything)\s+(?:that\s+)?(?:we|i|our\s+[\w-]+)\s+"
            r"(?:can|could|are\s+able\s+to)\s+(?:control|prevent|help\s+with|do\s+anything\s+about)"
            r"|\bour\s+hands\s+are\s+tied\b"
        ),
        "Says the problem is out of the company's hands.",
        "Say what you *can* do while it lasts: updates, alternatives, compensation.",
    ),
    Cue(
        rx(
            r"\b(?:we|i)\s+(?:did|have\s+done|'ve\s+done)\s+nothing\s+wrong|\b(?:we|i)\s+(?:did"
            r"\s+not|didn't|have\s+not|haven't)\s+(?:done|do)\s+anything\s+wrong"
            r"|\b(?:we|our\s+(?:staff|team|driver|agent|crew|colleagues?))\s+(?:acted|behaved|did"
            r"\s+everything)\s+(?:correctly|properly|by\s+the\s+book)"
        ),
        "Defends the company instead of helping.",
        BLAME_SUGGESTION,
    ),
    Cue(
        rx(
            r"\byour\s+(?:own\s+)?(?:fault|mistake|error|doing)\b"
            r"|\b(?:that|this|it|which)",
            _COPULA,
            r"\s+",
            _HEDGE,
            r"(?:on|up\s+to|down\s+to)?\s*(?:your|the\s+(?:customer|passenger|cardholder|user|buyer"
            r"|account\s+holder|guest|member|traveller|traveler)'s)\s+(?:own\s+)?(?:fault|mistake"
            r"|error|problem|responsibility|doing|lookout)"
            r"|\b(?:fault|mistake|error|responsibility|blame)\s+(?:is|was|lies|lay|rests|sits)\s+"
            r"(?:entirely\s+|solely\s+|squarely\s+)?(?:yours|with\s+you)\b"
            r"|\b(?:that|this|it)(?:'s|\s+is|\s+was)\s+(?:all\s+)?on\s+you\b",
        ),
        "Blames the customer.",
        CUSTOMER_SUGGESTION,
        unless_before=_NEGATED_BEFORE,
        unless_sentence=rx(r"\?\s*$"),
    ),
    Cue(
        _SHOULD_HAVE,
        "Tells the customer what they should have done.",
        CUSTOMER_SUGGESTION,
        unless_before=rx(r"\bif\b[^.!?]*$"),
    ),
    Cue(
        rx(
            r"\byou\s+were\s+(?:supposed|meant|required|expected|asked|told)\s+to\s+"
            r"(?!(?:receive|get|be|have|hear|see)\b)[a-z]+"
            r"|\byou\s+(?:failed|neglected|forgot|omitted)\s+to\b"
            r"|\byou\s+(?:didn't|did\s+not|never)\s+(?:read|check|follow|update|provide|cancel"
            r"|report|notice|contact|call|tell|inform|back\s+up|register|submit|pay|return|select"
            r"|enter|click|opt|book|arrive|turn\s+up|show\s+up|activate|verify|confirm|complete"
            r"|include|attach|specify|request|apply|claim|save|keep|lock|listen|bother|allow"
            r"|leave|give)\b"
        ),
        "Blames the customer for something they didn't do.",
        CUSTOMER_SUGGESTION,
        unless_before=rx(_IF, r"|\b(?:sorry|apologi[sz]e|unfortunate)\b[^.!?]*$"),
        unless_sentence=_QUESTION,
    ),
    Cue(
        rx(
            r"\byou\s+(?:(?:must|may|might|probably|likely|seem\s+to)\s+(?:have\s+)?)?"
            r"(?:entered|typed|used|selected|chose|chosen|gave|given|provided|input|inputted|picked"
            r"|clicked|booked|ordered|bought|sent|put|set|installed|downloaded|connected|logged"
            r"|signed|paired|dialled|dialed)\s+(?:us\s+|in\s+|into\s+|in\s+to\s+|to\s+|on\s+to\s+)?"
            r"(?:a|an|the|your|some)?\s*(?:wrong|incorrect|invalid|old|outdated|expired|faulty"
            r"|unsupported|bad|mistyped|different)\b"
            r"|\byou\s+(?:have\s+)?(?:misread|misunderstood|misunderstand|mistyped|misspel\w+"
            r"|ignored)\b|\b(?:user|operator|pilot|customer)\s+error\b|\bpebkac\b"
            r"|\bhuman\s+error\s+on\s+your\s+(?:part|side)"
        ),
        "Blames the customer's own mistake.",
        CUSTOMER_SUGGESTION,
        unless_before=rx(_IF),
        unless_sentence=_QUESTION,
    ),
    Cue(
        rx(
            r"\b(?:if\s+you\s+had|if\s+you'd|had\s+you)\s+(?:(?:just|only|simply)\s+)?(?:read"
            r"|checked|followed|looked|contacted|called|booked|arrived|updated|paid|listened"
            r"|bothered|told|cancell?ed|kept|backed\s+up|registered)\b"
        ),
        "Tells the customer it would not have happened if they had acted differently.",
        CUSTOMER_SUGGESTION,
    ),
    Cue(
        rx(
            r"\b(?:it's|it\s+is|it\s+was|that's|that\s+is)\s+(?:up|down)\s+to\s+you\s+to\b"
            r"(?!\s+(?:decide|choose|pick|select|say|judge))"
            r"|\b(?:you\s+are|you're|you\s+were|the\s+(?:customer|passenger|cardholder|account"
            r"\s+holder|buyer|user|traveller|traveler|guest|member)\s+(?:is|was)|(?:customers"
            r"|passengers|users|cardholders|buyers|guests|members)\s+are)\s+(?:solely\s+|fully\s+"
            r"|entirely\s+|ultimately\s+|personally\s+)?(?:responsible|liable|accountable)\s+for"
            r"|\bthe\s+onus\s+(?:is|was|lies)\s+on\s+(?:you|the\s+customer)"
        ),
        "Puts the responsibility on the customer.",
        CUSTOMER_SUGGESTION,
    ),
    Cue(
        rx(
            r"\byou\s+(?:have\s+)?(?:agreed|accepted|consented|signed\s+up|signed)\s+(?:to\s+)?"
            r"(?:our|the|these|those|this|when)\b[^.!?]{0,30}(?:terms|t\s*&\s*cs?|t's\s*&\s*c's"
            r"|conditions|polic(?:y|ies)|contract|agreement|tos)"
            r"|\b(?:terms|t\s*&\s*cs?|conditions|policy|contract|agreement)\s+(?:which|that)\s+you"
            r"\s+(?:agreed|accepted|signed|consented)"
            r"|\bas\s+(?:per|stated\s+in|outlined\s+in|set\s+out\s+in|detailed\s+in|explained\s+in"
            r"|mentioned\s+in|laid\s+out\s+in|specified\s+in|written\s+in|described\s+in)\s+(?:our"
            r"|the)\s+(?:terms|t\s*&\s*cs?|t's\s*&\s*c's|small\s+print|fine\s+print|contract"
            r"|conditions\s+of\s+(?:carriage|sale|service))"
            r"|\b(?:clearly|plainly|explicitly)\s+(?:states?|stated|says|said|mentioned|outlined"
            r"|written|explained|displayed|shown|marked|advertised)"
            r"|\b(?:read|check|review)\s+(?:the|our)\s+(?:terms|t\s*&\s*cs?|small\s+print|fine\s+"
            r"print|conditions)\s+(?:before|next\s+time|carefully|properly|again)"
        ),
        "Points to the terms to put the blame on the customer.",
        "Explain the rule in plain words, and what you can still do for them.",
    ),
    Cue(
        rx(_REFERRAL, _THIRD_PARTY),
        "Sends the customer to someone else instead of helping.",
        THIRD_SUGGESTION,
        only_after=_IMPERATIVE,
        unless_before=rx(
            r"\b(?:we|i)\s*(?:'ll|'d|will|would|shall|can|could|must|need\s+to"
            r"|have\s+to|are\s+going\s+to)\s+(?:(?:need|have)\s+to\s+|be\s+able\s+"
            r"to\s+|happily\s+|gladly\s+)?$"
        ),
        unless_sentence=_QUESTION,
    ),
    Cue(
        rx(
            r"\bthe\s+(?:issue|problem|delay|fault|outage|error|charge|decline|block|hold"
            r"|cancell?ation|loss|damage)",
            _COPULA,
            r"\s*",
            _HEDGE,
            r"(?:down\s+to|due\s+to|caused\s+by|the\s+fault\s+of|with|on|at|from|coming\s+from"
            r"|on\s+the\s+side\s+of)\s+(?:",
            _THIRD_PARTY,
            "|",
            _DEVICE,
            ")",
        ),
        "Puts the problem on someone else.",
        THIRD_SUGGESTION,
        unless_before=_NEGATED_BEFORE,
        unless_sentence=_QUESTION,
    ),
    Cue(
        rx(
            r"\b(?:that|this|it)",
            _COPULA,
            r"\s*",
            _HEDGE,
            r"(?:down\s+to|due\s+to|caused\s+by|the\s+fault\s+of|the\s+responsibility\s+of|a\s+matter"
            r"\s+for|an?\s+(?:issue|problem|matter|question)\s+(?:with|for|on|at)|up\s+to|on\s+the"
            r"\s+side\s+of|something\s+for)\s+(?:",
            _THIRD_PARTY,
            "|",
            _DEVICE,
            ")",
        ),
        "Puts the problem on someone else.",
        THIRD_SUGGESTION,
        unless_before=_NEGATED_BEFORE,
        unless_sentence=_QUESTION,
    ),
    Cue(
        rx(
            _THIRD_PARTY,
            r"(?:'s\s+(?:fault|responsibility|problem|mistake)|\s+(?:is|are|was|were)"
            r"\s+(?:to\s+blame|at\s+fault|responsible|liable|accountable))"
            r"|\bblam(?:e|ing)\s+(?:the|your)\s+",
            _THIRD,
            r"\b",
        ),
        "Blames someone else.",
        THIRD_SUGGESTION,
        unless_before=_NEGATED_BEFORE,
    ),
)


ALL_CUES = (
    *CUES,
    Cue(
        rx(
            r"(?:\bnot|n't)\b[^.!?]{0,30}\bbe\s+held\s+(?:responsible|liable|accountable)"
            r"|\b(?:is|are|was|were)\s+(?:all\s+|entirely\s+|solely\s+)?your\s+(?:own\s+)?"
            r"(?:responsibility|fault|problem|lookout|job|issue\s+to\s+(?:fix|sort|solve))"
            r"|,?\s+not\s+(?:ours|us|the\s+(?:airline|company|bank|store|shop|hospital|trust|host"
            r"|network|practice|surgery|carrier|retailer))\b(?!\s+(?:to|who|know|you|we|i|that|which))"
        ),
        "Says the responsibility lies elsewhere.",
        BLAME_SUGGESTION,
        unless_before=_NEGATED_BEFORE,
    ),
    Cue(
        rx(r"\b(?:is|are|was|were)\s+(?:solely\s+|entirely\s+|partly\s+)?to\s+blame\b"),
        "Blames someone else.",
        THIRD_SUGGESTION,
        unless_before=rx(
            r"(?:\b(?:we|i|us|our\s+\w+|nobody|no\s+one|none\s+of\s+us)\s*(?:'re|'m)?\s*$"
            r"|\bnot\b[^.!?]{0,15}$|\bwho\s*$)"
        ),
        unless_sentence=_QUESTION,
    ),
)


# "Everything is fine on our side" followed by "check your router": the second half makes
# the first a deflection (on its own it is often a fair diagnosis).
_OUR_FINE = rx(
    r"\b(?:all\s+(?:our\s+)?(?:systems|services)\s+(?:are\s+|show\s+(?:as\s+)?)?(?:operational|normal"
    r"|up|running|working|fine|green)|(?:our|the)\s+(?:servers?|network|systems?|service|site"
    r"|website|app|platform|api)\s+(?:is|are|'s|'re)\s+(?:all\s+)?(?:up|fine|working|running"
    r"|operational|ok|okay|normal)|no\s+(?:known\s+)?(?:issues|faults|outages|problems|errors)"
    r"\s+(?:on\s+our|with\s+our|reported|showing|at\s+our|in\s+your\s+area))\b"
)
_CHECK_YOURS = rx(
    r"\b(?:check|fix|update|look\s+at|review|test|reset|restart|reboot)\s+",
    _YOUR_THING,
)


# The reply owns the problem: then words like "your router" or "the courier" in it are not a
# deflection, whatever the learned model makes of them.
_OWNS_IT = rx(
    r"(?<!\bnot\s)(?<!n't\s)\b(?:our|my)\s+(?:own\s+)?(?:fault|mistake|error|bad|responsibility"
    r"|doing|failure)\b|\b(?:take|takes|accept|accepts|taking|accepting)\s+(?:full\s+)?"
    r"responsibility\b|\b(?:that's|that\s+is|it's|it\s+is|it\s+was|this\s+is|this\s+was)\s+"
    r"(?:all\s+|entirely\s+)?on\s+us\b|\b(?:the\s+)?(?:fault|problem|issue|mistake|error)\s+"
    r"(?:is|was|lies|lay)\s+(?:at|with|on|in)\s+our\b|\bit\s+was\s+us\b|\bwe\s+got\s+(?:this|it)"
    r"\s+wrong\b|\bthe\s+mistake\s+(?:is|was)\s+ours\b"
)
MODEL_MESSAGE = (
    "Reads as deflecting responsibility — onto the customer, someone else, the rules or "
    "circumstances."
)


class BlameRule(Rule[ModelRuleSettings]):
    id = "blame"
    title = "Blame or deflection"
    english_only = True
    settings_model = ModelRuleSettings

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        hits = list(find_cues(draft, ALL_CUES))
        for hit in hits:
            yield self.finding(hit.start, hit.end, hit.cue.message, hit.cue.suggestion)
        if hits:
            return
        fine = _OUR_FINE.search(draft.plain)
        if (
            fine
            and _CHECK_YOURS.search(draft.plain, fine.end())
            and not draft.is_quoted(fine.start(), fine.end())
        ):
            yield self.finding(
                fine.start(),
                fine.end(),
                "Says the company's side is fine and sends the customer to check theirs.",
                CUSTOMER_SUGGESTION,
            )
            return
        if _OWNS_IT.search(draft.plain):
            return
        learned = self.model_finding(draft, MODEL_MESSAGE, BLAME_SUGGESTION)
        if learned is not None:
            yield learned
