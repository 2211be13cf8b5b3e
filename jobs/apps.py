from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'jobs'

    def ready(self) -> None:
        # Each app declares its handlers and worker-start hooks in its own `jobs` module
        # (`jobs.registry.job_handler`, `on_worker_start`); importing them here registers them
        # in every process, web or worker, without the queue naming any app.
        autodiscover_modules("jobs")
