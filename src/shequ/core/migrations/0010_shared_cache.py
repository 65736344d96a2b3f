from django.db import migrations


def create(apps, schema_editor):
    """The table of settings.CACHES (core/kept.py), as `createcachetable` makes it."""
    from django.core.management import call_command

    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS shequ_cache")


class Migration(migrations.Migration):
    dependencies = [("core", "0009_partition_audit_and_inbox")]

    operations = [migrations.RunPython(create, drop)]
