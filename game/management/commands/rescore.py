"""Queue rescoring of in-play explanations that have no score under the current scorer and pack.

Workers do this by themselves when they start; this command is for doing it without a restart
(for example right after `import_pack` of a rebuilt pack on a running deployment)."""

from django.core.management.base import BaseCommand

from game.services.rescoring import rescore_in_play, rescoring_pending


class Command(BaseCommand):
    help = "Queue rescoring of in-play explanations under the current scoring method, version and pack."

    def handle(self, *args, **options) -> None:
        queued = rescore_in_play()
        self.stdout.write(f"queued {queued} explanations; {rescoring_pending()} not yet scored under the current key")
