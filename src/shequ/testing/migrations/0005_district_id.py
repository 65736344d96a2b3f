"""`district_id` on `testing_tube`, `testing_sample`, `testing_recall`, `testing_transfer`
(PostgreSQL only: core/districts.py, docs/operations.md "Distributing by district with
Citus"): filled for the rows there are, then kept by a trigger from the row's
place. SQLite keeps its tables as they are."""

from django.db import migrations

from shequ.core.districts import steps


class Migration(migrations.Migration):

    dependencies = [
        ('testing', '0004_tallies_per_statement'),
        ('places', '0004_district_id'),
    ]

    operations = [steps('testing_tube', 'testing_sample', 'testing_recall', 'testing_transfer')]
