"""`district_id` on `places_place` (PostgreSQL only: core/districts.py, docs/operations.md
"Distributing by district with Citus"): filled for the rows there are, then kept by a
trigger from the row's place. SQLite keeps its tables as they are."""

from django.db import migrations

from shequ.core.districts import steps


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0003_place_level_word'),
    ]

    operations = [steps('places_place')]
