"""Pages of supplies: stock, the four movement forms, transfers and receiving one."""

from django.urls import path

from shequ.supplies import donation_views as donations
from shequ.supplies import ledger_views, point_views, requisition_views, views

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
    path("warehouses/<int:warehouse_id>/points/", point_views.points_page, name="points"),
    path(
        "warehouses/<int:warehouse_id>/points/<int:point_id>/remove/",
        point_views.point_remove,
        name="point_remove",
    ),
    path("ledger/", ledger_views.ledger_page, name="ledger"),
    path("ledger.xlsx", ledger_views.ledger_xlsx, name="ledger_xlsx"),
    path("warehouses/<int:warehouse_id>/stocktake/", ledger_views.stocktake_page, name="stocktake"),
    path("barcode/", ledger_views.barcode_lookup, name="barcode"),
    # Donations (supplies/donation_views.py)
    path("donations/", donations.donations_page, name="donations"),
    path("donations/export/", donations.donations_export, name="donations_export"),
    path("donations/trace/", donations.donations_trace_page, name="donations_trace"),
    path("donations/goods/", donations.donation_goods_page, name="donation_goods"),
    path("donations/cash/", donations.donation_cash_page, name="donation_cash"),
    path("donations/<int:donation_id>/", donations.donation_page, name="donation"),
    path(
        "donations/<int:donation_id>/receipt.pdf",
        donations.donation_receipt,
        name="donation_receipt",
    ),
    path("donations/<int:donation_id>/purchase/", donations.purchase_page, name="purchase"),
    path("donors/new/", donations.donor_new_page, name="donor_new"),
    path("requisitions/", requisition_views.board_page, name="requisitions"),
    path("requisitions/new/", requisition_views.new_page, name="requisition_new"),
    path(
        "requisitions/<int:requisition_id>/",
        requisition_views.requisition_page,
        name="requisition",
    ),
    path("help/<int:request_id>/issue/", requisition_views.help_issue_page, name="help_issue"),
]
