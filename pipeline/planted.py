"""Planted features: synthetic features over a pack's corpus whose activation is a known rule.

Each planted feature fires where a plain rule says (a set of words, a word in a context, a
position in a line or sentence), with activations varied a little per token so they read
like a real feature's. Their records come from the same scanner as real features
(`pipeline.records.scan_activations`), so top, quantile and random records, held-out and
unseen flags look exactly like a real feature's. Each carries its true explanation, written as
a careful player would write it from the clues, and three decoys that share its words but are
wrong about what fires: gold puzzles for players and a check on the scorers.

Words are read the way the byte-level tokenizer splits text: a word is a run of letter tokens.
A token of letters (after at most one leading space) starts a word when it has the space or
follows a token that is not letters; one with no space right after a letter token continues
that word. A rule that names "a word" fires on every token of the word unless its "part" says
first or last token only (as real features often do; it also keeps long names from counting
many times).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from .records import (
    KIND_QUANTILE,
    KIND_RANDOM,
    KIND_TOP,
    RecordConfig,
    scan_activations,
)
from .tokenizer import BOS_ID

KINDS = ("token", "context", "position")
# A planted feature must fire on at least this many tokens and at most this share of them.
MIN_FIRING = 200
MAX_FRACTION = 0.05
# Activations lie in [LOW, 1] x the feature's scale, most of them low and a few near the top,
# as a real feature's are (heavy-tailed): its quantile examples then fill every bin, as a real
# feature's do, instead of only the strongest ones giving the planted feature away.
LOW = 0.05
SKEW = 2.0
_KIND_NAMES = {KIND_TOP: "top", KIND_QUANTILE: "quantile", KIND_RANDOM: "random"}
# Brackets across more tokens than this are unbalanced text, not an aside.
MAX_BRACKET_SPAN = 40


@dataclass(frozen=True)
class PlantedRecord:
    token_ids: np.ndarray  # int32
    values: np.ndarray  # float32, same length (activation per token)
    kind: str  # "top" | "quantile" | "random"
    rank: int
    quantile_bin: int | None
    held_out: bool  # kept from clues for scoring
    unseen: bool  # kept from clues and scoring
    duplicates: int
    start: int = 0  # position of the first token in the corpus


@dataclass(frozen=True)
class Planted:
    key: str
    kind: str
    rule: dict
    explanation: str
    decoys: tuple[str, ...]
    max_activation: float
    frac_nonzero: float
    records: tuple[PlantedRecord, ...]


@dataclass(frozen=True)
class Candidate:
    """A rule with its explanations, before it is known to fire often enough."""

    key: str
    kind: str
    rule: dict
    explanation: str
    decoys: tuple[str, str, str]


# ---- reading the token stream ------------------------------------------------------------

class Stream:
    """Word, line and sentence structure of a token stream, computed once per corpus."""

    def __init__(self, tokens: np.ndarray, doc_starts: np.ndarray, vocab: list[str]):
        self.tokens = t = np.asarray(tokens, dtype=np.int64)
        self.vocab = vocab
        self.n = len(t)
        self.doc_starts = np.asarray(doc_starts, dtype=np.int64)
        self.stripped = [s.strip() for s in vocab]
        bos = np.zeros(self.n, dtype=bool)
        bos[self.doc_starts] = True
        self.bos = bos | (t == BOS_ID)
        self.doc = np.cumsum(self.bos)
        text = ~self.bos
        # Per vocabulary id, then per position.
        lead = np.array([len(s) > 1 and s[0] == " " and s[1:].isalpha() for s in vocab])
        letters = np.array([s.isalpha() for s in vocab]) | lead
        self.lead = lead[t] & text
        self.letters = letters[t] & text
        # A letter token with no space after another letter token goes on the same word.
        self.cont = self.letters & ~self.lead & np.r_[False, self.letters[:-1]]
        self.word_start = self.letters & ~self.cont
        self.in_word = self.letters
        self.word_end = self.in_word & ~np.r_[self.cont[1:], False]
        idx = np.where(self.word_start, np.arange(self.n), -1)
        self.start_of = np.maximum.accumulate(idx)  # the word start at or before each position
        self.space = np.array([s != "" and s.strip() == "" for s in vocab])[t] & text
        self.newline = np.array([s.strip() == "" and "\n" in s for s in vocab])[t] & text
        # Tokens that begin with whitespace: a gap before them.
        self.gap = np.array([s[:1].isspace() for s in vocab])[t] & text
        self.upper = np.array([s[:1].isupper() for s in self.stripped])[t] & text

    def bos_before(self) -> np.ndarray:
        """Positions right after a document's BOS (the first token of a document)."""
        return np.r_[False, self.bos[:-1]]

    def text_is(self, texts: set[str]) -> np.ndarray:
        """Positions whose token, stripped, is one of `texts` (case kept)."""
        return np.array([s in texts for s in self.stripped])[self.tokens] & ~self.bos

    def raw_is(self, texts: set[str]) -> np.ndarray:
        """Positions whose token is exactly one of `texts` (leading space included)."""
        return np.array([s in texts for s in self.vocab])[self.tokens] & ~self.bos

    @cached_property
    def raw_words(self) -> dict[int, str]:
        """Each word start -> the whole word as written."""
        starts = np.flatnonzero(self.word_start)
        ends = np.flatnonzero(self.word_end) + 1
        toks, v = self.tokens, self.vocab
        return {int(s): "".join(v[i] for i in toks[s:e]).strip() for s, e in zip(starts, ends)}

    def word_matches(self, words: set[str], case_sensitive: bool = False) -> np.ndarray:
        """Word starts whose whole word is in `words` (lower-cased unless `case_sensitive`)."""
        out = np.zeros(self.n, dtype=bool)
        for s, w in self.raw_words.items():
            if (w if case_sensitive else w.lower()) in words:
                out[s] = True
        return out

    def whole_word(self, starts: np.ndarray) -> np.ndarray:
        """Every token of the words that begin at the marked starts."""
        return self.in_word & starts[np.maximum(self.start_of, 0)] & (self.start_of >= 0)

    def word_of_end(self, ends: np.ndarray) -> np.ndarray:
        """Every token of the words that end at the marked positions."""
        starts = np.zeros(self.n, dtype=bool)
        starts[self.start_of[ends & self.in_word]] = True
        return self.whole_word(starts)

    def end_of_start(self, starts: np.ndarray) -> np.ndarray:
        """The last token of the words that begin at the marked starts."""
        return self.whole_word(starts) & self.word_end

    def shift(self, mask: np.ndarray, k: int) -> np.ndarray:
        """out[p] = mask[p - k] (k > 0 looks back, k < 0 ahead), False across a document start
        or past either end of the stream."""
        out = np.zeros(self.n, dtype=bool)
        if k > 0:
            out[k:] = mask[:-k] & (self.doc[k:] == self.doc[:-k])
        elif k < 0:
            out[:k] = mask[-k:] & (self.doc[:k] == self.doc[-k:])
        else:
            out[:] = mask
        return out

    def stream_end(self, k: int) -> np.ndarray:
        """Positions p where p + k is past the end of p's document."""
        nxt = np.arange(self.n) + k
        return (nxt >= self.n) | (self.doc[np.minimum(nxt, self.n - 1)] != self.doc)

    @cached_property
    def line_start(self) -> np.ndarray:
        """Word starts that are the first token of a line (or of a document)."""
        before = self.shift(self.newline, 1) | self.bos_before()
        return self.word_start & before

    def gap_then(self, mark: np.ndarray) -> np.ndarray:
        """Word starts right after `mark` and whitespace: " word" after it, or a space token between."""
        direct = self.lead & self.shift(mark, 1)
        spaced = self.word_start & self.shift(self.space, 1) & self.shift(mark, 2)
        return self.word_start & (direct | spaced)

    def ends_before(self, mark: np.ndarray) -> np.ndarray:
        """Word ends directly followed by `mark` and then by whitespace or the document's end,
        so that "os.path" or "1,000" do not count."""
        then_gap = self.shift(self.gap, -2) | self.stream_end(2)
        return self.word_end & self.shift(mark, -1) & then_gap

    def sentence_start(self, marks: frozenset[str] = frozenset({"."})) -> np.ndarray:
        """Capitalised word starts right after a sentence mark and whitespace."""
        return self.gap_then(self.raw_is(set(marks))) & self.upper


