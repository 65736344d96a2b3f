"""Three indexes that others already serve, dropped: each one was kept up to date on every
resident written (a 100,000-row import spent ~30 % of its write on them, bench/README.md).

- `household_id`: (household_id, name) leads with it;
- `health_status`: resident_status_household (health_status, household_id) leads with it;
- `document_hmac`: the unique (document_type, document_hmac) answers a lookup by digest once
  it names the types too (`residents.models.document_q`).

Dropped by name (the same on SQLite and PostgreSQL): on SQLite, altering the fields would
rebuild the table and lose the coverage counts' triggers on it.
"""

from django.db import migrations, models

import shequ.core.fields

INDEXES = [
    ("residents_resident_household_id_3fa81f6b", "household_id"),
    ("residents_resident_health_status_98fcd534", "health_status"),
    ("residents_resident_document_hmac_6b36ceb5", "document_hmac"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("residents", "0005_district_id"),
        ("places", "0004_district_id"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX "{name}" ON "residents_resident" ("{column}")',
                )
                for name, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="resident",
                    name="household",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="residents",
                        to="places.place",
                    ),
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="health_status",
                    field=models.CharField(
                        choices=[
                            ("normal", "Normal"),
                            ("home_monitoring", "Home health monitoring (居家健康监测)"),
                            ("home_isolation", "Home isolation (居家隔离)"),
                            ("central_isolation", "Centralized isolation (集中隔离)"),
                            ("hospital", "In hospital"),
                            ("close_contact", "Close contact (密接)"),
                            ("secondary_contact", "Secondary contact (次密接)"),
                            ("pending_retest", "Pending single-tube retest (待单管复核)"),
                        ],
                        default="normal",
                        max_length=20,
                        verbose_name="health status",
                    ),
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="document_hmac",
                    field=shequ.core.fields.BlindIndexField(
                        blank=True,
                        db_index=False,
                        default="",
                        editable=False,
                        kind="document",
                        max_length=64,
                        source="document_number",
                    ),
                ),
            ],
        ),
    ]
