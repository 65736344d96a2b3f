"""`district_id` on `reports_dailyreport` (PostgreSQL only: core/districts.py,
docs/operations.md "Distributing by district with Citus"): filled for the rows there are,
then kept by a trigger from the row's place. SQLite keeps its tables as they are."""

from django.db import migrations

from shequ.core.districts import steps


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_reportsubscription'),
        ('places', '0004_district_id'),
    ]

    operations = [steps('reports_dailyreport')]
