from django.http import HttpResponse
stock_page=receive_page=issue_page=transfer_page=adjust_page=transfers_page=transfer_receive_page=warehouse_page=lambda r: HttpResponse()
