"""Program-wide settings stored as one database row."""

from django.db import models


class SingletonModel(models.Model):
    """Abstract base of a one-row settings table; `current()` returns the row, created with the defaults."""

    class Meta:
        abstract = True

    @classmethod
    def current(cls):
        row, _ = cls.objects.get_or_create(pk=1)
        return row
