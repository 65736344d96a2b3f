# Home sampling and the missed walk are outreach's tasks now (issue #21): outreach's
# migration 0002 copied the rows; the old tables go.

from django.db import migrations


class Migration(migrations.Migration):
    # After outreach copied the rows (one door-to-door model, not two).
    dependencies = [
        ("outreach", "0002_from_testing"),
        ("testing", "0002_coverage_counts"),
    ]

    operations = [
        migrations.DeleteModel(name="DoorOutcome"),
        migrations.DeleteModel(name="DoorTask"),
        migrations.DeleteModel(name="HomeTask"),
    ]
