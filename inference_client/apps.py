from django.apps import AppConfig


class InferenceClientConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'inference_client'
