"""The moderators' refused words: `blocked_word add WORD`, `blocked_word remove WORD`, `blocked_word list`.

Words apply to usernames and to every text checked for profanity, in every process within
seconds (`accounts.profanity`).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.blocked_words import BlockedWordError, blocked_word_add, blocked_word_remove
from accounts.models import BlockedWord


class Command(BaseCommand):
    help = "Add, remove or list the words refused on top of better-profanity's list."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("add", help="refuse this word from now on").add_argument("word")
        sub.add_parser("remove", help="accept this word again").add_argument("word")
        sub.add_parser("list", help="list the blocked words")

    def handle(self, *args, action: str, word: str = "", **options) -> None:
        if action == "list":
            for blocked in BlockedWord.objects.all():
                self.stdout.write(blocked.word)
            return
        try:
            if action == "add":
                blocked = blocked_word_add(word, by=None)
                self.stdout.write(f"Blocked {blocked.word!r}.")
            else:
                blocked_word_remove(word)
                self.stdout.write(f"{word.strip().lower()!r} is accepted again.")
        except BlockedWordError as exc:
            raise CommandError(str(exc)) from None
