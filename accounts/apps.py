from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        # Registers the login/signup receivers that submit an explanation typed before login.
        from accounts import adapters  # noqa: F401
