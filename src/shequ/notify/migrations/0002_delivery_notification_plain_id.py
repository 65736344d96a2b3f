"""A delivery's `notification` without a database foreign key: the inbox (core's
Notification) is partitioned by month on PostgreSQL from core 0009 on, and a key cannot point
at a partitioned table. Django still sets the column to NULL when an inbox row is deleted."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0008_help_public'),
        ('notify', '0001_delivery_pushsubscription'),
    ]

    operations = [
        migrations.AlterField(
            model_name='delivery',
            name='notification',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deliveries', to='core.notification'),
        ),
    ]
