import datetime

from django.utils import translation

from akuttilbud.templatetags.durations import duration


def test_duration_reads_as_hours_and_minutes():
    with translation.override("en"):
        assert duration(datetime.timedelta(minutes=28, seconds=20)) == "28 min"
        assert duration(datetime.timedelta(hours=1, minutes=38)) == "1 h 38 min"
        assert duration(None) == "–"
