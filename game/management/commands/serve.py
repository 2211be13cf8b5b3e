"""`runserver` (daphne: HTTP and websockets) with the job worker running inside the same
process, for the embedded default, where the in-memory channel layer cannot cross processes.
At scale run daphne and `manage.py run_worker` processes separately, with Redis between them."""

import logging
import os

from daphne.management.commands.runserver import Command as RunserverCommand
from daphne.server import twisted_loop

from jobs.worker import work_in_event_loop


class Command(RunserverCommand):
    help = "Serve the site (daphne) with an in-process job worker, for the embedded default."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--no-worker", action="store_true", help="Do not run jobs in this process.")

    def inner_run(self, *args, **options) -> None:
        if options.get("no_worker"):
            super().inner_run(*args, **options)
            return
        twisted_loop.call_soon(lambda: twisted_loop.create_task(work_in_event_loop()))
        super().inner_run(*args, **options)
        # The server stopped (SIGTERM / Ctrl-C). A job still running in a worker thread would
        # keep the process alive, or fail half-way through interpreter shutdown; instead it is
        # abandoned: its lease runs out and the next worker runs it again, exactly once.
        logging.shutdown()
        os._exit(0)
