"""The permission check every view goes through."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import Role

STAFF = Role.STAFF
LEADER = Role.LEADER
EVALUATOR = Role.EVALUATOR


def role_required(*roles):
    """Let in logged-in users holding one of ``roles`` (and superusers); others get 403.

    The roles are kept on the view as ``allowed_roles`` so the permission-matrix test can
    check every URL against what it declares.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        protected = login_required(wrapper)
        protected.allowed_roles = frozenset(roles)
        return protected

    return decorator
