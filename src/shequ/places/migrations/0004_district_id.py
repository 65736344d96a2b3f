"""`district_id` on `places_place` (PostgreSQL only: core/districts.py, docs/operations.md
"Distributing by district with Citus"): filled for the rows there are, then kept by a
trigger from the row's place. SQLite keeps its tables as they are."""

from django.db import migrations

TABLES = ['places_place']


def carry(apps, schema_editor):
    from shequ.core.districts import carry

    for table in TABLES:
        carry(schema_editor, table)


def uncarry(apps, schema_editor):
    from shequ.core.districts import uncarry

    for table in reversed(TABLES):
        uncarry(schema_editor, table)


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0003_place_level_word'),
    ]

    operations = [migrations.RunPython(carry, uncarry)]
