from django.shortcuts import render

from akuttilbud.roles import LEADER, STAFF, role_required


@role_required(STAFF, LEADER)
def board(request):
    return render(request, "contacts/board.html")
