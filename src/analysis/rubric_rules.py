"""Transparent rules for the five-lessons text labels: lexicons and regex patterns, sentence by sentence.

Each label is read from the reply text (and, for `acknowledges_specifics`, the complaint it answers).
A reply is read in its prepared form (`analysis.prepare`: reply prefix, sign-off and signature
removed, links, e-mails and handles masked, one sentence per line); a sentence counts for a label when one of the
label's cues is in it once negated phrases ("no need to apologise", "thanks to the update", "thanks
in advance", "don't post your details here") are cut out. Hedged offers about some other, future
problem ("feel free to call us if this happens again") do not move the conversation; questions do
not share a resolution, unless they are a step asked politely ("could you try reinstalling?").

`acknowledges_specifics` holds when the reply names a particular problem, purchase or device
(`SPECIFIC_TERMS`), or names a product in general (`SPECIFIC_WEAK_TERMS`) while sharing a content
word with the complaint, or shares two content words with it (Snowball stems of NLTK-tokenised
words, generic support words left out). Diagnostic and privacy templates ("which iOS version are
you on?", "don't share your order details") are cut out first.

Everything is vectorised: the patterns run as pyarrow's RE2 kernels over one row per distinct
sentence (they are written for RE2: no look-arounds, no back-references) and are counted back per
reply with `np.bincount`; the complaint-reply overlap stems each distinct word of a chunk of texts
once and is a sparse product, a chunk of replies at a time. The texts stay in Arrow: at full scale
a Python string per reply, or a whole-column copy per pattern, is gigabytes. The 158,000 replies of a 350,000-tweet file take about 10 CPU seconds with the
model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import csr_matrix

from analysis import prepare as prepare_lib
from analysis import text as textlib

LABEL_NAMES = (
    "moves_channel",
    "acknowledges_specifics",
    "shows_appreciation",
    "shares_resolution_or_timetable",
    "says_sorry",
    "addresses_by_name",
)


def _any(*alternatives: str) -> str:
    return "(?:" + "|".join(alternatives) + ")"


# ---------------------------------------------------------------------------------------------
# says_sorry
_APOLOGY_WORD = (
    r"(?:apolog(?:y|ies|ise|ize|ised|ized|ising|izing|etic)|regret(?:s|ful|fully|table|tably)?)"
)
SORRY_CUES = _any(
    r"\bsorry\b",
    r"\bsry\b",
    rf"\b{_APOLOGY_WORD}\b",
    r"\bmy (?:sincere |deepest )?apologies\b",
    r"\bpardon (?:the|our|for)\b",
    r"\bforgive (?:us|me)\b",
    r"\b(?:my|our) bad\b",
    r"\bour mistake\b",
    # regret without the word ("I hate to see this", "sad to hear that")
    r"\bhate to (?:see|hear|read)\b",
    r"\b(?:sad|saddened|bummed|gutted) to (?:see|hear|read)\b",
)
SORRY_NEGATED = _any(
    rf"\bno (?:need|reason) (?:to|for) (?:an? )?(?:{_APOLOGY_WORD}|be sorry|say sorry)",
    rf"\b(?:don'?t|do not|dont|never|won'?t|will not|shouldn'?t|should not|needn'?t) (?:need to )?(?:be sorry|{_APOLOGY_WORD}|say sorry)",
    rf"\bnothing to (?:be sorry|{_APOLOGY_WORD}|say sorry)",
    rf"\bno {_APOLOGY_WORD} (?:needed|necessary|required)",
    r"\bnot (?:at all )?sorry\b",
    r"\bsorry not sorry\b",
    rf"\bwithout (?:an? )?{_APOLOGY_WORD}",
    r"\byou(?:'ll| will)? not regret\b",
    r"\bwon'?t regret\b",
    r"\bregret (?:buying|purchasing|choosing|getting|switching)\b",  # the customer's regret
    r"\bare you sorry\b",
)

# ---------------------------------------------------------------------------------------------
# shows_appreciation
APPRECIATION_CUES = _any(
    r"\bthank(?:s|ing|ful)?\b",
    r"\bthanx\b",
    r"\bthx\b",
    r"\bty\b",
    r"\bcheers\b",
    r"\bappreciat(?:e|ed|es|ing|ion|ive)\b",
    r"\bgrateful\b",
    r"\bgratitude\b",
    r"\b(?:we|i) value\b",
    r"\bvalued (?:customer|member|feedback)",
    r"\bkudos\b",
    r"\bmuch obliged\b",
)
APPRECIATION_NEGATED = _any(
    r"\bthanks? (?:you )?in advance\b",  # thanking for a favour not yet done is a request formula
    r"\bthanks to (?:the|a|an|our|this|that|these|those|its|his|her|their|[a-z]+ing)\b",  # "owing to"
    r"\b(?:no|not) thanks?\b",
    r"\bno need to thank\b",
    r"\b(?:don'?t|do not) (?:need to )?thank\b",
    r"\bthanks? for nothing\b",
    r"\bthank (?:them|him|her)\b",
    r"\b(?:would|'d|will|we'd|i'd|we would|i would) (?:really |greatly |much |truly )?appreciate (?:it )?(?:if|when|you)\b",
    r"\bwould be (?:much |greatly |really )?appreciated\b",
    r"\b(?:can|could|do|totally|fully|completely) (?:understand and )?appreciate (?:how|why|what|that|the|your frustration)",
    r"\bappreciate (?:how|why|what)\b",
    r"\bthank(?:s|ing)? (?:the|our|their) (?:team|staff|driver|agent|courier|carrier)",
    r"\bwho(?:'s| is)? to thank\b",
)

# A bare "Thanks!" closing a reply that asks for something is a sign-off, like "thanks in
# advance"; real annotators count it as appreciation only when the reply asks nothing.
CLOSING_THANKS = r"(?:^|[.!?,;:]\s*|<url>\s*|\s)(?:many |big )?(?:thanks|thank you|thx|ty|cheers)(?: so much| very much| again| a lot)?\s*[.!,]*\s*(?:\^\s?\w+|[a-z]{1,3}|-\s?\w+)?\s*[.!]*\s*$"
REQUEST_CUES = r"\?|\b(?:please|pls|plz|kindly|can you|could you|would you|let us know|let me know|try|check|visit|send|share|provide|follow|use|go to|click)\b"

# ---------------------------------------------------------------------------------------------
# moves_channel
_DM = r"(?:dm|dms|d\.m\.|pm|direct message|direct messages|private message|private messages|privately|in private|inbox|messenger|whatsapp)"
_CALL = _any(
    r"\b(?:call|ring|phone|telephone) (?:us|our|them|the|me|customer|support|a member|toll)",
    r"\bgive (?:us|them|our [a-z ]{0,20}team|the [a-z ]{0,20}team) a (?:call|ring|buzz)",
    r"\b(?:call|ring) (?:at|on) (?:<url>|\d)",
    r"\b(?:our|the|this) (?:contact|phone|helpline|hotline|support|toll[- ]free|telephone|customer (?:service|care)) (?:number|line)s?\b",
    r"\b(?:helpline|hotline)\b",
    r"\b(?:by calling|call(?:ing)? \d|dial(?:ling)? \d)",
    r"\b(?:on|at) \+?\d[\d -]{6,}\d",  # "available on 0345 600 7000"
    r"\b(?:by|via) (?:post|letter|mail)\b",
    r"\b(?:by|via|over the|on the|over) (?:phone|telephone)\b",
    r"\b(?:we'll|we will|i'll|i will|we can|we'd like to|let us|we're going to) (?:give you a |)call (?:you|back)",
    r"\bcall(?:back| back)\b",
    r"\b1[- ]?8[0-9]{2}[- ]?[0-9]{3}",
)
_EMAIL = _any(
    r"\be-?mail (?:us|to us|our|them|the team|at|to <email>)",
    r"<email>",
    r"\b(?:contact|reach|write to|write|send|continue|talk|chat|follow up with|follow up|reply|respond|get back to you|be in touch|contact you|update you) (?:to you |us |you |them )?(?:by|via|over|through) e-?mail\b",
    r"\bsend (?:us |them )?(?:an |a quick )?e-?mail\b",
    r"\b(?:reply|respond|responding|replying|responded|replied) (?:back )?to (?:the|our|that|your|an|any)? ?(?:latest |recent |last |previous |earlier )?(?:e-?mail|mail)",
    r"\be-?mail (?:correspondence|we sent|that was sent|from us|from our|you (?:have )?received|response)",
    r"\b(?:received|receive|got|get) (?:an |our |the |a )?(?:e-?mail|mail) (?:in response|from (?:us|our)|reply|response)",
    r"\bcheck (?:your|the) (?:e-?mail|inbox|mailbox|junk|spam)",
    r"\bwe(?:'ll| will) (?:e-?mail|send you an e-?mail|reach out (?:to you )?(?:by|via) e-?mail)",
    r"\bwrite to us\b",
    r"\b(?:they|we|i|he|she|someone|the team|our team|a colleague|an agent|who)(?:'ll| will| can) (?:contact|e-?mail|dm|message|write to) you\b",
    r"\b(?:dm'?e?d|emailed|e-mailed|messaged) you\b",
    r"\b(?:reply|respond) to the (?:in-app )?chat\b",
    r"\b(?:will|'ll|can) (?:give you a )?(?:call|phone|ring) (?:you|back)\b",
    r"\bmail us\b",
)
_CHAT = r"\b(?:live chat|chat to (?:a|an|one|us|our)|chat with (?:us|our|an? )|chat (?:support|team|agent)|start a chat|via chat|online chat|web chat|chat (?:at|here|link|on our))"
_FORM = _any(
    # the Amazon-style contact form: details / a report through a link or form
    r"\b(?:fill|filling|complete|submit|submitting|drop|dropping|share|sharing|provide|providing|send|sending|relay|enter|pass|leave|give) (?:in |out |us |again |your |the |these |those |further |more |some |all |detailed |specific |necessary |required |complete |relevant |account |order |contact |personal |\w+ )*(?:details|specifics|information|info|inputs|feedback|form|request|case|report|claim|complaint)\b[^.!?]{0,80}(?:here|link|form|<url>|through|via)",
    r"\b(?:fill|filling|complete|submit|submitting|share|provide|send|enter|upload)\b[^.!?]{0,60}\b(?:here|through|via|using|at|on|in|with)\s?:?\s?<url>",
    r"\b(?:fill|complete|submit) (?:in |out )?(?:this|the|our|a) (?:\w+ )?form\b",
    r"\bfile an? (?:report|claim|complaint)\b",
    r"\b(?:submit|open|raise|report|file)\b[^.!?]{0,40}\b(?:here|at|through|via|using|on|with)\s?:?\s?<url>",
    r"\b(?:report|submit|raise|log) (?:it|this|them)? ?(?:here|online)\b",
    r"\b(?:use|using|through|via|with) (?:our|the|this|a) (?:[a-z-]+ ){0,3}form\b",
    r"\b(?:your|the|a) travel (?:agent|agency)\b",
    r"\b(?:report|escalate|raise|log|connect|contact|reach|write|submit|file) (?:this|it|us|the issue|the problem|a complaint|a claim|a ticket|a case|your [a-z ]{0,20}|)\s?(?:to [a-z ]{0,30})?(?:here|via|through|using|by using|with|at|on) (?:the |this |our |a )?(?:<url>|link|form|url|web ?form|contact form|secure link|page)",
    r"\b(?:report|escalate|raise|log|connect|contact|reach|write|submit|file) (?:this|it|us|the issue|the problem)? ?(?:here|via|through)\b[^.!?]{0,10}<url>",
    r"\b(?:using|use|by using|through|via|in|with) (?:the |this |our |a )?(?:secure )?(?:link|form|web ?form|contact form) (?:provided|mentioned|shared|sent|given|above|below|earlier|here|we sent)",
    r"\b(?:the|this|our|a) (?:secure )?link (?:provided|mentioned|shared|given|above|we sent) (?:earlier|above|before|previously)",
    r"\blink to (?:dm|contact|reach|message|chat)",
    r"\bcontact (?:form|us form|page)\b",
    r"\bweb ?form\b",
    r"\b(?:here|link|form): <url>[^.!?]{0,40}(?:we'll|we will|i'll|i will|we'd|and) (?:contact|get back|reach|assist|look|help|investigate|sort|get this)",
    r"\bdetails (?:again )?here\b",
)
_TEAM = _any(
    r"\b(?:contact|reach out to|get in touch with|reach|call|speak (?:to|with)|talk (?:to|with)|connect with|approach|visit|get hold of) (?:our|the|your|an?|their|them|us|<handle>)(?: [a-z<>-]+){0,3} (?:team|teams|support|department|specialists?|experts?|advisors?|centre|center|desk|care|service|carrier|bank|provider|store|seller|manufacturer|courier|airline|agents?)\b",
    r"\b(?:contact|reach out to|get in touch with|reach|connect with) (?:us|them|<handle>)\b(?: (?:here|directly|at|by|on|through|via|using))",
    r"\bget in touch\b",
    r"\b(?:our|the) <handle> (?:team|folks|crew|colleagues|friends)",
    r"\b(?:reach out to|contact|tweet|message|dm|ask|ping) <handle>",
    r"\bteam will take it from here\b",
    r"\b(?:support|sales|billing|customer service|customer care|care|help|tech|technical|account|accounts|specialist|escalations?) team (?:here|at|via|on|directly)\b",
    r"\b(?:our|the) support team here\b",
)
_STORE = _any(
    r"\b(?:visit|go to|stop by|drop by|pop into|pop in to|head to|head into|bring it (?:in )?to|take it to|walk into) (?:an?|the|your|our|any)? ?(?:[a-z]+ ){0,3}(?:store|stores|branch|shop|location|service provider|genius bar|desk|counter|retail|office)\b",
    r"\bgenius bar\b",
    r"\bbring\b[^.!?]{0,40}\b(?:to|into|in to) (?:the|any|your|our|a|one of our) (?:[a-z]+ ){0,2}(?:store|branch|shop|desk|counter)",
    r"\b(?:in|at|to) (?:any|one) of our (?:stores|branches|shops)\b",
    r"\bin[- ]branch\b",
    r"\b(?:get to|come to|come into|come in to|return it to|take it to) (?:our|the|your|any|a) (?:[a-z]+ )?(?:store|branch|shop)\b",
    r"\bat (?:your|the|a|an|our|any) (?:nearest |local |closest |nearby )?(?:[a-z]+ )?(?:store|branch|shop|service (?:centre|center)|repair (?:centre|center|shop))\b",
    r"\b(?:book|make|set up|schedule) (?:an?|your) (?:genius bar |store |repair |service )?(?:appointment|reservation)",
    r"\bin[- ]store\b",
    r"\bat (?:the|a|any|your) (?:airport|gate|check-in|ticket|service) (?:desk|counter|agent)",
)
# Another venue for this problem: a ticket, the help site, a forum or feedback tool, another team.
_ELSEWHERE = _any(
    r"\b(?:submit|open|create|make|file|raise|log|start|put in|send) (?:a |an |your |the )?(?:new )?(?:support |service |help |repair )?(?:ticket|request|case)\b",
    r"\bticket (?:here|at|through|via|with|so|and)\b",
    r"\b(?:visit|check|go to|head to|head over to|post (?:it |this |them )?(?:on|in|to)|ask (?:on|in)) (?:our|the) (?:[a-z-]+ ){0,2}(?:help ?(?:site|center|centre|page|forum|desk)|support (?:site|page|center|centre|community|forum)|community|forums?|feedback (?:forum|site|page|tool|hub))\b",
    r"\b(?:uservoice|feedback (?:forum|tool|hub|report)|feature requests?|community forum|help forum)\b",
    r"\b(?:put|post|share|submit|add|send|file|report|give|leave|drop)\b[^.!?]{0,40}\b(?:suggestions?|ideas?|feedback|bugs?|votes?|comments?)\b[^.!?]{0,30}\b(?:here|there|through|via|on (?:the|our)|at|using)\b",
    r"\b(?:up-?vote|add your vote|vote (?:for|on) (?:it|this|the))\b",
    r"\b(?:reach out|get in touch|speak|talk|connect|check in) (?:to|with) (?:the|our|their|its|an?|one of our|xbox|apple|microsoft) (?:[a-z0-9-]+ ){0,3}(?:developers?|devs|teams?|advisors?|agents?|specialists?|experts?|support|publisher|company|carrier|bank|seller)\b",
    r"\b(?:reach out to|contact) (?:the )?(?:developer|developers|devs|publisher|seller|manufacturer|bank|carrier|app's developer)\b",
    r"\b(?:support|help|assistance) (?:with|from) (?:our|the) (?:[a-z-]+ ){0,3}(?:advisors?|teams?|specialists?|experts?|agents?)\b",
    r"\b(?:file|submit|send|make|request) (?:an? )?appeal\b|\byou can appeal\b",
    r"\b(?:follow|use|click|open|visit) (?:on )?(?:this|the|that|our)? ?link\b[^.!?]{0,40}\b(?:so (?:that )?we|to (?:make|create|open|submit|contact|reach|chat|begin|start|get in touch|request|talk|speak))",
    r"\bfollow this link\b",
    r"\b(?:call|phone) or (?:chat|e-?mail)\b|\bchat or (?:call|phone)\b",
    r"\b(?:chat (?:button|agents?|option|icon)|chat by following|select (?:the )?chat)\b",
    r"\bcontact us\b(?:[^.!?]{0,10})(?:here|at|through|via|by|using|<url>)|\"contact us",
    r"\b(?:request|book|schedule|set up|arrange) (?:a |an )?(?:service|repair|callback)\b",
    r"\bone-on-one\b|\bone on one\b",
    r"\bsupport on twitter is via messages\b",
    r"\bgo here so (?:that )?we\b",
    r"\bgetting in touch\b|\bget in touch with them\b|\bcan be reached\b",
    r"\bcall/chat\b|\bchat/call\b",
    r"\bup for (?:service|repair)\b",
    r"\b(?:contact|reach out to|reach) (?:[a-z&;]+ ){1,3}(?:support|directly|for (?:a resolution|further|more|help|assistance))\b",
    r"\bcontact(?:ing)? (?:our|the) (?:[a-z-]+ ){0,2}support\b",
    r"\bpost(?:ing)? (?:this|it|the|your)? ?(?:idea|issue|question|suggestion)s? (?:on|in|to) (?:our|the)\b",
    r"\bvot(?:e|ing) for (?:the|this|that|it)\b",
    r"\b(?:in|on|to) our (?:[a-z]+ )?(?:community|forums?)\b",
    r"\[email\]",
)
MOVES_CUES = _any(
    rf"\b{_DM}\b",
    _CALL,
    _EMAIL,
    _CHAT,
    _FORM,
    _TEAM,
    _STORE,
    _ELSEWHERE,
    r"\bfollow (?:us|and dm|back)\b",
    r"\bmessage us\b",
    r"\bsend us a (?:message|note)\b",
    r"\bcontinue (?:this |the conversation |helping |there|in|over|via|by)",
    r"\bcarry on (?:helping )?there\b",
)
MOVES_NEGATED = _any(
    # thanks for having got in touch: the contact already happened
    r"\b(?:thanks?|thank you|grateful|appreciate (?:you|it)) (?:so much |very much )?(?:for )?(?:taking the time )?(?:to )?(?:writ|contact|reach|call|email|e-mail|messag|dm|chat|get|getting|be|being)\w*(?: in touch| out| back)?(?: (?:to|with))?(?: us)?\b",
    # prohibitions and privacy warnings: they keep the conversation here
    r"\b(?:don'?t|do not|please don'?t|never|avoid|without) (?:provide|providing|post|posting|share|sharing|include|including|give|giving|send|sending|tweet|tweeting|disclose|disclosing)\b[^.!?;,-]*",
    r"\b(?:we )?(?:don'?t|do not|can'?t|cannot|won'?t|doesn'?t|does not|aren'?t able to) (?:have )?(?:any )?(?:access|telephone|phone|email|e-mail|chat)[^.!?]*",
    r"\bno (?:phone|telephone|email|e-mail|chat) (?:support|number|line)[^.!?]*",
    r"\b(?:continue|keep) (?:helping )?(?:you )?(?:out )?(?:here|on twitter|in this thread|publicly)[^.!?]*",
    r"\b(?:email|e-mail|mail) address(?:es)?\b",
    r"\b(?:confirmation|shipping|order|delivery|dispatch|tracking) (?:e-?mail|mail)s?\b",
    r"\b(?:you|you've|you have|they|he|she) (?:called|rang|phoned|emailed|e-mailed|chatted)\b[^.!?]*",
    r"\b(?:the )?(?:second|first|last|other|next) time you (?:called|rang|phoned|contacted)[^.!?]*",
    r"\bcall(?:s|ing)? (?:fail|drop|quality|log|history|feature|button|waiting|forwarding|settings)[^.!?]*",
    r"\b(?:incoming|outgoing|phone|facetime|video|wifi|wi-fi) calls?\b",
    r"\b(?:make|making|receive|receiving|place|placing|answer|answering) (?:and receive )?(?:phone |facetime )?calls\b",
)
# Open-ended offers about some future, other problem: not a request to move this one.
MOVES_HEDGES = _any(
    r"\bif (?:this|it|that|anything|something|the issue|this issue|the problem) (?:ever )?(?:happens|occurs|comes up|crops up|pops up) again\b",
    r"\b(?:in|for) (?:the )?future\b",
    r"\bnext time\b",
    r"\bany ?(?:thing|time) else\b",
    r"\bany (?:other|more|further|additional) (?:questions|issues|concerns|problems|help|trouble)\b",
    r"\bif you (?:ever )?(?:have|need|run into) (?:any )?(?:other|more|further|additional) ",
    r"\bif you (?:ever )?need (?:us|anything|help|more help|a hand)\b",
    r"\bwe'?re (?:always|also) (?:here|available)\b",
    r"\bif you change your mind\b",
    r"\banytime\b",
    r"\bfor (?:any )?(?:further|other|more|additional) (?:questions|concerns|help|assistance)\b",
    r"\bif we can (?:help|be of)\b",
)

# ---------------------------------------------------------------------------------------------
# shares_resolution_or_timetable
_NUMBER_WORD = r"(?:\d+|a|an|the|one|two|three|four|five|six|seven|eight|ten|twelve|fourteen|thirty|few|couple of|several|24|48|72)"
_UNIT = r"(?:business |working |calendar )?(?:hours?|hrs?|days?|weeks?|minutes?|mins?|months?)"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|fri|sat|sun)"
_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)"
TIMETABLE_CUES = _any(
    rf"\b(?:within|in|in the next|over the next|up to|allow|takes?|take up to|for|after) (?:about |around |roughly |approximately )?{_NUMBER_WORD}(?:\s?(?:-|to|–|or)\s?\d+)?\s?-?{_UNIT}\b",
    rf"\b\d+\s?(?:-|to|–)\s?\d+ {_UNIT}\b",
    rf"\b(?:by|on|before|until|from|this|next|coming|due) (?:the )?(?:end of (?:the )?(?:day|week|month)|{_WEEKDAY}|{_MONTH}|eod|tomorrow|tonight|midnight|noon|\d{{1,2}}(?:st|nd|rd|th)?\b|\d{{1,2}}(?::\d\d)?\s?(?:am|pm))",
    rf"\b(?:arrive|arrives|arriving|deliver|delivered|delivery|ship|ships|shipped|shipping|dispatch|dispatched|refund|refunded|credit|credited|reflect|reflected|show|shows|appear|appears|available|live|ready|fixed|restored|resolved|released|rolled out|processed|posted|expect it|expect them) (?:\w+ ){{0,3}}(?:today|tomorrow|tonight|by (?:the )?(?:date|end|{_WEEKDAY}|{_MONTH}|\d|tomorrow|tonight)|within|on (?:the )?(?:{_WEEKDAY}|{_MONTH}|\d)|before (?:{_WEEKDAY}|{_MONTH}|\d)|in the next|next week|this week|later today|shortly)\b",
    r"\b(?:today|tomorrow|tonight|later today|this evening|this afternoon) (?:by|before|between|after|at) ",
    r"\b(?:expected|estimated|new|scheduled|latest) (?:delivery |arrival |ship |shipping |dispatch |departure |release )?(?:date|time|eta)\b[^.!?]{0,20}(?:is|of|will|shows|says|listed)",
    r"\beta (?:is|of)\b",
    rf"\b(?:by|on) {_MONTH} \d",
    r"\b(?:tomorrow|tonight|later today|this week|next week|this weekend|this month|next month|within the hour)\b",
    r"\b(?:at|by|around|before|after) \d{1,2}(?::\d\d)?\s?(?:am|pm)\b",
    rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH}\b",
    r"\b(?:departs?|departure|boarding|leaves|rebooked|rescheduled) (?:\w+ ){0,3}(?:at|on|for) \d",
)
RESOLUTION_CUES = _any(
    # done or being done for this customer, concretely
    r"\b(?:we'?ve|we have|i'?ve|i have|we|i|has been|have been|was|were|is now|are now|it's been|it has been|this has been) (?:now |just |already |successfully |gone ahead and |since |also )*(?:refunded|issued|processed|credited|reimbursed|fixed|resolved|reset|restored|reinstated|reactivated|re-?enabled|unlocked|unblocked|cancell?ed|replaced|reshipped|re-?sent|resent|rebooked|rescheduled|waived|removed|added|applied|upgraded|corrected|updated your|changed your|merged|transferred|escalated|expedited|arranged|booked|approved|released|rolled out|shipped|dispatched|sent (?:you|a|the|out|your|over)|set up|placed|raised a|opened a|created a|logged a|submitted a|filed a|put in|compensated)\b",
    r"\b(?:a |your |the |full )?(?:refund|replacement|credit|reimbursement|voucher|compensation|fix|patch|update|new one|new card|new order|return label|label) (?:has been|have been|was|will be|is being|is on its way|is on the way|is coming|went out|should (?:be|arrive|reach|show|appear))",
    r"\b(?:we'll|we will|i'll|i will|we're going to|i'm going to|we are going to|we'd be happy to|we can|i can) (?:now |also |gladly |happily |go ahead and )?(?:refund|issue|process|credit|reimburse|replace|reship|resend|re-send|rebook|reschedule|waive|cancel|fix|reset|unlock|reactivate|expedite|escalate|send (?:you|a|the|out|your|over|a replacement)|ship|arrange|upgrade|add|remove|correct|change|update your|apply)\b",
    r"\b(?:escalated|forwarded|passed|raised|sent|referred|handed|reported) (?:this|it|your case|your issue|your report|the issue|the case)? ?(?:on |over |up )?to (?:our|the|a) (?:\w+ ){0,3}(?:team|department|engineers?|specialists?|developers?|supervisor|manager|experts?)",
    r"\b(?:our|the) (?:\w+ ){0,2}team (?:will|is going to|are going to|can) (?:contact you|reach out to you|get in touch with you|call you|email you|process|take it from here|fix|refund|replace|send you|make sure|ensure)",
    r"\bteam will take it from here\b",
    # instructions and self-help
    r"^(?:please |kindly |just |simply |first,? |next,? |then,? |now,? |so,? |also,? |meanwhile,? |in the meantime,? |to start,? |to fix this,? |for now,? |you can |you could |you'll need to |you will need to |you may want to |you might want to |we suggest |we recommend |i suggest |i recommend |we'd suggest |we'd recommend |try to |try )*(?:try|update|upgrade|restart|reboot|reinstall|uninstall|install|re-?download|download|delete|remove|reset|go to|tap|open|select|choose|click|toggle|turn (?:on|off)|switch (?:on|off|to)|sign (?:out|in|back)|log (?:out|in|back)|clear|disable|enable|back up|force (?:quit|close|restart)|unpair|pair|re-?pair|plug|unplug|hold|press|long-press|swipe|stop using|avoid using|power off|clean|wait|head (?:to|over)|navigate|visit (?:<url>|the link|this link|this page|the page)|use (?:the|this|a|your)|change|adjust|check (?:out|for|if|whether|that|your settings|the steps|the article|this|these)|follow|make sure|ensure|request|cancel|return|add|edit|manage|scroll|look for|search for|find)\b",
    r"\b(?:you can|you could|you'll need to|you will need to|you may want to|you might want to|you'd need to|you need to|you should|you may|you're able to|you are able to|feel free to) (?:also |simply |just |now |still |easily )?(?:try|update|upgrade|restart|reinstall|uninstall|install|re-?download|download|delete|remove|reset|go to|tap|open|select|choose|click|toggle|turn|switch|sign|log|clear|disable|enable|back up|cancel|return|request|change|manage|find|view|see|check (?:out|the status|the steps|the article|details|the details|the policy)|use|add|get|set|claim|apply|redeem|access|track|edit|adjust|contact your bank|follow|submit a claim|exchange|keep)\b",
    r"\bhave you tried (?:to )?(?:un|re)?install",
    r"\bhave you tried (?:signing|logging|updating|upgrading|resetting|removing|deleting|turning|clearing|reinstalling|uninstalling|toggling|disabling|enabling|switching|using|re-?downloading|re-?adding|unpairing|re-?pairing|force)",
    r"\b(?:here's|here is|here are|these are|this is|take a look at|have a look at|check out|see|read|follow|try) (?:what you can do|how to|the steps|some steps|these steps|a few steps|the following steps|an article|this article|the article|a guide|this guide|the guide|our guide|information|info|more info|more information|details|some tips|a workaround|the workaround|instructions)",
    r"\b(?:learn more|for more info|for more information|for more details|more info (?:here|at|on)|more information (?:here|at|on|about)|find out more|read more|info on|information on|info about|information about|instructions|steps (?:here|listed|under|in|at|on)|article|guide|workaround|work around|tutorial|faq|help page|support page|troubleshooting steps|tips)\b",
    r"\b(?:update|upgrade) (?:\w+ ){0,2}to (?:the )?(?:latest|newest|ios|macos|version|v?\d)",
    r"\b(?:(?:an?|the) )?(?:update|fix|patch|release) (?:has been|was|is|is now|just|that) (?:released|available|out|live|rolled out|coming)",
    r"\bwe'?ve (?:just )?released\b",
    r"\bfixed in (?:a|the|an upcoming|our next) (?:future )?(?:software )?(?:update|release|version)",
    # answers and explanations of this case
    r"\b(?:because|due to|that's because|this is because|this happens when|this can happen|caused by|the reason (?:is|for)|as a result of)\b",
    r"\b(?:is|are|was|will be|isn't|aren't|is not|are not) (?:the )?(?:only|decided|determined|set|calculated|based|dynamic|available|unavailable|not available|eligible|not eligible|ineligible|supported|not supported|compatible|covered|not covered|free|charged|billed|included|not included|required|limited|restricted|non-refundable|refundable|valid|expected|scheduled|provided|done|the decision)\b",
    r"\b(?:we|you) (?:don't|do not|can't|cannot|aren't able to|are unable to|won't be able to) (?:currently |yet )?(?:offer|support|sell|ship|deliver|provide|change|override|refund|accept|issue|allow|price match|honou?r|have (?:telephone|phone|email|e-mail|chat|a phone|a fix|an? option|the option|the ability))\b",
    r"\b(?:unfortunately|sadly|at this time|currently|right now|at the moment),? (?:we|you|it|this|that|there|the|our)\b",
    r"\b(?:will|would|should|can|may|could) (?:automatically |then |only |also )?(?:remove|erase|delete|reset|sync|restore|refund|charge|renew|cancel|expire|apply|appear|show|arrive|ship|be (?:refunded|charged|delivered|shipped|available|provided|removed|applied|restored|credited|updated|fixed|released))\b",
    r"\bhope (?:this|that) (?:helps|explains|clears|answers)\b",
    r"\b(?:the|your) (?:total|price|cost|fee|charge|refund|order|package|parcel|item|flight|booking)(?: \w+){0,3} (?:is|was|will be|has been|should be) (?:now |already |currently )?(?:on its way|out for delivery|in transit|scheduled|expected|due|shipped|dispatched|refunded|processed|confirmed|cancell?ed|rebooked|the best|provided|calculated|based|set|determined|decided|non-refundable|free|eligible|covered)\b",
    r"\b(?:we're|we are|i'm|i am) afraid\b",
    r"\b(?:reach out to|contact|get in touch with|speak (?:to|with)|call) (?:our|the) (?:[a-z<>]+ )?(?:sales|billing|apple tv|itunes|music|accounts?|retail|payments?|technical|tech|specialist|escalations?|refunds?|returns?|baggage|reservations?|loyalty|sales support|store|repair|product|<handle>) (?:support )?team\b",
    r"\b(?:my|our) team (?:can|will) (?:make sure|ensure|escalate|forward|send|process|arrange)\b",
    r"\b(?:we're|we are) (?:launching|adding|rolling out|working on a fix|releasing)\b",
    r"\bour <handle> team\b",
    r"\b[a-z]+ > ?[a-z]+",  # a settings path: "settings > storage"
    r"\b(?:they|the store|the team|staff|the agent|a specialist|the technician)(?:'ll| will) (?:swap|replace|exchange|refund|fix|repair|reset|rebook|issue|process)\b",
    r"\b(?:usually|typically|normally|often|should) (?:fix|fixes|resolve|resolves|reset|resets|re-?sync|re-?syncs|restore|restores|help|helps|sort|sorts|clear|clears|work|works|means|caused|happens|because|due|a|an)\b",
    r"\b(?:is|are) usually\b",
    r"\b(?:that happens when|this happens when|that's because|it's not possible|is not possible|isn't possible|not possible to)\b",
    r"\b(?:fix|patch|update|release) (?:\w+ ){0,2}(?:is|are) (?:rolling out|planned|scheduled|coming|on (?:its|the) way|available|due|expected)",
    r"\brolling out\b",
    r"\b(?:post|posting|share|sharing) updates (?:on|at|here)\b",
    r"\bstatus (?:updates|page)\b",
    r"^(?:yes|yep|yup|we do|it does|it is|they do|they are|not at the moment|not yet|not currently|not right now|unfortunately not|good news)\b",
    r"\b(?:is|are|isn't|aren't) (?:not )?(?:allowed|permitted|free of charge|included|supported|compatible|eligible)\b",
    r"\b(?:chase|escalate|raise|flag) (?:it|this|that) (?:with|to) (?:our|the) (?:[a-z]+ )?team\b",
    r"\b(?:you can|you could|you may) (?:also )?(?:buy|move|bring|book|stream|watch|customi[sz]e|long-press|switch|pick|claim|collect)\b",
)
# Requests phrased as questions that still give a step ("could you try reinstalling?") are turned
# into the step before questions are dropped (asking is not resolving).
RESOLUTION_REWRITES = (
    (r"\b(?:can|could|would|will) you (?:please |kindly |also |just )?try\b([^?]*)\??", "try\\1."),
    (
        r"\bhave you (?:already |also )?tried (?:to )?((?:un|re)install|sign|log|updat|upgrad|reset|remov|delet|turn|clear|toggl|disabl|enabl|switch|using|re-?download|unpair|re-?pair|forc)([^?]*)\??",
        "try \\1\\2.",
    ),
    (r"\b(?:we )?request you to\b", "please"),
    # troubleshooting asked as a question: "could you go through the steps here?", "have you run
    # a tracert?", "does logging out and back in make a difference?"
    (
        r"\b(?:can|could|would|will) you (?:please |kindly |also |just )?(?:go through|run through|work through|follow|restart|reinstall|update|clear|reset|force|give (?:this|these|that|it) a)\b([^?]*)\??",
        "try \\1.",
    ),
    (
        r"\bwould you mind (?:checking|trying|going|running|following|resetting|restarting|reinstalling|updating|clearing|removing|disabling)\b([^?]*)\??",
        "try \\1.",
    ),
    (
        r"\bhave you (?:already |also )?(?:tried|run|ran|checked|restarted|reset|cleared)\b([^?]*)\??",
        "try \\1.",
    ),
    (
        r"\b(?:does|did|do) ([^?]{3,80}) (?:make a difference|help|fix it|do the trick|work)\b[^?]*\??",
        "try \\1.",
    ),
    (r"\bby following the steps\b[^?]*\??", "follow the steps."),
    (r"^.*\?.*$", " "),  # other questions
)
# A link the customer is pointed to for this problem, said with how it helps.
RESOLUTION_LINKS = _any(
    r"(?:steps|tips|things to check|troubleshooting|article|guide|this a shot|this a try|recommend|suggest|refer to|learn more|more about|have a look (?:here|at)|check out|visit|follow|resolve|fix|details)[^.!?]{0,60}<url>",
    r"<url>[^.!?]{0,40}\b(?:steps|tips|for (?:the )?(?:steps|details|more)|to (?:fix|resolve|find|learn|see|check)|and (?:let us know|see if))",
)
RESOLUTION_NEGATED = _any(
    r"\bso (?:that )?(?:we|i|our team|they|the team) (?:can|could|may|will be able to|are able to) [^.!?]*",  # a purpose, not a fix
    # passing feedback on, vague promises and questions about what the customer tried: not a step
    r"\b(?:pass|passed|passing|forward|forwarded|forwarding|share|shared|sharing|send|sent|note|noted|log|logged|relay|relayed)(?: \w+){0,3} (?:your |the |this |these |as )?(?:feedback|suggestion|suggestions|request|idea|ideas|comments|thoughts|interest)\b[^.!?]*",
    r"\b(?:feedback|suggestion) (?:has been|will be|is) (?:passed|forwarded|shared|noted|logged)\b[^.!?]*",
    r"\b(?:we'll|we will|we're|we are|i'll|i will|our team|the team|developers are|engineers are|they're|they are) (?:be )?(?:look|looking|check|checking|investigat\w*|working|digging|review\w*) (?:into|on|in|at)? ?(?:this|it|that|the issue|an issue|things)?[^.!?]*",
    r"\b(?:we'll|we will|i'll|i will) (?:keep (?:you|everyone) (?:updated|posted|informed)|update you|get back to you|follow up|be in touch|reach out)\b(?: (?:soon|shortly|asap|at the earliest|as soon as)[^.!?]*)?",
    r"\bstay tuned\b[^.!?]*",
    r"\b(?:for|to) (?:your )?(?:security|privacy)\b[^.!?]*",
    r"\bif you(?:'ve| have)? (?:not|haven't|have not)\b[^.!?]*\b(?:reach|contact|report|fill|share)\b[^.!?]*",
    r"\bwe(?:'d| would) (?:love|like|be happy|be glad) to (?:help|look|take a look|assist|check)[^.!?]*",
    r"\b(?:share|provide|send|fill|report|drop)\b[^.!?]*\b(?:details|information|info|here|form)\b[^.!?]*",
)

# ---------------------------------------------------------------------------------------------
# acknowledges_specifics
# Nouns and verbs that name a particular problem, purchase or account event.
SPECIFIC_TERMS = _any(
    r"\b(?:delay|delays|delayed|late|lateness|missed|missing|lost|stolen|never (?:arrived|came|showed))\b",
    r"\b(?:deliver|delivery|deliveries|delivered|package|packages|parcel|parcels|shipment|shipments|shipping|shipped|courier|carrier|driver|pick-?up|picked|tracking|tracked|dispatch|dispatched|transit|doorstep|porch|packaging)\b",
    r"\b(?:refund|refunds|refunded|charge|charges|charged|double[- ]charged|billing|billed|bill|invoice|payment|payments|price|prices|pricing|priced|fee|fees|subscription|subscriptions|renewal|renew|renewed|trial|membership|gift ?card|credit|voucher|promo|discount|coupon|deposit|overdraft|balance|cvv|bank|statement|wallet|buyback|m\.r\.p|mrp)\b",
    r"\b(?:error|errors|crash|crashes|crashing|crashed|freeze|freezes|freezing|frozen|lag|lagging|slow|slowing|stuck|bug|bugs|glitch|glitches|broken|broke|damaged|damage|defective|faulty|dead|doa|not working|stopped working|won't (?:load|open|play|start|work|connect|charge|turn on|sync|update)|can't (?:log|sign|play|open|connect|access|download|add|find)|drain|draining|overheating|restarting|reboot|boot-?loop|outage|disconnect\w*|desync\w*|shuffle|offline|removed|deleted|disappear\w*|vanished|greyed|corrupt\w*)\b",
    r"\b(?:battery|screen|camera|keyboard|autocorrect|auto-?correct|bluetooth|wi-?fi|cellular|voicemail|calendar|contacts|photos|notifications?|control center|siri|icloud|itunes|app store|apple music|apple tv|apple watch|watchos|macbook|macbook pro|macbook air|imac|ipad|airpods|homepod|kindle|echo|alexa|fire tv|prime video|roku|smart tv|firestick|playstation|xbox|speaker|headphones|aux|adapter|charger|cable|invert|facetime|imessage|messages|albums?|playlists?|podcasts?|downloads?|downloaded|episodes?|season|movie|movies|film|films|game|games|book|books|unidays|student|family (?:account)|family members?|password|username|verification|2fa|two-factor|locked|hacked|fraud|fraudulent|unauthori[sz]ed|suspended|terminated|banned)\b",
    r"\b(?:flight|flights|booking|bookings|seat|seats|baggage|luggage|bag|bags|gate|boarding|cancell?ed|cancell?ation|reschedul\w*|rebook\w*|miles|points|lounge|check-?in|layover|connection|departure|itinerary|ticket|tickets)\b",
    r"\b(?:replacement|replace|exchange|warranty|repair|repaired|seller|listing|stock|out of stock|size|colou?r)\b",
)
# Words that name a purchase or a product in general: specific only when the complaint shares a word.
SPECIFIC_WEAK_TERMS = _any(
    r"\b(?:wait|waiting|waited|address|box|boxes|arrive|arrived|arrival|item|items|product|products|order|orders|ordered|purchase|purchased|bought|return|returns|returned|pay|paid|cost|costs)\b",
    r"\b(?:ios|macos|version|update|updated|updating|upgrade|upgraded|install|installed|reinstall\w*|app|apps|feature|setting|settings|watch|mac|prime)\b",
    r"\b(?:music|library|songs?|show|shows|title|titles|content|stream|streaming|video|premium|plan|card|account|login|log in|sign in)\b",
)
# Diagnostic or privacy template lines that mention those words without engaging with this case.
SPECIFIC_TEMPLATES = _any(
    r"\b(?:don'?t|do not|without|never|avoid) (?:provide|providing|post|posting|share|sharing|include|including|give|giving|disclose|disclosing)\b[^.!?]*",
    r"\b(?:which|what) (?:iphone|ipad|mac|device|model|phone|computer|version|ios|macos|os|operating system|spotify version|app version|browser)[^.!?]*",
    r"\b(?:your |the )?(?:exact |current )?(?:ios|macos|watchos|software|spotify|app) version\b[^.!?]*",
    r"\b(?:account's|account|your) (?:e-?mail|username|email address|user name|details)\b",
    r"\b(?:order|tracking|personal|account) (?:details|number|info|information)\b",
    r"\bvisible to (?:the )?public\b[^.!?]*",
    r"\bthe country you(?:'re| are) (?:located )?in\b",
    r"\bwe can help with any issues you(?:'re| are) having\b",
)

# Words too common in support talk to show that a reply engages with this complaint.
GENERIC_WORDS = frozenset(
    [
        "help",
        "helping",
        "helped",
        "hi",
        "hey",
        "hello",
        "thank",
        "thanks",
        "sorry",
        "apologies",
        "apologise",
        "apologize",
        "please",
        "kindly",
        "issue",
        "issues",
        "problem",
        "problems",
        "concern",
        "concerns",
        "trouble",
        "experience",
        "experiencing",
        "look",
        "looking",
        "know",
        "let",
        "like",
        "want",
        "need",
        "happy",
        "glad",
        "sure",
        "team",
        "support",
        "service",
        "customer",
        "customers",
        "dm",
        "message",
        "details",
        "info",
        "information",
        "link",
        "reach",
        "contact",
        "today",
        "time",
        "just",
        "really",
        "right",
        "way",
        "make",
        "get",
        "got",
        "going",
        "good",
        "great",
        "hear",
        "heard",
        "sounds",
        "feel",
        "understand",
        "frustration",
        "frustrating",
        "work",
        "working",
        "amazon",
        "apple",
        "spotify",
        "twitter",
        "tweet",
        "account",
        "im",
        "ive",
        "dont",
        "doesnt",
        "cant",
        "wont",
        "didnt",
        "youre",
    ]
)


# ---------------------------------------------------------------------------------------------
# Vectorised matching: pyarrow's RE2 kernels (linear time, ~100x faster than Python's re on these
# long alternations), one row per sentence, then counted back per reply with bincount.


def _contains(values: pa.Array, pattern: str) -> np.ndarray:
    hits = pc.match_substring_regex(values, pattern)
    return hits.to_numpy(zero_copy_only=False).astype(bool)


def _replace(values: pa.Array, pattern: str, replacement: str = " ") -> pa.Array:
    return pc.replace_substring_regex(values, pattern, replacement)


@dataclass
class _Sentences:
    """The sentences of n replies and, for each, the position of its reply."""

    text: pa.Array
    reply: np.ndarray
    n: int
    offsets: pa.Array

    def count(self, flags: np.ndarray) -> np.ndarray:
        """Per reply, how many of its sentences are flagged."""
        return np.bincount(self.reply, weights=flags.astype(float), minlength=self.n).astype(int)

    def join(self, values: pa.Array) -> pa.Array:
        """Per reply, its sentences (as changed in `values`) joined again, one per line."""
        lists = pa.LargeListArray.from_arrays(self.offsets, values)
        separator = pa.scalar("\n", type=values.type)
        return pc.binary_join(lists, separator)


def _split_sentences(lower: pa.Array) -> _Sentences:
    lists = pc.split_pattern(lower, "\n")
    text = pc.list_flatten(lists)
    reply = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    offsets = pa.array(np.asarray(lists.offsets) - np.asarray(lists.offsets)[0], type=pa.int64())
    return _Sentences(text=text, reply=reply, n=len(lower), offsets=offsets)


def _distinct_texts(texts: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Each text's code and the distinct texts the codes index (missing texts read as ""), in
    Arrow: `pd.factorize(texts.fillna("").astype(str))` without a Python string per text."""
    values = textlib.to_arrow(texts)  # one array, also for a column of several chunks
    encoded = pc.dictionary_encode(pc.fill_null(values, ""))
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary


