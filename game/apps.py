from django.apps import AppConfig


class GameConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'game'

    def ready(self) -> None:
        # Connects the login receiver that submits an explanation typed before login.
        from game import signals  # noqa: F401
