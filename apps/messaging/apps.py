from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    label = "messaging"

    def ready(self):
        from . import queueing, tasks

        # Looked up at each call: a shared task resolves to the Celery app current at that moment.
        queueing.set_celery_handoff(lambda pk: tasks.deliver_message.delay(pk))