# ---- rules ---------------------------------------------------------------------------------

def _inside_brackets(s: Stream) -> np.ndarray:
    opens = s.text_is({"("})
    closes = s.text_is({")", ").", "),", ");", "):", ".)"})
    out = np.zeros(s.n, dtype=bool)
    stack: list[int] = []
    for p in np.flatnonzero(opens | closes):
        if opens[p]:
            stack.append(int(p))
        elif stack:
            o = stack.pop()
            if p - o <= MAX_BRACKET_SPAN and s.doc[o] == s.doc[p]:
                out[o + 1:p] = True
    return out & s.in_word


def _capitalised_mid_sentence(s: Stream) -> np.ndarray:
    # Right after a word, with a space: inside a running sentence. Capitals after a comma are
    # often a new clause in verse; words in capitals (LORD, FTP) are emphasis or acronyms.
    shouted = np.zeros(s.n, dtype=bool)
    for p, w in s.raw_words.items():
        if len(w) > 1 and w.isupper():
            shouted[p] = True
    named = s.word_start & s.lead & s.upper & ~s.text_is({"I"}) & ~shouted & s.shift(s.in_word, 1)
    return s.whole_word(named)


def _after_open_quote(s: Stream) -> np.ndarray:
    opening = s.raw_is({' "'}) | (s.raw_is({'"'}) & (s.shift(s.space | s.newline, 1) | s.bos_before()))
    return s.whole_word(s.word_start & ~s.lead & s.shift(opening, 1))


