from django.urls import path

from . import lookup_views, views

app_name = "contacts"

urlpatterns = [
    path("board/", views.board, name="board"),
    path("board/notes/add/", views.shift_note_add, name="shift_note_add"),
    path("board/beds/book/", views.board_book_bed, name="board_book_bed"),
    path("board/<slug:section>/", views.board_section, name="board_section"),
    path("board/<slug:section>/all/", views.board_section_all, name="board_section_all"),
    path("quick/", views.quick_log, name="quick_log"),
    path("arrivals/new/", views.arrival, name="arrival"),
    path("", views.contact_list, name="contact_list"),
    path("<int:contact_id>/", views.contact_detail, name="contact_detail"),
    path("<int:contact_id>/start/", views.contact_start, name="contact_start"),
    path("<int:contact_id>/person/", views.contact_link_person, name="contact_link_person"),
    path("persons/search/", views.person_search, name="person_search"),
    path("persons/look-up/", lookup_views.person_lookup, name="person_lookup"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("persons/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:person_id>/identify/", views.person_identify, name="person_identify"),
    path("persons/<int:person_id>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<int:person_id>/phone/", views.person_phone, name="person_phone"),
    path("persons/<int:keep_id>/merge/<int:remove_id>/", views.person_merge, name="person_merge"),
    path("persons/<int:person_id>/stays/new/", views.stay_book, name="stay_book"),
    path("stays/<int:stay_id>/check-out/", views.stay_check_out, name="stay_check_out"),
    path("callbacks/new/", views.callback_add, name="callback_add"),
    path("callbacks/<int:callback_id>/done/", views.callback_complete, name="callback_complete"),
    path("callbacks/<int:callback_id>/number/", views.callback_number, name="callback_number"),
]
