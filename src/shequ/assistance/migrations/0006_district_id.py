"""`district_id` on `assistance_helprequest`, `assistance_isolationreport`,
`assistance_watchcheck` (PostgreSQL only: core/districts.py, docs/operations.md
"Distributing by district with Citus"): filled for the rows there are, then kept by a
trigger from the row's place. SQLite keeps its tables as they are."""

from django.db import migrations

from shequ.core.districts import steps


class Migration(migrations.Migration):

    dependencies = [
        ('assistance', '0005_watch_check'),
        ('places', '0004_district_id'),
    ]

    operations = [steps('assistance_helprequest', 'assistance_isolationreport', 'assistance_watchcheck')]
