"""Walk the URL conf: every pattern of the project with a concrete example path."""

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter

EXAMPLE_BY_CONVERTER = {
    IntConverter: "1",
    StringConverter: "x",
    SlugConverter: "x",
    PathConverter: "x",
    UUIDConverter: "00000000-0000-0000-0000-000000000001",
}

# Outside the app proper: Django's admin (its own login), the language switch and static files.
SKIPPED_PREFIXES = ("admin/", "i18n/", "static/")


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, route, pattern


def example_path(route, pattern):
    path = route
    for key, converter in pattern.pattern.converters.items():
        example = EXAMPLE_BY_CONVERTER[type(converter)]
        path = path.replace(f"<{type(converter).__name__.lower().replace('converter', '')}:{key}>", example)
        path = path.replace(f"<{key}>", example)
    # Route converters not rewritten above (custom names) fall back to the int example.
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        path = path[:start] + "1" + path[end + 1 :]
    return "/" + path


def app_urls():
    """(name, example path, callback) for every URL of the app itself."""
    for name, route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES):
            continue
        yield name, example_path(route, pattern), pattern.callback
