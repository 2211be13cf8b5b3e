from django.conf import settings
from django.core.management.base import BaseCommand

from jobs import queue


class Command(BaseCommand):
    help = "Delete finished jobs (done, failed, cancelled) older than JOB_PRUNE_AFTER_DAYS days."

    def handle(self, *args, **options) -> None:
        days = settings.JOB_PRUNE_AFTER_DAYS
        if days <= 0:
            self.stdout.write("JOB_PRUNE_AFTER_DAYS is 0: finished jobs are kept; nothing deleted.")
            return
        deleted = queue.prune()
        self.stdout.write(f"Deleted {deleted} finished job(s) that finished more than {days} day(s) ago.")
