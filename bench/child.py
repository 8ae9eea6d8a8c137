"""What a benchmark's child process does first: Django on the given database and var directory,
in the embedded mode without Redis or DEBUG, migrated. The import benchmarks run their work in
such a child (``python bench/<name>.py --child …``) so each database starts from nothing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_django(database_url: str, var: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "buurtwacht.settings",
            "BUURTWACHT_ENV": "development",
            "BUURTWACHT_VAR_DIR": var,
            "DATABASE_URL": database_url,
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "memory://",
            "BUURTWACHT_WORKER": "embedded",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