def _nth_word_of_sentence(s: Stream, n: int) -> np.ndarray:
    starts = s.sentence_start() | (s.word_start & s.bos_before())
    for _ in range(n - 1):
        # The next word directly after the previous one's end, with only a space between.
        starts = s.word_start & s.lead & s.shift(s.end_of_start(starts), 1)
    return s.whole_word(starts)


def _after_dash_line(s: Stream) -> np.ndarray:
    """Capitalised words after a double dash that opens a line, up to the line's end: the
    author under a quotation."""
    dash = s.text_is({"--"}) & (s.shift(s.newline, 1) | s.bos_before())
    out = np.zeros(s.n, dtype=bool)
    for p in np.flatnonzero(dash):
        q = p + 1
        while q < s.n and not s.newline[q] and not s.bos[q]:
            q += 1
        out[p + 1:q] = True
    return s.whole_word(out & s.word_start & s.upper)


def rule_mask(rule: dict, stream: Stream) -> np.ndarray:
    """Where the rule fires: bool[n_tokens] (never on a BOS token). A rule's "part" says which
    tokens of each word it fires on: "word" (all, the default), "first" or "last"."""
    s = stream
    kind = rule["type"]
    if kind == "words":
        hit = s.whole_word(s.word_matches(set(rule["words"])))
    elif kind == "after":
        trigger = s.word_matches(set(rule["words"]), rule.get("case_sensitive", False))
        trigger_end = s.end_of_start(trigger)
        hit = s.whole_word(s.word_start & s.lead & s.shift(trigger_end, 1))
    elif kind == "before":
        trigger = s.word_matches(set(rule["words"]), rule.get("case_sensitive", False))
        hit = s.word_of_end(s.word_end & s.shift(trigger & s.lead, -1))
    elif kind == "capitalised_mid_sentence":
        hit = _capitalised_mid_sentence(s)
    elif kind == "after_open_quote":
        hit = _after_open_quote(s)
    elif kind == "line_start":
        hit = s.whole_word(s.line_start)
    elif kind == "line_end":
        punct = s.text_is({".", ",", ";", ":", "!", "?"})
        nl = s.newline
        ends = s.word_end & (s.shift(nl, -1) | (s.shift(punct, -1) & s.shift(nl, -2)))
        hit = s.word_of_end(ends)
    elif kind == "before_mark":
        hit = s.word_of_end(s.ends_before(s.raw_is(set(rule["marks"]))))
    elif kind == "after_mark":
        starts = s.gap_then(s.raw_is(set(rule["marks"])))
        if rule.get("capitalised"):
            starts &= s.upper
        hit = s.whole_word(starts)
    elif kind == "inside_brackets":
        hit = _inside_brackets(s)
    elif kind == "nth_word_of_sentence":
        hit = _nth_word_of_sentence(s, int(rule["n"]))
    elif kind == "after_dash_line":
        hit = _after_dash_line(s)
    else:
        raise ValueError(f"unknown planted rule type {kind!r}")
    # Some rules fire on one token of each word only, as real features often do.
    part = rule.get("part", "word")
    if part == "first":
        hit = hit & s.word_start
    elif part == "last":
        hit = hit & s.word_end
    elif part != "word":
        raise ValueError(f"unknown part {part!r} of a planted rule")
    return hit & ~s.bos


