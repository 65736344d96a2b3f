"""The attendance event log partitioned by month of `at` on PostgreSQL (core.partitions,
docs/operations.md "PostgreSQL layout"); SQLite keeps a plain table. Its client UUID's unique
constraint becomes (client_uuid, at); the UUID alone stays unique over every partition through
a side table of the UUIDs taken (duty_attendanceevent_client_uuids, kept by triggers)."""

from django.db import migrations


def partition(apps, schema_editor):
    from shequ.core.partitions import keep_unique_across_partitions, partition_by_month

    partition_by_month(schema_editor, "duty_attendanceevent", "at")
    keep_unique_across_partitions(schema_editor, "duty_attendanceevent", "client_uuid")


def unpartition(apps, schema_editor):
    from shequ.core.partitions import drop_unique_across_partitions, unpartition

    drop_unique_across_partitions(schema_editor, "duty_attendanceevent", "client_uuid")
    unpartition(schema_editor, "duty_attendanceevent", "at")


class Migration(migrations.Migration):

    dependencies = [
        ('duty', '0006_roster_job_heartbeat_and_draft'),
    ]

    operations = [migrations.RunPython(partition, unpartition)]
