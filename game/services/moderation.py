"""Content checks: profanity in explanations and activation texts. (Reports and moderators'
actions are the `moderation` app's.)

A record's text is checked once, when it is imported (`game.importer`), and stored as
`ActivationRecord.explicit`; serving a clue reads the flag. After moderators change the word
list, `records_recheck_explicit` (`manage.py recheck_explicit`) decides the flags again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.db import transaction

from accounts import profanity
from game.clues import clues_forget
from game.models import ActivationRecord, Source

RECHECK_BATCH = 1000
# Distinct texts remembered by one import or recheck (a pack's windows overlap and repeat).
TEXTS_REMEMBERED = 100_000


def contains_profanity(text: str) -> bool:
    # One word list for usernames and texts: better-profanity's plus the moderators' blocked words.
    return profanity.contains_profanity(text)


# Words the player word list refuses that are ordinary in the demo's texts (scripture, proverbs,
# dictionary entries, old satire): marking a clue explicit for "god", "kill" or "womb" hid one clue
# in eight, nearly all of them verses ("ass" is mostly the animal there). They stay refused in usernames and explanations.
ORDINARY_IN_CLUES = frozenset({
    "god", "gods", "kill", "killed", "killing", "murder", "fat", "stupid", "hell", "organ", "naked", "woody",
    "thrust", "drunk", "drunken", "loins", "ugly", "strip", "bondage", "womb", "sodom", "vulgar", "pot",
    "virgin", "virgins", "leper", "lepers", "pawn", "dummy", "lust", "scum", "jerk", "queer", "idiot", "fool",
    "bloody", "blow", "ass", "asses",
    # Common senses that are not sexual: tools, shapes, birds, faces, needles, insults.
    "slope", "facial", "screw", "screwed", "stroke", "prick", "pricked", "cock", "suck", "sucking", "gay", "gaily",
    "moron", "slave", "slaves", "tawdry", "whiz", "wang", "poop", "spac", "fingering", "dick", "pissed",
})


def explicit_text_check() -> Callable[[str], bool]:
    """Whether a record's text is explicit, answering a text seen before from memory: the player
    word list (with the moderators' blocked words) less `ORDINARY_IN_CLUES`. Make one per import
    or recheck: the word list may change between runs."""
    from accounts.profanity import checker_without

    check = checker_without(ORDINARY_IN_CLUES)
    return lru_cache(maxsize=TEXTS_REMEMBERED)(check)


@dataclass
class ExplicitRecheck:
    checked: int = 0
    explicit: int = 0  # of those checked, explicit now
    changed: int = 0


def records_recheck_explicit(
    *, sources: Iterable[Source] | None = None, batch_size: int = RECHECK_BATCH,
    progress: Callable[[Source, int], None] | None = None,
) -> ExplicitRecheck:
    """Decide `explicit` again for every record of `sources` (all when None) with the current
    word list. Reads and writes `batch_size` records at a time, each batch in its own
    transaction, so a long recheck holds no lock for long and can be stopped and run again."""
    check = explicit_text_check()
    result = ExplicitRecheck()
    if sources is None:
        sources = Source.objects.select_related("model").order_by("pk")
    for source in sources:
        model = source.model
        records = ActivationRecord.objects.filter(feature__source=source).only("pk", "feature_id", "token_ids", "explicit")
        last_pk = 0
        while batch := list(records.filter(pk__gt=last_pk).order_by("pk")[:batch_size]):
            last_pk = batch[-1].pk
            now = {r.pk: check(r.text(model)) for r in batch}
            flip_on = [r.pk for r in batch if now[r.pk] and not r.explicit]
            flip_off = [r.pk for r in batch if r.explicit and not now[r.pk]]
            with transaction.atomic():
                if flip_on:
                    ActivationRecord.objects.filter(pk__in=flip_on).update(explicit=True)
                if flip_off:
                    ActivationRecord.objects.filter(pk__in=flip_off).update(explicit=False)
                if flip_on or flip_off:
                    # Their features' prepared clues hid (or showed) the old set.
                    clues_forget({r.feature_id for r in batch if r.pk in set(flip_on) | set(flip_off)})
            result.checked += len(batch)
            result.explicit += sum(now.values())
            result.changed += len(flip_on) + len(flip_off)
            if progress is not None:
                progress(source, len(batch))
    return result
