from django.contrib.postgres.operations import CryptoExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pgcrypto's ``hmac()`` computes the export's pseudonyms inside PostgreSQL (a trusted
    extension: the database's owner, who migrates, may create it; SQLite skips it)."""

    dependencies = [("reporting", "0003_summaries")]

    operations = [CryptoExtension()]
