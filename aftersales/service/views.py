from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def order_list(request):
    return HttpResponse("orders")


intake = dispatch_board = order_list


@login_required
def order_detail(request, pk):
    return HttpResponse("order")
