from django import template

from oidc import provider

register = template.Library()


@register.simple_tag
def oidc_configured():
    """Whether the login page offers the municipality's login."""
    return provider.configured()
