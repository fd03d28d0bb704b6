from django.core.paginator import EmptyPage, Page, Paginator
from django.utils.functional import cached_property

# Beyond this offset a page number is not a page anyone pages to, and it would overflow the database.
LARGEST_OFFSET = 2**31


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, *, has_following):
        super().__init__(object_list, number, paginator)
        self.has_following = has_following

    def has_next(self):
        return self.has_following


class CappedPaginator(Paginator):
    """Pages through a long list without counting all of it.

    Counting every row of a filtered list costs more than showing one page of it (a COUNT(*) over
    a million contacts takes hundreds of milliseconds), so the count stops at ``count_limit``;
    beyond it the list says "more than" and pages on with Previous and Next. A page first fetches
    the ids of its rows, which an index on the list's order yields without reading the skipped
    rows, then only those rows with their joins, plus one id more than it shows to know whether a
    next page exists.
    """

    count_limit = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.count_limit + 1].count()

    @property
    def is_capped(self):
        return self.count > self.count_limit

    @cached_property
    def num_pages(self):
        if self.is_capped:
            return LARGEST_OFFSET // self.per_page
        return super().num_pages

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page + 1])
        if not ids and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        rows = list(self.object_list.filter(pk__in=ids[: self.per_page]))
        return CappedPage(rows, number, self, has_following=len(ids) > self.per_page)

    def get_page(self, number):
        """The page asked for; page 1 for a number that is not a page, as no last page is known."""
        try:
            return super().get_page(number)
        except EmptyPage:
            return self.page(1)
