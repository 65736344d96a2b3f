"""The attendance event log partitioned by month of `at` on PostgreSQL (core.partitions,
docs/operations.md "PostgreSQL layout"); SQLite keeps a plain table. Its client UUID's unique
constraint becomes (client_uuid, at): a device resends a check-in with its time unchanged."""

from django.db import migrations


def partition(apps, schema_editor):
    from shequ.core.partitions import partition_by_month

    partition_by_month(schema_editor, "duty_attendanceevent", "at")


def unpartition(apps, schema_editor):
    from shequ.core.partitions import unpartition

    unpartition(schema_editor, "duty_attendanceevent", "at")


class Migration(migrations.Migration):

    dependencies = [
        ('duty', '0005_roster_jobs'),
    ]

    operations = [migrations.RunPython(partition, unpartition)]
