from django.shortcuts import render

from akuttilbud.roles import EVALUATOR, LEADER, role_required


@role_required(LEADER)
def dashboard(request):
    return render(request, "reporting/dashboard.html")


@role_required(EVALUATOR, LEADER)
def exports(request):
    return render(request, "reporting/exports.html")
