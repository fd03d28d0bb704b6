from django.db import migrations

KINDS = [
    "Regionspsykiatri", "Psykiatrisk akutmodtagelse", "Kommunal socialforvaltning", "Politi",
    "Praktiserende læger", "Jobcenter", "Nabokommune", "Bruger- og pårørendeorganisation",
    "Frivillig organisation", "Andet",
]


def seed(apps, schema_editor):
    PartnerKind = apps.get_model("partners", "PartnerKind")
    for position, name in enumerate(KINDS):
        PartnerKind.objects.get_or_create(name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
