"""The passages' client UUIDs taken into their side table once per INSERT or COPY statement,
not once per row (core.partitions.take_keys_per_statement; PostgreSQL only)."""

from django.db import migrations


def per_statement(apps, schema_editor):
    from shequ.core.partitions import take_keys_per_statement

    take_keys_per_statement(schema_editor, "checkpoints_passage", "client_uuid")


def per_row(apps, schema_editor):
    from shequ.core.partitions import take_keys_per_row

    take_keys_per_row(schema_editor, "checkpoints_passage", "client_uuid")


class Migration(migrations.Migration):

    dependencies = [
        ('checkpoints', '0006_district_id'),
    ]

    operations = [migrations.RunPython(per_statement, per_row)]