def prepare(texts: pd.Series) -> pd.DataFrame:
    """Standalone replies (no messages table) through the text stage, `analysis.prepare`."""
    return prepare_lib.prepare_texts(texts)


def prepare_contexts(contexts: pd.Series | None, index: pd.Index) -> pd.Series:
    """The complaints replies answer, as the rules compare them: the text stage's masked text."""
    if contexts is None:
        return pd.Series("", index=index)
    contexts = contexts.reindex(index)
    return prepare_lib.prepare_texts(contexts, replies=False)["masked_text"]


# Replies whose complaint overlap is multiplied out at a time: the two stem matrices a product
# reads are a chunk's rows, not the whole run's.
OVERLAP_CHUNK_ROWS = 100_000
# Replies and complaints split into words and stemmed at a time: their words, positions and
# stems are a few arrays of a chunk's size; only the 0/1 stem matrix is the whole run's.
STEM_CHUNK_DOCUMENTS = 50_000


def _overlap_count(replies: pd.Series, contexts: pd.Series) -> np.ndarray:
    """Distinct content stems shared by each reply and its complaint (generic support words left
    out): each distinct reply and complaint tokenised and stemmed once, then a sparse product."""
    # Each distinct reply and complaint is tokenised once (templates repeat), rows index them.
    reply_codes, distinct_replies = _distinct_texts(replies)
    context_codes, distinct_contexts = _distinct_texts(contexts)
    return _shared_stem_count(reply_codes, distinct_replies, context_codes, distinct_contexts)


