"""`district_id` on `testing_tube`, `testing_sample`, `testing_recall`, `testing_transfer`
(PostgreSQL only: core/districts.py, docs/operations.md "Distributing by district with
Citus"): filled for the rows there are, then kept by a trigger from the row's
place. SQLite keeps its tables as they are."""

from django.db import migrations

TABLES = ['testing_tube', 'testing_sample', 'testing_recall', 'testing_transfer']


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
        ('testing', '0004_tallies_per_statement'),
        ('places', '0004_district_id'),
    ]

    operations = [migrations.RunPython(carry, uncarry)]