def activations(mask: np.ndarray, tokens: np.ndarray, key: str, seed: int, vocab_size: int) -> np.ndarray:
    """float32 activations: zero off the rule, else the feature's scale x a factor in [LOW, 1]
    that mixes a per-word-type preference with per-occurrence noise (as a real feature's does),
    raised to SKEW so that most are low and few are strong."""
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    scale = float(rng.uniform(2.0, 8.0))
    by_type = rng.random(vocab_size)
    by_place = rng.random(len(tokens))
    factor = LOW + (1 - LOW) * (0.3 * by_type[tokens] + 0.7 * by_place) ** SKEW
    return np.where(mask, scale * factor, 0.0).astype(np.float32)


# ---- the planted features ------------------------------------------------------------------

def _c(key: str, rule: dict, explanation: str, *decoys: str) -> Candidate:
    kind = key.split("/")[0]
    assert kind in KINDS and len(decoys) == 3, key
    return Candidate(key, kind, rule, explanation, tuple(decoys))


def _words(text: str) -> dict:
    return {"type": "words", "words": sorted(set(text.split()))}


CANDIDATES: tuple[Candidate, ...] = (
    # Sets of words forming a concept. Decoys: the word before them, a neighbouring concept.
    _c("token/family", _words(
        "father fathers mother mothers son sons daughter daughters brother brothers brethren sister sisters "
        "wife wives husband husbands child children uncle aunt parent parents grandfather grandmother "
        "cousin nephew niece grandson granddaughter"),
       "Words naming family members, such as father, mother, brother, son and wife",
       "The word just before a family member, such as his in his father or my in my son",
       "Words naming people in general, such as man, woman, men and people",
       "Words about the family home, such as house, household and home"),
    _c("token/body", _words(
        "hand hands head heads eye eyes heart hearts face faces mouth mouths feet foot ear ears hair neck "
        "arm lips tongue tongues skin bones bone brain leg legs nose finger fingers teeth tooth shoulder "
        "shoulders knees knee belly thigh breast bosom"),
       "Words naming parts of the body, such as hand, head, eyes, heart and feet",
       "Actions done with the body, such as touch, walk, see, hold and speak",
       "The word just before a body part, such as his in his hand or the in the head",
       "Words for sickness and pain, such as sick, hurt, wound and disease"),
    _c("token/number-words", _words(
        "two three four five six seven eight nine ten eleven twelve thirteen fifteen twenty thirty forty "
        "fifty sixty seventy eighty ninety hundred thousand million hundreds thousands zero"),
       "Numbers written out as words, such as two, three, seven, ten and hundred",
       "The thing being counted, the noun right after a number, such as days in seven days",
       "Words for amounts, such as many, few, all, several and much",
       "Ordinal words for places in a row, such as first, second, third and last"),
    _c("token/colours", _words(
        "white red blue black green yellow purple scarlet brown grey gray pink crimson orange golden violet"),
       "Colour words, such as white, red, blue, black and green",
       "The thing that has a colour, the noun right after a colour word, such as horse in white horse",
       "Words about light and darkness, such as light, dark, bright and shine",
       "Words for paint, dye and ink used to colour things"),
    _c("token/animals", _words(
        "sheep cattle horse horses dog dogs cat cats beast beasts fish fishes bird birds lamb lambs ass asses "
        "ox oxen bull bulls bullock bullocks goat goats lion lions camel camels serpent serpents fowl fowls "
        "cow cows wolf wolves eagle eagles mouse mice rat rats pig pigs swine deer ram rams calf snake "
        "snakes fox foxes duck chicken hen flea monkey rabbit elephant"),
       "Words naming animals, such as sheep, horse, dog, lion and bird",
       "Words for farm work and herding, such as field, shepherd, flock and pasture",
       "The word just before an animal, such as the in the sheep or a in a horse",
       "Words for meat and eating, such as meat, flesh, eat and feast"),
    _c("token/time", _words(
        "day days night nights morning mornings evening evenings year years month months week weeks hour "
        "hours today tomorrow yesterday noon moment moments season seasons minute minutes midnight dawn "
        "sunrise sunset"),
       "Words for times and periods of time, such as day, night, morning, year and hour",
       "The number of a time, the word before a time word, such as seven in seven days",
       "Words about old age and the past, such as old, ancient, ago and former",
       "Words for the sun, moon and stars in the sky"),
    _c("token/rulers", _words(
        "king kings prince princes queen queens ruler rulers governor governors emperor emperors master "
        "masters chief chiefs captain captains pharaoh duke dukes monarch tyrant"),
       "Words for rulers and people in power, such as king, prince, queen, master and chief",
       "Words for servants and slaves, the people who serve a king",
       "Words for kingdoms, thrones and crowns, the things a king rules with",
       "The names of kings, such as David, Saul and Solomon"),
    _c("token/emotions", _words(
        "love fear joy anger hope hate wrath pleasure desire shame sorrow sorrows grief happiness happy sad "
        "glad afraid angry fury jealousy pride envy delight gladness rage lonely anxious"),
       "Words for feelings, such as love, fear, joy, anger and hope",
       "Words for the heart and mind, where feelings live, such as heart, soul and mind",
       "The word just before a feeling, such as with in with joy or for in for fear",
       "Words for thinking and knowing, such as think, know, believe and understand"),
    _c("token/weather", _words(
        "rain rains wind winds cloud clouds cold heat weather storm storms snow ice hot thunder lightning "
        "hail frost dew fog mist tempest whirlwind drought sunshine"),
       "Words about the weather, such as rain, wind, cloud, snow and storm",
       "Words for the sky and the heavens, such as heaven, sky, stars and moon",
       "Words for water, such as sea, river, waters and flood",
       "Words for the seasons of the year, such as summer, winter and spring"),
    _c("token/metals", _words(
        "gold silver brass iron copper bronze tin jewels jewel pearls pearl precious diamonds diamond rubies "
        "ruby gems gem sapphire emerald"),
       "Metals and precious things, such as gold, silver, brass, iron and jewels",
       "Words for money and wealth, such as money, riches, treasure and price",
       "Things made of metal, such as swords, vessels, chains and coins",
       "The word just before a metal, such as of in of gold or and in and silver"),
    _c("token/food", _words(
        "bread wine meat fruit fruits oil corn food milk honey beer cheese apple apples butter flour figs "
        "grapes cake cakes pie eggs egg bacon pizza coffee tea soup"),
       "Food and drink, such as bread, wine, meat, milk and honey",
       "Words for eating and drinking, such as eat, drink, feast and hungry",
       "Words for plants and farming, such as field, seed, tree and harvest",
       "The word just before a food, such as of in of bread or and in and wine"),
    # Not "set": in this corpus it is mostly the verb (set up, set before them).
    _c("token/data-types", _words(
        "string strings list lists tuple tuples dict dictionary dictionaries int integer integers float "
        "floats bytes bool boolean array arrays str sequence sequences frozenset"),
       "Names of Python data types, such as string, list, tuple, dictionary and integer",
       "Words for functions and methods, such as function, method, call and return",
       "Words for files and folders, such as file, path, directory and name",
       "Words for values in general, such as value, object, item and element"),
    # Not "bow": mostly bow down. Not "bear" among the animals, nor "fly": mostly verbs here too.
    _c("token/weapons", _words(
        "sword swords spear spears arrow arrows shield shields gun guns knife knives dagger weapon "
        "weapons axe bullet bullets bomb bombs"),
       "Weapons, such as sword, spear, shield, gun and knife",
       "Words for battle and war, such as war, battle, fight and enemy",
       "Words for soldiers and armies, such as soldier, army, host and men of war",
       "The word just before a weapon, such as the in the sword or his in his spear"),

    # A word in a context. Decoys: the trigger itself, the word on its other side, the same
    # kind of words anywhere. Examples name the words that fire most, as a player would.
    _c("context/after-possessive", {"type": "after", "words": ["my", "thy", "his"]},
       "The thing someone owns, the word right after my, thy or his, such as father, name, hand or heart",
       "The words my, thy and his themselves, showing who owns something",
       "The word right before my, thy or his, such as unto or upon in unto my",
       "Words for family members and body parts, such as father, son, hand and heart, wherever they appear"),
    _c("context/after-of", {"type": "after", "words": ["of"]},
       "The word right after of, usually the, a, his or a name, as in of the land or of Israel",
       "The word of itself, linking two nouns",
       "The noun right before of, such as house, son or part, as in house of God",
       "The word right after in or on, naming a place"),
    _c("context/after-shall-will", {"type": "after", "words": ["shall", "will"]},
       "The verb right after shall or will, most often be, come, bring or make: what is going to happen",
       "The words shall and will themselves, marking the future",
       "The one who shall or will do something, the word right before them, such as he, ye or I",
       "Verbs in the past tense, such as said, came, went and was"),
    _c("context/capitalised-name", {"type": "capitalised_mid_sentence", "part": "first"},
       "Capitalised names in the middle of a sentence, such as God, Israel, David, Moses and Python",
       "The first word of a sentence, which starts with a capital letter, such as And or The",
       "The word right before a name, such as of in son of David or unto in unto Moses",
       "Ordinary lower-case nouns in the middle of a sentence, such as house, land and water"),
    _c("context/after-not", {"type": "after", "words": ["not"]},
       "The word right after not, such as be, the, to or a, as in shall not be or not to",
       "The word not itself and other negatives, such as no and never",
       "The word right before not, such as shall, is or do in shall not and is not",
       "Words with a bad meaning, such as evil, wrong, wicked and bad"),
    _c("context/after-a-an", {"type": "after", "words": ["a", "an"]},
       "The word right after a or an, such as man, new, great or string: the thing being introduced",
       "The articles a and an themselves",
       "The word right after the, such as LORD, land or people",
       "Plural nouns for many things, such as men, things, days and words"),
    _c("context/after-the", {"type": "after", "words": ["the"]},
       "The word right after the, such as LORD, land, people or house",
       "The word the itself",
       "The word right before the, such as of, in or to in of the and in the",
       "The word right after a or an, such as man or new"),
    _c("context/after-thou", {"type": "after", "words": ["thou"]},
       "The verb right after thou in old English, such as shalt, hast, art and didst",
       "The old words thou, thee and thy themselves, speaking to someone",
       "The verb right after I, such as am, have and will",
       "Old verbs ending in eth, such as saith, cometh and giveth"),
    _c("context/after-i", {"type": "after", "words": ["I"], "case_sensitive": True},
       "The verb right after I: what the speaker does or is, such as will, have, am or think",
       "The word I itself, the speaker talking about themselves",
       "The verb right after you, we or they, such as are and were",
       "The word right before I, such as and or that in and I or that I"),
    _c("context/after-to", {"type": "after", "words": ["to"]},
       "The word right after to, such as the, be, do or make, as in to be or to the",
       "The word to itself, showing direction or purpose",
       "The word right before to, such as unto, going or able in able to",
       "The word right after from, naming where something comes from"),
    _c("context/before-of", {"type": "before", "words": ["of"]},
       "The noun right before of, such as out, son, house, children or part, as in house of God",
       "The word right after of, such as the, his or Israel",
       "The word of itself, linking two nouns",
       "Words naming a part or a kind, such as part, kind, piece and number, wherever they appear"),
    _c("context/after-very", {"type": "after", "words": ["very", "too", "quite", "extremely", "really"]},
       "The describing word right after very, too or quite, such as much, great, good or many",
       "The words very, too and quite themselves, making something stronger",
       "The word right before very or too, such as is in is very",
       "Describing words such as good, great, big and much, wherever they appear"),

    # A place in a line or sentence. Decoys: other places, the punctuation itself.
    _c("position/line-start", {"type": "line_start", "part": "first"},
       "The first word of each line, right after a line break, such as The, A, I, If or And",
       "The last word of each line, right before the line break, such as the, of or to",
       "The line breaks themselves, where a new line begins",
       "The first word of a new sentence after a full stop, such as And or The"),
    _c("position/line-end", {"type": "line_end"},
       "The last word of each line, right before the line break, such as the, of, to or and",
       "The first word of each line, right after a line break, such as The, A or If",
       "Punctuation at the end of a line, such as full stops and commas",
       "The line breaks themselves, where a line ends"),
    _c("position/before-full-stop", {"type": "before_mark", "marks": ["."]},
       "The last word of a sentence, right before the full stop, often it, him, them or me",
       "The full stops that end sentences",
       "The first word of a sentence, right after a full stop, such as And or The",
       "The last word before a comma, such as said or saying"),
    _c("position/sentence-start", {"type": "after_mark", "marks": ["."], "capitalised": True},
       "The first word of a new sentence, right after a full stop, such as And, The, If, For or But",
       "The full stop that ends the sentence before",
       "The last word of a sentence, right before the full stop, such as it or him",
       "Capitalised names in the middle of a sentence, such as God and Israel"),
    _c("position/inside-brackets", {"type": "inside_brackets"},
       "Words inside round brackets, between an opening and a closing parenthesis",
       "The round brackets themselves, opening and closing parentheses",
       "The word right before an opening bracket, such as a function name",
       "Words inside double quotes, between the quotation marks"),
    _c("position/before-comma", {"type": "before_mark", "marks": [","], "part": "last"},
       "The word right before a comma, such as him, said, them, saying or LORD",
       "The commas themselves",
       "The first word after a comma, such as and, but or that",
       "The last word of a sentence, right before the full stop"),
    _c("position/after-comma", {"type": "after_mark", "marks": [","]},
       "The first word after a comma, most often and, but, that or which",
       "The commas themselves",
       "The word right before a comma, such as him, said or them",
       "The first word of a sentence after a full stop, such as And or The"),
    _c("position/second-word", {"type": "nth_word_of_sentence", "n": 2},
       "The second word of a sentence, right after its first word, such as the, is, he or they",
       "The first word of a sentence, such as And, The or If",
       "The last word of a sentence, right before the full stop",
       "The full stops between sentences"),
    _c("position/before-colon", {"type": "before_mark", "marks": [":"]},
       "The word right before a colon, such as the word being defined at the start of a definition",
       "The colons themselves",
       "The first word right after a colon, where the definition begins",
       "The last word before a semicolon"),
    _c("position/after-open-quote", {"type": "after_open_quote"},
       "The first word of a quotation, right after the opening double quote, such as the, a, The, he or I",
       "The double quotation marks themselves",
       "The last word of a quotation, right before the closing quote",
       "The first word of each line, right after a line break"),
    _c("position/question-end", {"type": "before_mark", "marks": ["?"]},
       "The last word of a question, right before the question mark, such as thee, me, it or you",
       "The question marks themselves",
       "The first word of a question, such as what, why or how",
       "The last word of a sentence, right before the full stop"),
    _c("position/attribution", {"type": "after_dash_line"},
       "The author and source named after the dash under a quotation, such as Mark Twain or The Devil's Dictionary",
       "The dashes that come before an author's name",
       "The first word of a quotation, right after the opening quote",
       "Names of people in the middle of a sentence, such as David or Moses"),
)


