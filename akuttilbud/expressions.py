"""ORM expressions that each database spells its own way (Django's ``as_<vendor>`` methods).

Where SQLite has no such function, ``akuttilbud.database`` registers the Python rule on each
connection under the expression's ``function`` name, so the rule itself is written once.
"""

import string

from django.conf import settings
from django.db.models import Aggregate, CharField, Func, IntegerField, Value
from django.utils import timezone


def compose(template, pieces):
    """SQL from ``template``, each ``{name}`` slot filled with the compiled ``pieces[name]``
    (``(sql, params)``), and the parameters in the order their slots appear: a piece may appear
    more than once."""
    sql, params = [], []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        sql.append(literal)
        if name is not None:
            piece_sql, piece_params = pieces[name]
            sql.append(piece_sql)
            params.extend(piece_params)
    return "".join(sql), tuple(params)


def compiled(compiler, expressions, names):
    return dict(zip(names, (compiler.compile(expression) for expression in expressions), strict=True))


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
        # Django registers django_timestamp_diff on every SQLite connection: microseconds. SQLite's
        # integer division truncates towards zero, so a negative difference is moved down by a
        # second less a microsecond first, which makes it round down.
        pieces = compiled(compiler, self.get_source_expressions(), ["end", "start"])
        return compose(
            "((django_timestamp_diff({end}, {start})"
            " - (django_timestamp_diff({end}, {start}) < 0) * 999999) / 1000000)",
            pieces,
        )


def local_timestamp(moment):
    """``moment`` (aware) as ISO 8601 local time in ``TIME_ZONE`` to the second with its offset
    from UTC: ``2026-10-25T02:30:00+02:00``, then ``2026-10-25T02:30:00+01:00`` an hour later."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


class LocalTimestamp(Func):
    """``local_timestamp`` of a datetime expression inside the database.

    PostgreSQL computes it from the zone named in the statement, whatever the session's
    ``TimeZone``; SQLite calls ``local_timestamp`` itself (registered by ``akuttilbud.database``).
    """

    output_field = CharField()
    function = "akuttilbud_local_timestamp"
    arity = 1

    def as_postgresql(self, compiler, connection, **extra):
        pieces = compiled(compiler, self.get_source_expressions(), ["moment"])
        pieces["zone"] = ("%s", [settings.TIME_ZONE])
        minutes = "(EXTRACT(EPOCH FROM ({moment} AT TIME ZONE {zone}) - ({moment} AT TIME ZONE 'UTC'))::integer / 60)"
        return compose(
            "to_char({moment} AT TIME ZONE {zone}, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
            f"|| CASE WHEN {minutes} < 0 THEN '-' ELSE '+' END "
            f"|| to_char(abs({minutes}) / 60, 'FM00') || ':' || to_char(mod(abs({minutes}), 60), 'FM00')",
            pieces,
        )


class OrderedJoin(Aggregate):
    """The texts of ``expression`` joined by ``separator`` in the order of ``ordering`` (field
    names or expressions): ``string_agg(… ORDER BY …)`` on PostgreSQL; on SQLite (no ORDER BY
    inside an aggregate before 3.44) the aggregate ``akuttilbud_ordered_join``, which sorts in
    Python by the same keys (SQLite compares text by its bytes, as Python's ``sorted`` does)."""

    function = "akuttilbud_ordered_join"
    output_field = CharField()

    def __init__(self, expression, separator, ordering, **extra):
        super().__init__(Value(separator), expression, *ordering, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        # The aggregate's own expressions, without the FILTER Django's Aggregate adds to them.
        separator, expression, *ordering = self.source_expressions
        names = [f"key{index}" for index in range(len(ordering))]
        pieces = compiled(compiler, [separator, expression, *ordering], ["separator", "value", *names])
        keys = ", ".join(f"{{{name}}}" for name in names)
        return compose(f"string_agg({{value}}, {{separator}} ORDER BY {keys})", pieces)


class OrderedJoinAggregate:
    """SQLite's side of ``OrderedJoin``: ``step(separator, value, *keys)`` for each row."""

    def __init__(self):
        self.rows = []
        self.separator = ""

    def step(self, separator, value, *keys):
        self.separator = separator
        self.rows.append((keys, value))

    def finalize(self):
        if not self.rows:
            return None
        return self.separator.join(value for _keys, value in sorted(self.rows))
