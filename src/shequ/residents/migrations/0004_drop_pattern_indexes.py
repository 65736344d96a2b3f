from django.db import migrations

# PostgreSQL gives every indexed text column a second index for LIKE 'prefix%' searches
# (varchar_pattern_ops). Nothing searches a blind index or a health status by prefix (they are
# compared whole), so those are dropped: at ten million residents the two on the blind indexes
# are ~1.7 GB kept up to date on every insert for nothing. (Places keep theirs: their paths are
# searched by prefix.) SQLite has no such indexes.
COLUMNS = [
    ("residents_resident", "document_hmac"),
    ("residents_resident", "phone_hmac"),
    ("residents_resident", "health_status"),
]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column in COLUMNS:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s "
                "AND indexdef LIKE %s AND indexdef LIKE %s",
                [table, "%pattern_ops%", f"%({column} %"],
            )
            for (name,) in cursor.fetchall():
                schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("residents", "0003_status_household_index")]

    # Going back does not bring them back: nothing used them.
    operations = [migrations.RunPython(drop, migrations.RunPython.noop)]
