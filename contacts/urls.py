from django.urls import path

from .views import board, callbacks, contacts, persons, stays

app_name = "contacts"

urlpatterns = [
    path("board/", board.board, name="board"),
    path("board/notes/add/", board.shift_note_add, name="shift_note_add"),
    path("board/beds/book/", board.board_book_bed, name="board_book_bed"),
    path("board/<slug:section>/", board.board_section, name="board_section"),
    path("board/<slug:section>/all/", board.board_section_all, name="board_section_all"),
    path("quick/", contacts.quick_log, name="quick_log"),
    path("arrivals/new/", contacts.arrival, name="arrival"),
    path("", contacts.contact_list, name="contact_list"),
    path("<int:contact_id>/", contacts.contact_detail, name="contact_detail"),
    path("<int:contact_id>/start/", contacts.contact_start, name="contact_start"),
    path("<int:contact_id>/person/", contacts.contact_link_person, name="contact_link_person"),
    path("persons/search/", persons.person_search, name="person_search"),
    path("persons/new/", persons.person_create, name="person_create"),
    path("persons/<int:person_id>/", persons.person_detail, name="person_detail"),
    path("persons/<int:person_id>/edit/", persons.person_edit, name="person_edit"),
    path("persons/<int:person_id>/identify/", persons.person_identify, name="person_identify"),
    path("persons/<int:person_id>/reveal/", persons.person_reveal, name="person_reveal"),
    path("persons/<int:person_id>/phone/", persons.person_phone, name="person_phone"),
    path("persons/<int:keep_id>/merge/<int:remove_id>/", persons.person_merge, name="person_merge"),
    path("persons/<int:person_id>/stays/new/", stays.stay_book, name="stay_book"),
    path("stays/<int:stay_id>/check-out/", stays.stay_check_out, name="stay_check_out"),
    path("callbacks/new/", callbacks.callback_add, name="callback_add"),
    path("callbacks/<int:callback_id>/done/", callbacks.callback_complete, name="callback_complete"),
    path("callbacks/<int:callback_id>/number/", callbacks.callback_number, name="callback_number"),
]
