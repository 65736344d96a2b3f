"""Pages of supplies: stock, the four movement forms, transfers and receiving one."""

from django.urls import path

from shequ.supplies import ledger_views, views

app_name = "supplies"

urlpatterns = [
    path("", views.stock_page, name="stock"),
    path("receive/", views.receive_page, name="receive"),
    path("issue/", views.issue_page, name="issue"),
    path("transfer/", views.transfer_page, name="transfer"),
    path("adjust/", views.adjust_page, name="adjust"),
    path("transfers/", views.transfers_page, name="transfers"),
    path("transfers/<int:shipment_id>/", views.transfer_receive_page, name="transfer_receive"),
    path("warehouses/<int:warehouse_id>/", views.warehouse_page, name="warehouse"),
    # Ledgers, stock-take, the scanner's barcode lookup (supplies/ledger_views.py).
    path("ledger/", ledger_views.ledger_page, name="ledger"),
    path("ledger.xlsx", ledger_views.ledger_xlsx, name="ledger_xlsx"),
    path("warehouses/<int:warehouse_id>/stocktake/", ledger_views.stocktake_page, name="stocktake"),
    path("barcode/", ledger_views.barcode_lookup, name="barcode"),
]
