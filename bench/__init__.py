"""Benchmark tooling, kept out of the product: ``generate_load_data`` (``load_data.py``) fills a
database at scale, ``run.py`` and ``measure.py`` time it into ``docs/performance.md``.

An app outside production only (``settings.INSTALLED_APPS``), so ``manage.py generate_load_data``
works on a laptop and in CI and does not exist where the service runs.
"""
