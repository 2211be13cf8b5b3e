"""What happens to a player's part of the game when their account is deleted.

Their explanations stay in play, anonymous, with their scores and votes: other players voted
for them and may have been paid for it, and the feature may have settled on one of them.
Their votes stay counted, attributed to nobody (`Vote.user` is SET_NULL), so every
`vote_count` still equals the rows behind it and a settled feature does not move. Points
the deleted player earned go with them; points others earned from them (votes received) stay.
Everything else of theirs (points events, puzzle views, reports, counters, tokens, profile)
cascades away with the user row.
"""

from __future__ import annotations

from game.models import DELETED_PLAYER, Explanation


def player_delete(user) -> int:
    """Anonymise the player's explanations before their user row goes; returns how many.

    Idempotent, and must run before the delete: the author foreign key alone would leave
    rows with no author at all, which the `explanation_has_an_author` constraint refuses.
    """
    if user.pk is None:
        return 0
    return Explanation.objects.filter(author_id=user.pk).update(author=None, author_model=DELETED_PLAYER)
