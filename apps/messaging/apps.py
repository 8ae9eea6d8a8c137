from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    label = "messaging"

    def ready(self):
        from apps.core.wakeup import wake

        from . import queueing, tasks

        # Only a wake-up: the row is the queue, and the periodic sweep (``deliver_due``) sends what
        # a worker was not woken for. ``wake`` never waits for a broker that is down, nor raises.
        # The task is looked up at each call: a shared task resolves to the Celery app current then.
        queueing.set_celery_handoff(lambda pk: wake(tasks.deliver_message, pk))
