from django.core.management.base import BaseCommand

from jobs.worker import work


class Command(BaseCommand):
    help = "Run background jobs (scoring, ...) from the database queue until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--burst", action="store_true", help="Exit when the queue is empty.")
        parser.add_argument("--max-jobs", type=int, default=None)
        parser.add_argument("--worker-id", default=None)
        parser.add_argument("--poll", type=float, default=0.5, help="Seconds between polls of an empty queue.")

    def handle(self, *args, **options) -> None:
        ran = work(
            worker_id=options["worker_id"], poll_s=options["poll"], burst=options["burst"], max_jobs=options["max_jobs"]
        )
        self.stdout.write(f"worker stopped after {ran} job(s)")
