"""The swabs partitioned by month of `sampled_at` on PostgreSQL (core.partitions,
docs/operations.md "PostgreSQL layout"); SQLite keeps a plain table.

The primary key becomes (id, sampled_at) and the client UUID's unique constraint
(client_uuid, sampled_at); the UUID alone stays unique over every partition through a side
table of the UUIDs taken (testing_sample_client_uuids), taken once per statement. The rule
"one first sample per resident per round" was a partial unique index on (round, resident),
which a partitioned table cannot keep (widened with `sampled_at` it would let a second first
sample in on another day): it moves to a side table of the keys taken, its primary key
named `one_sample_per_round` as the index was (testing.models.FIRST_SAMPLES). Django's
model state keeps the constraint (SQLite has it as an index); on PostgreSQL no later
migration may alter that constraint without dropping the side table first."""

from django.db import migrations

TABLE = "testing_sample"
INDEX = (
    "CREATE UNIQUE INDEX one_sample_per_round ON testing_sample (round_id, resident_id) "
    "WHERE NOT retest"
)


def partition(apps, schema_editor):
    from shequ.core import partitions
    from shequ.testing.models import FIRST_SAMPLES

    if schema_editor.connection.vendor != "postgresql":
        return
    if partitions.is_partitioned(schema_editor.connection, TABLE):
        return  # partitioned already (a migration applied again after a restore)
    schema_editor.execute("DROP INDEX one_sample_per_round")
    partitions.partition_by_month(schema_editor, TABLE, "sampled_at")
    partitions.keep_unique_across_partitions(schema_editor, TABLE, "client_uuid")
    partitions.take_keys_per_statement(schema_editor, TABLE, "client_uuid")
    FIRST_SAMPLES.install(schema_editor.connection)


def unpartition(apps, schema_editor):
    from shequ.core import partitions
    from shequ.testing.models import FIRST_SAMPLES

    if schema_editor.connection.vendor != "postgresql":
        return
    FIRST_SAMPLES.drop(schema_editor.connection)
    partitions.drop_unique_across_partitions(schema_editor, TABLE, "client_uuid")
    partitions.unpartition(schema_editor, TABLE, "sampled_at")
    schema_editor.execute(INDEX)


class Migration(migrations.Migration):

    dependencies = [
        ('testing', '0006_tube_positive_at'),
    ]

    operations = [migrations.RunPython(partition, unpartition)]