def _records(arrays: dict[str, np.ndarray], f: int, tokens: np.ndarray) -> tuple[PlantedRecord, ...]:
    out = []
    for r in np.flatnonzero(arrays["rec_feature"] == f):
        s, n = int(arrays["rec_start"][r]), int(arrays["rec_length"][r])
        values = np.zeros(n, dtype=np.float32)
        a, b = arrays["rec_nz_ptr"][r], arrays["rec_nz_ptr"][r + 1]
        values[arrays["nz_pos"][a:b]] = arrays["nz_val"][a:b]
        qbin = int(arrays["rec_bin"][r])
        out.append(PlantedRecord(
            token_ids=np.asarray(tokens[s:s + n], dtype=np.int32), values=values,
            kind=_KIND_NAMES[int(arrays["rec_kind"][r])], rank=int(arrays["rec_rank"][r]),
            quantile_bin=qbin if qbin >= 0 else None, held_out=bool(arrays["rec_held_out"][r]),
            unseen=bool(arrays["rec_unseen"][r]), duplicates=int(arrays["rec_duplicates"][r]), start=s,
        ))
    return tuple(out)


def plant_features(tokens: np.ndarray, doc_starts: np.ndarray, vocab: list[str], *, seed: int = 0,
                   candidates: tuple[Candidate, ...] = CANDIDATES, min_firing: int = MIN_FIRING,
                   max_fraction: float = MAX_FRACTION, cfg: RecordConfig = RecordConfig()) -> list[Planted]:
    """Deterministic for a given corpus and seed. Candidates that fire on fewer than
    `min_firing` tokens or more than `max_fraction` of the text tokens are left out."""
    tokens = np.asarray(tokens, dtype=np.int32)
    stream = Stream(tokens, doc_starts, vocab)
    n_text = max(1, int((~stream.bos).sum()))
    kept: list[tuple[Candidate, np.ndarray]] = []
    for cand in candidates:
        mask = rule_mask(cand.rule, stream)
        count = int(mask.sum())
        if min_firing <= count <= max_fraction * n_text:
            kept.append((cand, activations(mask, tokens, cand.key, seed, len(vocab))))
    if not kept:
        return []
    acts = torch.from_numpy(np.stack([a for _, a in kept], axis=1))
    arrays = scan_activations(acts, tokens, stream.doc_starts, cfg, seed=seed)
    return [
        Planted(key=c.key, kind=c.kind, rule=c.rule, explanation=c.explanation, decoys=c.decoys,
                max_activation=float(arrays["max_activation"][f]), frac_nonzero=float(arrays["frac_nonzero"][f]),
                records=_records(arrays, f, tokens))
        for f, (c, _) in enumerate(kept)
    ]


def load_demo_corpus(pack_dir: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """tokens, doc_starts, vocab of a pack. Packs do not store document starts: every document
    begins with the BOS token, which occurs nowhere else."""
    pack_dir = Path(pack_dir)
    tokens = np.asarray(np.load(pack_dir / "corpus_tokens.npy"), dtype=np.int32)
    vocab = json.loads((pack_dir / "vocab.json").read_text())
    return tokens, np.flatnonzero(tokens == BOS_ID).astype(np.int64), vocab