def _stem_matrix(documents: pa.ChunkedArray) -> csr_matrix:
    """Documents by content stems (generic support words left out), 1 where the document uses
    the stem: read `STEM_CHUNK_DOCUMENTS` documents at a time, the stems numbered as first met."""
    stem_id: dict[str, int] = {}
    stem_counts, stem_columns = [], []
    chunks = (
        part.slice(start, STEM_CHUNK_DOCUMENTS)
        for part in documents.chunks
        for start in range(0, len(part), STEM_CHUNK_DOCUMENTS)
    )
    generic = generic_stems()
    for chunk in chunks:
        # the chunk's own stem numbers, renumbered as the whole corpus first meets them
        document_of, code, vocabulary = textlib.content_stem_codes(chunk, OVERLAP_STOP_WORDS)
        column = np.fromiter(
            (-1 if s in generic else stem_id.setdefault(s, len(stem_id)) for s in vocabulary),
            dtype=np.int64,
            count=len(vocabulary),
        )[code]
        kept = column >= 0
        # One (document, stem) pair however often the document uses the stem, sorted by document
        # then stem: the rows of a canonical CSR matrix.
        width = max(len(stem_id), 1)
        pairs = np.sort(document_of[kept] * width + column[kept])
        pairs = pairs[np.append(True, pairs[1:] != pairs[:-1])[: len(pairs)]]  # np.unique hashes
        stem_counts.append(np.bincount(pairs // width, minlength=len(chunk)))
        stem_columns.append((pairs % width).astype(np.int32))
    columns = np.concatenate([np.zeros(0, dtype=np.int32), *stem_columns])
    stems_per_document = np.concatenate([np.zeros(0, dtype=np.int64), *stem_counts])
    indptr = np.append(0, np.cumsum(stems_per_document))
    return csr_matrix(
        (np.ones(len(columns)), columns, indptr), shape=(len(documents), len(stem_id))
    )


def _shared_stem_count(
    reply_codes: np.ndarray,
    distinct_replies: pa.Array | pa.ChunkedArray,
    context_codes: np.ndarray,
    distinct_contexts: pa.Array,
) -> np.ndarray:
    """`_overlap_count` of the rows whose reply and complaint are given by their codes into the
    distinct replies and complaints."""
    n = len(reply_codes)
    # the replies' and complaints' texts side by side, not copied into one array
    replies_chunks = getattr(distinct_replies, "chunks", [distinct_replies])
    stemmed = _stem_matrix(pa.chunked_array([*replies_chunks, distinct_contexts]))
    if stemmed.nnz == 0:
        return np.zeros(n, dtype=int)
    split = len(distinct_replies)
    reply_rows, context_rows = stemmed[:split], stemmed[split:]
    shared = np.empty(n, dtype=int)
    for start in range(0, n, OVERLAP_CHUNK_ROWS):
        rows = slice(start, start + OVERLAP_CHUNK_ROWS)
        both_use = reply_rows[reply_codes[rows]].multiply(context_rows[context_codes[rows]])
        shared[rows] = np.asarray(both_use.sum(axis=1)).ravel()
    return shared


@cache
def generic_stems() -> frozenset[str]:
    """The stems of GENERIC_WORDS (at first use: stemming imports NLTK, which pages never need)."""
    return frozenset(textlib.stem(w) for w in GENERIC_WORDS)


# One object, not a new union per call: the stemmer's cache compares it on every word.
OVERLAP_STOP_WORDS = textlib.STOP_WORDS | GENERIC_WORDS


def _clean(sentences: pa.Array, *patterns: str) -> pa.Array:
    for pattern in patterns:
        sentences = _replace(sentences, pattern)
    return sentences


# ---------------------------------------------------------------------------------------------
def rule_features(
    texts: pd.Series, contexts: pd.Series | None = None, prepared: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per reply, the count of cue sentences per label and the complaint overlap (all ints);
    `prepared` is `prepare(texts)` when already computed."""
    if prepared is None:
        prepared = prepare(texts)
    return features(prepared, prepare_contexts(contexts, prepared.index))


FEATURE_NAMES = (
    "sorry_cues",
    "appreciation_cues",
    "appreciation_closing_cues",
    "closing_after_request",
    "request_sentences",
    "moves_cues",
    "moves_hedged_cues",
    "timetable_cues",
    "resolution_cues",
    "specific_terms",
    "specific_weak_terms",
    "complaint_overlap",
    "has_context",
    "question_sentences",
    "sentence_count",
    "has_link",
    "name_cues",
)


def _sentence_cues(text: pa.Array) -> dict[str, np.ndarray | pa.Array]:
    """What each sentence says on its own (cue flags, and `specific_text`: the sentence without
    its privacy and diagnostic templates), whatever reply it is in."""
    hedged_text = _replace(text, MOVES_HEDGES, " <hedge> ")
    moves_hits = _contains(_clean(hedged_text, MOVES_NEGATED), MOVES_CUES)
    resolution_text = text
    for pattern, replacement in RESOLUTION_REWRITES:
        resolution_text = _replace(resolution_text, pattern, replacement)
    specific_text = _clean(text, SPECIFIC_TEMPLATES)
    closing_text = _replace(text, CLOSING_THANKS, " <closing> ")
    return {
        "hedged": _contains(hedged_text, "<hedge>"),
        "moves": moves_hits,
        "signed": _contains(text, r"^\s*[\^~*/-]\s?[a-z]+\.?\s*$"),
        "closing": _contains(closing_text, "<closing>"),
        "requested": _contains(_clean(closing_text, "<closing>"), REQUEST_CUES),
        "sorry": _contains(_clean(text, SORRY_NEGATED), SORRY_CUES),
        "closing_appreciation": _contains(
            _clean(closing_text, "<closing>", APPRECIATION_NEGATED), APPRECIATION_CUES
        ),
        "appreciation": _contains(_clean(text, APPRECIATION_NEGATED), APPRECIATION_CUES),
        "timetable": _contains(text, TIMETABLE_CUES),
        # a sentence that only sends the customer elsewhere (a ticket, a team) resolves nothing
        "resolution": (
            _contains(_clean(resolution_text, RESOLUTION_NEGATED), RESOLUTION_CUES)
            | _contains(resolution_text, RESOLUTION_LINKS)
        )
        & ~moves_hits,
        "specific": _contains(specific_text, SPECIFIC_TERMS),
        "specific_weak": _contains(specific_text, SPECIFIC_WEAK_TERMS),
        "question": _contains(text, r"\?"),
        "specific_text": specific_text,
    }


# Distinct sentences the patterns read at a time: each pattern's rewritten copy of the sentences
# is a chunk's size, not the whole run's.
CUE_CHUNK_SENTENCES = 100_000


def _chunked_sentence_cues(text: pa.Array) -> dict[str, np.ndarray | pa.Array]:
    """`_sentence_cues` of `text`, read `CUE_CHUNK_SENTENCES` sentences at a time."""
    parts = [
        _sentence_cues(text.slice(start, CUE_CHUNK_SENTENCES))
        # one (empty) chunk when there are no sentences, for the cues' types
        for start in range(0, max(len(text), 1), CUE_CHUNK_SENTENCES)
    ]
    return {
        name: pa.concat_arrays([part[name] for part in parts])
        if isinstance(values, pa.Array)
        else np.concatenate([part[name] for part in parts])
        for name, values in parts[0].items()
    }


def _text_features(texts: pa.Array) -> tuple[dict[str, np.ndarray], pa.Array]:
    """The features read from the reply's own sentences (not the complaint), per reply, and what
    the complaint overlap reads: the reply without its privacy and diagnostic templates."""
    sentences = _split_sentences(texts)
    # The patterns read each distinct sentence once: replies share their template lines.
    encoded = pc.dictionary_encode(sentences.text)
    which = encoded.indices.to_numpy(zero_copy_only=False)
    cues = {
        name: values.take(encoded.indices) if isinstance(values, pa.Array) else values[which]
        for name, values in _chunked_sentence_cues(encoded.dictionary).items()
    }
    # only a reply's last sentence closes it ("Thank you. Let's take a look ..." opens with thanks)
    # (or the one before a signature the text stage left on its own line, "^kartika")
    last = np.append(sentences.reply[1:] != sentences.reply[:-1], True)[: len(sentences.reply)]
    last = last | np.append((cues["signed"] & last)[1:], False)[: len(last)]
    closing = cues["closing"] & last
    requested = cues["requested"]
    same_reply = np.append(False, sentences.reply[1:] == sentences.reply[:-1])[: len(last)]
    previous_requested = np.append(False, requested[:-1])[: len(last)] & same_reply
    moves_hits, hedged = cues["moves"], cues["hedged"]
    columns = {
        "sorry_cues": sentences.count(cues["sorry"]),
        "appreciation_cues": sentences.count(
            np.where(last, cues["closing_appreciation"], cues["appreciation"])
        ),
        "appreciation_closing_cues": sentences.count(closing),
        # a closing thanks right after a request ("let us know. Thanks!") is thanks in advance
        "closing_after_request": sentences.count(closing & (requested | previous_requested)),
        "request_sentences": sentences.count(requested),
        "moves_cues": sentences.count(moves_hits & ~hedged),
        "moves_hedged_cues": sentences.count(moves_hits & hedged),
        "timetable_cues": sentences.count(cues["timetable"]),
        "resolution_cues": sentences.count(cues["resolution"]),
        "specific_terms": sentences.count(cues["specific"]),
        "specific_weak_terms": sentences.count(cues["specific_weak"]),
        "question_sentences": sentences.count(cues["question"]),
        "sentence_count": sentences.count(np.ones(len(sentences.text), dtype=bool)),
        "has_link": _contains(texts, "<url>").astype(int),
    }
    return columns, sentences.join(cues["specific_text"])


# Distinct replies read at a time: their sentences, the distinct ones and their cues are a few
# arrays of a chunk's size, not the whole run's.
TEXT_CHUNK_REPLIES = 100_000


def _chunked_text_features(texts: pa.Array) -> tuple[dict[str, np.ndarray], pa.ChunkedArray]:
    """`_text_features` of `texts`, read `TEXT_CHUNK_REPLIES` replies at a time (the overlap
    texts stay the chunks' own arrays)."""
    parts = [
        _text_features(texts.slice(start, TEXT_CHUNK_REPLIES))
        # one (empty) chunk when there are no replies, for the features' types
        for start in range(0, max(len(texts), 1), TEXT_CHUNK_REPLIES)
    ]
    columns = {name: np.concatenate([part[name] for part, _ in parts]) for name in parts[0][0]}
    return columns, pa.chunked_array([overlap_text for _, overlap_text in parts])


def features(prepared: pd.DataFrame, context_text: pd.Series) -> pd.DataFrame:
    """The rule features of prepared replies (`analysis.prepare` columns `sentences` and
    `addressed_name`) and the prepared complaints they answer (`masked_text`), index aligned.

    The patterns run once per distinct reply text (templates repeat: a brand's canned lines are
    read once however often they were sent); only the complaint overlap is per reply."""
    # The texts stay in Arrow throughout: a Python string per reply is gigabytes at full scale.
    codes, distinct = _distinct_texts(prepared["sentences"])
    own, overlap_text = _chunked_text_features(distinct)
    context_codes, distinct_contexts = _distinct_texts(context_text)
    columns = {name: values[codes] for name, values in own.items()}
    columns["complaint_overlap"] = _shared_stem_count(
        codes, overlap_text, context_codes, distinct_contexts
    )
    context_text = context_text.fillna("").astype(str)
    columns["has_context"] = (context_text.str.strip() != "").to_numpy(dtype=int)
    columns["name_cues"] = prepared["addressed_name"].notna().to_numpy(dtype=int)
    return pd.DataFrame({name: columns[name] for name in FEATURE_NAMES}, index=prepared.index)


def labels_from_features(features: pd.DataFrame) -> pd.DataFrame:
    """The rule labeller's 0/1 decision per label from `rule_features`."""
    f = features
    # Real replies often pick up one word of the complaint ("the photos still save on the
    # iPhone"): one shared content word is enough.
    specifics = (f["specific_terms"] > 0) | (f["complaint_overlap"] >= 1)
    out = pd.DataFrame(
        {
            "moves_channel": f["moves_cues"] > 0,
            "acknowledges_specifics": specifics,
            "shows_appreciation": (f["appreciation_cues"] > 0)
            | ((f["appreciation_closing_cues"] > 0) & (f["closing_after_request"] == 0)),
            "shares_resolution_or_timetable": (f["timetable_cues"] > 0)
            | (f["resolution_cues"] > 0),
            "says_sorry": f["sorry_cues"] > 0,
            "addresses_by_name": f["name_cues"] > 0,
        },
        index=features.index,
    )
    return out.astype(int)
