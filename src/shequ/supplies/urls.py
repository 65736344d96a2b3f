"""Pages of supplies: stock, the four movement forms, transfers and receiving one."""

from django.urls import path

from shequ.supplies import requisition_views, views

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
    path("requisitions/", requisition_views.board_page, name="requisitions"),
    path("requisitions/new/", requisition_views.new_page, name="requisition_new"),
    path(
        "requisitions/<int:requisition_id>/",
        requisition_views.requisition_page,
        name="requisition",
    ),
    path("help/<int:request_id>/issue/", requisition_views.help_issue_page, name="help_issue"),
]
