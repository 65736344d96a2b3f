"""`district_id` on `residents_resident` (PostgreSQL only: core/districts.py,
docs/operations.md "Distributing by district with Citus"): filled for the rows there are,
then kept by a trigger from the row's place. SQLite keeps its tables as they are."""

from django.db import migrations

from shequ.core.districts import steps


class Migration(migrations.Migration):

    dependencies = [
        ('residents', '0004_drop_pattern_indexes'),
        ('places', '0004_district_id'),
    ]

    operations = [steps('residents_resident')]
