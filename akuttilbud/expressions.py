"""ORM expressions that each database spells its own way (Django's ``as_<vendor>`` methods)."""

from django.db.models import Func, IntegerField


class WholeSeconds(Func):
    """Whole seconds from ``start`` to ``end`` (two datetimes), rounded down; ``NULL`` if either is.

    Figures count durations in whole seconds, as the exports write them, so a figure rebuilt
    from the files is the same as the dashboard's.
    """

    output_field = IntegerField()
    arity = 2

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="FLOOR(EXTRACT(EPOCH FROM (%(expressions)s)))::integer",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django registers django_timestamp_diff on every SQLite connection: microseconds.
        return self.as_sql(
            compiler,
            connection,
            template="(django_timestamp_diff(%(expressions)s) / 1000000)",
            arg_joiner=", ",
            **extra,
        )
