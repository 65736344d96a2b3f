"""The audit log (by `at`) and the inbox (by `created_at`) partitioned by month on
PostgreSQL (core.partitions, docs/operations.md "PostgreSQL layout"); SQLite keeps plain
tables. After notify 0002, which takes away the one foreign key that pointed at the inbox."""

from django.db import migrations

TABLES = (("core_auditevent", "at"), ("core_notification", "created_at"))


def partition(apps, schema_editor):
    from shequ.core.partitions import partition_by_month

    for table, column in TABLES:
        partition_by_month(schema_editor, table, column)


def unpartition(apps, schema_editor):
    from shequ.core.partitions import unpartition

    for table, column in TABLES:
        unpartition(schema_editor, table, column)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0008_help_public'),
        ('notify', '0002_delivery_notification_plain_id'),
    ]

    operations = [migrations.RunPython(partition, unpartition)]
