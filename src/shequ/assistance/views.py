from django.http import HttpResponse


def queue_page(r):
    return HttpResponse()


new_page = mine_page = figures_page = request_page = receipt_page = queue_page
