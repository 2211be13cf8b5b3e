from django.contrib import admin, messages

from game.jobs import retry_failed_score
from game.models import ActivationRecord, Campaign, Explanation, Feature, LanguageModel, Score, Source, Vote


@admin.register(LanguageModel)
class LanguageModelAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "n_layers", "d_model", "d_vocab", "tl_name", "created")
    search_fields = ("slug", "name")


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "layer", "hook_point", "width", "architecture")
    list_filter = ("kind", "model")


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    list_display = ("__str__", "max_activation", "frac_nonzero", "vote_count")
    list_filter = ("source",)
    search_fields = ("=index",)
    raw_id_fields = ("settled_explanation",)


@admin.register(ActivationRecord)
class ActivationRecordAdmin(admin.ModelAdmin):
    list_display = ("id", "feature", "kind", "quantile_bin", "rank", "max_value", "duplicates", "held_out")
    list_filter = ("kind", "held_out")
    raw_id_fields = ("feature",)


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    readonly_fields = ("method", "status", "value", "error", "attempts", "tokens_in", "tokens_out", "cost_usd", "finished")


@admin.register(Explanation)
class ExplanationAdmin(admin.ModelAdmin):
    list_display = ("text", "feature", "author", "author_model", "status", "score_value", "vote_count", "hidden", "created")
    list_filter = ("status", "hidden", "score_method")
    search_fields = ("text", "author__username")
    raw_id_fields = ("feature", "author")
    inlines = [ScoreInline]
    # Hiding moves points and settles features, and is audited: it is done on /moderation,
    # never by flipping the flags here.
    readonly_fields = ("hidden", "moderator_hidden", "author_banned", "vote_count")


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ("explanation", "method", "status", "value", "attempts", "cost_usd", "finished")
    list_filter = ("status", "method")
    search_fields = ("explanation__text", "error")
    raw_id_fields = ("explanation",)
    actions = ["retry"]

    @admin.action(description="Retry the selected failed scores")
    def retry(self, request, queryset) -> None:
        n = sum(retry_failed_score(s) for s in queryset)
        self.message_user(request, f"{n} failed score(s) queued again.", messages.SUCCESS)


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ("user", "explanation", "created")
    raw_id_fields = ("user", "explanation")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "active", "created")
    filter_horizontal = ()
    raw_id_fields = ("features",)


# --- Game state (backend) -------------------------------------------------------------------
from game.models import DailyCounter, PointsEvent, PuzzleView  # noqa: E402


@admin.register(PuzzleView)
class PuzzleViewAdmin(admin.ModelAdmin):
    list_display = ["feature", "user", "session_key", "action", "reason", "created"]
    list_filter = ["action", "reason"]
    search_fields = ["user__username", "session_key"]
    raw_id_fields = ["user", "feature"]


@admin.register(PointsEvent)
class PointsEventAdmin(admin.ModelAdmin):
    list_display = ["user", "points", "reason", "explanation", "created"]
    list_filter = ["reason"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "explanation", "feature", "other_user"]


@admin.register(DailyCounter)
class DailyCounterAdmin(admin.ModelAdmin):
    list_display = ["user", "day", "kind", "used"]
    list_filter = ["kind", "day"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
