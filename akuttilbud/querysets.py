"""QuerySet pieces every app's records share."""

from .models import Role


class VisibleToStaffAndLeaders:
    """``visible_to(user)``: every row for staff and leaders, none for anyone else. The one
    permission-checked way to load a citizen's records (with ``get_object_or_404``)."""

    def visible_to(self, user):
        return self if user.has_role(Role.STAFF, Role.LEADER) else self.none()
