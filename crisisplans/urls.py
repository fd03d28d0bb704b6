app_name = "crisisplans"

urlpatterns = []
