"""Persons' and call-backs' numbers move from clear text to ``HasPhone`` storage (encrypted, a
keyed blind index, the last four digits). Reversible: going back decrypts them into ``phone``."""

from django.db import migrations, models

from akuttilbud import phone as phone_module

BATCH = 500


def _stored(value):
    """The number as kept: normalised when ``phonenumbers`` accepts it, else its digits as typed,
    so that no number is lost."""
    return phone_module.normalise(value) or "".join(ch for ch in value if ch.isdigit() or ch == "+")


def encrypt_numbers(apps, schema_editor):
    for model_name in ("Person", "Callback"):
        model = apps.get_model("contacts", model_name)
        rows = model.objects.exclude(phone="").only("pk", "phone")
        changed = []
        for row in rows.iterator(chunk_size=BATCH):
            number = _stored(row.phone)
            row.phone_encrypted = phone_module.encrypt(number)
            row.phone_index = phone_module.blind_index(number)
            row.phone_last4 = phone_module.last_four(number)
            changed.append(row)
        model.objects.bulk_update(changed, ["phone_encrypted", "phone_index", "phone_last4"], batch_size=BATCH)


def decrypt_numbers(apps, schema_editor):
    for model_name in ("Person", "Callback"):
        model = apps.get_model("contacts", model_name)
        changed = []
        for row in model.objects.exclude(phone_encrypted="").only("pk", "phone_encrypted").iterator(chunk_size=BATCH):
            row.phone = phone_module.decrypt(row.phone_encrypted)[:20]
            changed.append(row)
        model.objects.bulk_update(changed, ["phone"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0009_callback_closed_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="callback",
            name="phone_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="callback",
            name="phone_index",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="callback",
            name="phone_last4",
            field=models.CharField(
                blank=True, editable=False, max_length=4, verbose_name="number (last four digits)"
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="phone_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="person",
            name="phone_index",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="person",
            name="phone_last4",
            field=models.CharField(
                blank=True, editable=False, max_length=4, verbose_name="number (last four digits)"
            ),
        ),
        migrations.RunPython(encrypt_numbers, decrypt_numbers),
        migrations.RemoveIndex(
            model_name="person",
            name="contacts_pe_phone_a1ca67_idx",
        ),
        # A default first, so that going back can add the column to rows that exist.
        migrations.AlterField(
            model_name="callback",
            name="phone",
            field=models.CharField(blank=True, default="", max_length=20, verbose_name="number"),
        ),
        migrations.RemoveField(
            model_name="callback",
            name="phone",
        ),
        migrations.RemoveField(
            model_name="person",
            name="phone",
        ),
    ]
