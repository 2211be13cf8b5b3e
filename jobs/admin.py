from django.contrib import admin

from jobs import queue
from jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "status", "attempts", "run_after", "locked_by", "created", "finished")
    list_filter = ("status", "name")
    search_fields = ("dedupe_key", "last_error")
    readonly_fields = ("created", "finished")
    actions = ["retry"]

    @admin.action(description="Retry the selected failed jobs")
    def retry(self, request, queryset) -> None:
        n = sum(queue.requeue(job.pk) for job in queryset)
        self.message_user(request, f"{n} job(s) queued again.")
