from django.db import migrations


def reinstall(apps, schema_editor):
    """On PostgreSQL the counts of inserted and deleted residents and samples move to
    statement-level triggers with transition tables (testing/counts.py, `_GROUPED`): a bulk
    load is counted in one grouped statement. SQLite keeps its per-row triggers (no
    statement-level ones): nothing changes there."""
    if schema_editor.connection.vendor != "postgresql":
        return
    from shequ.testing import counts

    for statement in [*counts.uninstall_sql("postgresql"), *counts.install_sql("postgresql")]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("testing", "0003_drop_home_and_door_tasks")]

    # Going back leaves the grouped triggers: they count exactly what the per-row ones did.
    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
